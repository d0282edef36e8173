/**
 * An API request, routed by the shared route table and with every parameter parsed by the one grammar
 * (params.ts): what the API handler and local mode hand to the use cases. Pure: the caller passes the
 * parts of the HTTP request and the time that `since: 2h` counts back from.
 */
import type { ClusterRef } from '../cluster-id.js';
import { InvalidInputError, TracerError } from '../errors.js';
import { DEFAULT_TIME_ZONE } from '../format.js';
import { DEFAULT_LOG_WINDOW_MS } from '../log-windows.js';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, MAX_TRACE_PAGE_LINES } from './page-limits.js';
import {
  checkTimeRange,
  decodePathSegment,
  parseBooleanParam,
  parseClusterFilter,
  parseClusterRef,
  parseCursorParam,
  parseDurationParam,
  parseInstantParam,
  parseLimit,
  parseStatus,
  parseTask,
  parseTimeZone,
  parseTraceFormat,
} from './params.js';
import { API_ROUTES, type ApiRoute, matchPath, resourceOf, routeOfResource } from './routes.js';

/** A request that matches no route (404) or uses a method the API does not answer (405). */
export class RouteError extends TracerError {
  constructor(
    readonly statusCode: 404 | 405,
    message: string,
  ) {
    super(message);
  }
}

/** The parts of an HTTP request the API reads (API Gateway's proxy event, or local mode's request). */
export interface HttpRequestParts {
  readonly method: string;
  readonly path: string;
  /** API Gateway's matched resource; without it the path is matched against the route table. */
  readonly resource?: string | null;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly query?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueQuery?: Readonly<Record<string, readonly string[] | undefined>> | null;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
}

/** The `account` and `region` filters of `/clusters`. */
export interface ClusterFilter {
  readonly account?: string;
  readonly region?: string;
}

export interface ListTasksParams {
  /** The cluster as named: still to be resolved among the recorded clusters. */
  readonly cluster: ClusterRef;
  readonly limit: number;
  readonly status?: string;
  readonly failedOnly?: boolean;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /** As received: still sealed. */
  readonly cursor?: string;
}

/** A listing asked for the task transitions after a since cursor (`tracer -f CLUSTER`). */
export interface TaskChangesParams {
  readonly cluster: ClusterRef;
  /** `start`, or the sinceCursor of the previous answer. */
  readonly since: string;
  readonly failedOnly?: boolean;
}

export interface TraceParams {
  readonly cluster: ClusterRef;
  readonly taskId: string;
  readonly durationMs: number;
  readonly full: boolean;
  /** As received: still sealed. */
  readonly cursor?: string;
  readonly timeZone: string;
  readonly format: 'json' | 'text';
  /** Lines of this page at most; a small first page lets a viewer draw before the rest arrives. */
  readonly limit?: number;
  /** `start`, or the sinceCursor of the previous answer: only what is new, never paged. */
  readonly since?: string;
}

export type ApiRequest =
  | { readonly route: 'clusters'; readonly filter: ClusterFilter }
  | { readonly route: 'tasks'; readonly params: ListTasksParams }
  | { readonly route: 'task-changes'; readonly params: TaskChangesParams }
  | { readonly route: 'task'; readonly cluster: ClusterRef; readonly taskId: string }
  | { readonly route: 'trace'; readonly params: TraceParams };

const ROUTE_LIST = API_ROUTES.map(resourceOf).join(', ');

function matchRoute(request: HttpRequestParts): {
  route: ApiRoute;
  pathParameters: Readonly<Record<string, string | undefined>>;
} {
  const byResource = request.resource ? routeOfResource(request.resource) : undefined;
  if (byResource && (byResource.name === 'clusters' || request.pathParameters)) {
    return { route: byResource, pathParameters: request.pathParameters ?? {} };
  }
  const matched = matchPath(request.path);
  if (!matched) {
    throw new RouteError(404, `no route for ${request.path.slice(0, 200)}; the API serves ${ROUTE_LIST}`);
  }
  return matched;
}

/** The query string as single values, refusing unknown and repeated parameters by name. */
function queryOf(request: HttpRequestParts, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (!allowed.includes(name)) {
      throw new InvalidInputError(
        allowed.length === 0
          ? `unknown query parameter "${name}": this route takes none`
          : `unknown query parameter "${name}"; this route takes ${allowed.join(', ')}`,
      );
    }
    const values = request.multiValueQuery?.[name];
    if (values && new Set(values).size > 1) throw new InvalidInputError(`${name}: given more than once`);
    // An empty value means the same as leaving the parameter out.
    if (value !== undefined && value !== '') params.set(name, value);
  }
  return params;
}

function header(request: HttpRequestParts, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** `format` wins; otherwise the Accept header's preferred type among JSON and text, text by default. */
function traceFormat(request: HttpRequestParts, format: string | undefined): 'json' | 'text' {
  if (format !== undefined) return parseTraceFormat(format);
  const accept = header(request, 'accept');
  if (!accept) return 'text';
  let best: { format: 'json' | 'text'; q: number } | undefined;
  for (const entry of accept.split(',')) {
    const [type = '', ...options] = entry.trim().toLowerCase().split(';');
    const qOption = options.map((o) => o.trim()).find((o) => o.startsWith('q='));
    const q = qOption ? Number(qOption.slice(2)) : 1;
    const candidate =
      type === 'application/json'
        ? 'json'
        : type === 'text/plain' || type === 'text/*' || type === '*/*'
          ? 'text'
          : undefined;
    if (candidate && Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { format: candidate, q };
  }
  return best?.format ?? 'text';
}

function optional<T>(value: string | undefined, parse: (text: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

/**
 * Routes a request and parses all of its parameters.
 * @throws RouteError (404, 405) or InvalidInputError naming the parameter.
 * @example parseApiRequest({ method: 'GET', path: '/clusters/prod/tasks', query: { limit: '10' } }, Date.now())
 */
export function parseApiRequest(request: HttpRequestParts, nowMs: number): ApiRequest {
  const { route, pathParameters } = matchRoute(request);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    throw new RouteError(405, `method ${request.method} is not allowed; the API only answers GET`);
  }
  const params = queryOf(request, route.query);
  const filter = { account: params.get('account'), region: params.get('region') };
  if (route.name === 'clusters') return { route: 'clusters', filter: parseClusterFilter(filter) };
  const cluster = parseClusterRef(decodePathSegment(pathParameters.cluster ?? '', 'cluster'), filter);
  if (route.name === 'tasks') {
    const since = params.get('since');
    if (since !== undefined && isSinceCursor(since)) {
      for (const name of ['until', 'limit', 'cursor', 'status']) {
        if (params.has(name)) {
          throw new InvalidInputError(
            `${name}: cannot be combined with a since cursor; a since answer holds the task transitions after it`,
          );
        }
      }
      const failed = optional(params.get('failed'), (t) => parseBooleanParam(t, 'failed'));
      return {
        route: 'task-changes',
        params: {
          cluster,
          since: parseCursorParam(since, 'since'),
          ...(failed ? { failedOnly: true } : {}),
        },
      };
    }
    const sinceMs = optional(params.get('since'), (t) => parseInstantParam(t, nowMs, 'since'));
    const untilMs = optional(params.get('until'), (t) => parseInstantParam(t, nowMs, 'until'));
    checkTimeRange(sinceMs, untilMs);
    const status = optional(params.get('status'), (t) => parseStatus(t));
    const failed = optional(params.get('failed'), (t) => parseBooleanParam(t, 'failed'));
    const cursor = optional(params.get('cursor'), (t) => parseCursorParam(t));
    const limit = optional(params.get('limit'), (t) => parseLimit(t, MAX_LIST_LIMIT));
    return {
      route: 'tasks',
      params: {
        cluster,
        limit: limit ?? DEFAULT_LIST_LIMIT,
        ...(status !== undefined ? { status } : {}),
        ...(failed ? { failedOnly: true } : {}),
        ...(sinceMs !== undefined ? { sinceMs } : {}),
        ...(untilMs !== undefined ? { untilMs } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      },
    };
  }
  const taskId = parseTask(decodePathSegment(pathParameters.taskId ?? '', 'taskId'), cluster, 'taskId');
  if (route.name === 'task') return { route: 'task', cluster, taskId };
  const cursor = optional(params.get('cursor'), (t) => parseCursorParam(t));
  const since = optional(params.get('since'), (t) => parseCursorParam(t, 'since'));
  if (since !== undefined && cursor !== undefined) {
    throw new InvalidInputError('since: cannot be combined with cursor; a since answer is never paged');
  }
  const limit = optional(params.get('limit'), (t) => parseLimit(t, MAX_TRACE_PAGE_LINES));
  return {
    route: 'trace',
    params: {
      cluster,
      taskId,
      durationMs: optional(params.get('duration'), (t) => parseDurationParam(t)) ?? DEFAULT_LOG_WINDOW_MS,
      full: optional(params.get('full'), (t) => parseBooleanParam(t, 'full')) ?? false,
      timeZone: optional(params.get('tz'), (t) => parseTimeZone(t)) ?? DEFAULT_TIME_ZONE,
      format: traceFormat(request, params.get('format')),
      ...(cursor !== undefined ? { cursor } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(limit !== undefined ? { limit } : {}),
    },
  };
}

/**
 * Whether a listing's `since` asks for changes (`start` or a since cursor: base64url JSON that starts with
 * `eyJ`, sealed or not) rather than being a time.
 * @example isSinceCursor('start') === true && isSinceCursor('2024-05-01T00:00:00Z') === false
 */
export function isSinceCursor(since: string): boolean {
  return since === 'start' || /^eyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)?$/.test(since);
}
