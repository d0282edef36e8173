/**
 * The routes of the trace API: one table that the API handler routes by and that the CDK construct
 * (lib/constructs/trace-api.ts) builds its API Gateway resources and request parameters from, so that the
 * two cannot drift apart. Pure data: `lib/` may import it.
 */

/** The name of a route, as the handler's request log and the use cases know it. */
export type RouteName = 'clusters' | 'tasks' | 'task' | 'trace';

export interface ApiRoute {
  readonly name: RouteName;
  /** The path segments; `{name}` is a path parameter. */
  readonly path: readonly string[];
  /** The query-string parameters the route takes; any other is a 400. */
  readonly query: readonly string[];
  /** Request headers the route reads. */
  readonly headers: readonly string[];
}

/**
 * Every route of the API; all are GET (HEAD is answered like GET). The cluster segment is a name or a
 * URL-encoded cluster ARN; `account` and `region` narrow a name that several accounts or regions carry.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  { name: 'clusters', path: ['clusters'], query: ['account', 'region'], headers: [] },
  {
    name: 'tasks',
    path: ['clusters', '{cluster}', 'tasks'],
    query: ['account', 'region', 'status', 'failed', 'since', 'until', 'limit', 'cursor'],
    headers: [],
  },
  {
    name: 'task',
    path: ['clusters', '{cluster}', 'tasks', '{taskId}'],
    query: ['account', 'region'],
    headers: [],
  },
  {
    name: 'trace',
    path: ['clusters', '{cluster}', 'tasks', '{taskId}', 'trace'],
    query: ['account', 'region', 'duration', 'full', 'cursor', 'tz', 'format', 'limit', 'since'],
    headers: ['Accept'],
  },
];

/**
 * API Gateway's `resource` of a route: `/clusters/{cluster}/tasks`.
 * @example resourceOf(API_ROUTES[0]) === '/clusters'
 */
export function resourceOf(route: ApiRoute): string {
  return `/${route.path.join('/')}`;
}

/** A path matched against the table: the route and its raw (still URL-encoded) path parameters. */
export interface MatchedRoute {
  readonly route: ApiRoute;
  readonly pathParameters: Readonly<Record<string, string>>;
}

/**
 * The route whose shape a path has, with its path parameters as they appear in the path (undecoded).
 * @example matchPath('/clusters/prod/tasks')?.route.name === 'tasks'
 */
export function matchPath(path: string): MatchedRoute | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  for (const route of API_ROUTES) {
    if (route.path.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    let matches = true;
    for (let i = 0; i < route.path.length && matches; i++) {
      const pattern = route.path[i] as string;
      const segment = segments[i] as string;
      if (pattern.startsWith('{')) pathParameters[pattern.slice(1, -1)] = segment;
      else matches = pattern === segment;
    }
    if (matches) return { route, pathParameters };
  }
  return undefined;
}

/**
 * The route of an API Gateway `resource`, or undefined when the table has none.
 * @example routeOfResource('/clusters/{cluster}/tasks/{taskId}')?.name === 'task'
 */
export function routeOfResource(resource: string): ApiRoute | undefined {
  return API_ROUTES.find((route) => resourceOf(route) === resource);
}
