/**
 * The API paths the task page reads, shared by the page and the servers that serve it: the HTML of a task
 * page preloads the first trace page, and the page's own request must be the very same URL to use it.
 */
import { routeOf } from './router.js';

/** Lines of the first page: a screen and more, small enough to arrive at once. */
export const FIRST_PAGE_LINES = 200;

/** The query string of the given values, in their order, leaving out empty ones. */
export function queryString(values: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The trace path with its query: what the page reads, and what the download links point at. */
export function tracePath(
  cluster: string,
  task: string,
  query: Readonly<Record<string, string | undefined>>,
): string {
  return `/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(task)}/trace${queryString(query)}`;
}

/** What the task page's address says about the trace to read: whole life, or windows of `duration`. */
export function traceQueryOf(search: URLSearchParams): { full?: string; duration?: string } {
  const duration = search.get('duration') ?? undefined;
  return {
    ...(search.get('full') === 'true' ? { full: 'true' } : {}),
    ...(duration ? { duration } : {}),
  };
}

/**
 * The first JSON trace page of a task page's address, or undefined for the other pages.
 * @example firstTracePagePath('/ui/clusters/default/tasks/9f65', '') === '/clusters/default/tasks/9f65/trace?limit=200&format=json'
 */
export function firstTracePagePath(pathname: string, search: string): string | undefined {
  const route = routeOf(pathname);
  if (route.page !== 'task') return undefined;
  const query = traceQueryOf(new URLSearchParams(search));
  return tracePath(route.cluster, route.task, { ...query, limit: String(FIRST_PAGE_LINES), format: 'json' });
}
