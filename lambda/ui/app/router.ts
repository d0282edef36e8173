/**
 * The page's routes, in the API's shape: `/ui/`, `/ui/clusters/{cluster}`,
 * `/ui/clusters/{cluster}/tasks/{task}`. Filters live in the query string, so every view is a link.
 */
export type UiRoute =
  | { readonly page: 'clusters' }
  | { readonly page: 'tasks'; readonly cluster: string }
  | { readonly page: 'task'; readonly cluster: string; readonly task: string }
  | { readonly page: 'not-found' };

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The route of a path under `/ui`.
 * @example routeOf('/ui/clusters/default') // { page: 'tasks', cluster: 'default' }
 */
export function routeOf(pathname: string): UiRoute {
  const parts = pathname
    .replace(/^\/ui\/?/, '')
    .split('/')
    .filter((part) => part !== '');
  if (parts.length === 0) return { page: 'clusters' };
  const [first, cluster, tasks, task] = parts.map(decode);
  if (first !== 'clusters' || cluster === undefined || cluster === '') return { page: 'not-found' };
  if (parts.length === 2) return { page: 'tasks', cluster };
  if (parts.length === 4 && tasks === 'tasks' && task) return { page: 'task', cluster, task };
  return { page: 'not-found' };
}

const enc = encodeURIComponent;

export const clustersHref = (): string => '/ui/';
export const tasksHref = (cluster: string, query = ''): string => `/ui/clusters/${enc(cluster)}${query}`;
export const taskHref = (cluster: string, task: string, query = ''): string =>
  `/ui/clusters/${enc(cluster)}/tasks/${enc(task)}${query}`;

/**
 * How the page names a cluster of its address: a cluster ARN as its name with account and region, so that
 * two `prod` clusters read apart; a bare name as it is.
 * @example clusterLabel('arn:aws:ecs:us-west-2:222233334444:cluster/prod') === 'prod (222233334444 us-west-2)'
 */
export function clusterLabel(cluster: string): string {
  const arn = /^arn:[^:]+:ecs:([^:]+):(\d+):cluster\/(.+)$/.exec(cluster);
  return arn ? `${arn[3]} (${arn[2]} ${arn[1]})` : cluster;
}
