/**
 * The trace API Lambda behind API Gateway (REST, proxy integration), and the local server's request
 * handler. It parses and validates the request, calls one use case and shapes the answer; errors are mapped
 * in one place (http-errors.ts).
 *
 * Routes (all GET):
 * - /clusters
 * - /clusters/{cluster}/tasks?status=&failed=true&since=&until=&limit=&cursor=
 * - /clusters/{cluster}/tasks/{taskId}
 * - /clusters/{cluster}/tasks/{taskId}/trace?duration=&full=true&cursor=&tz=&format=&limit=&since=
 *
 * `since` on the listing is an ISO 8601 time, or `start` or a since cursor for the task transitions after it.
 * `since` on the trace is `start` or the `sinceCursor` of the previous answer: only the lines after it, and
 * the cursor to poll on with (`tracer -f`).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { EcsLiveTaskSource } from '../adapters/ecs/ecs-live-task-source.js';
import { logLevelEnv } from '../config/env.js';
import { createLogger, type Logger } from '../config/logger.js';
import { normalizeCluster, normalizeTaskId } from '../core/arn.js';
import { type RemainingTime, reserving } from '../core/deadline.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { InvalidInputError } from '../core/errors.js';
import { assertTimeZone, DEFAULT_TIME_ZONE } from '../core/format.js';
import { DEFAULT_LOG_WINDOW_MS } from '../core/log-windows.js';
import { TASK_STATUSES } from '../core/model.js';
import { decodeTraceCursor } from '../core/trace-page.js';
import { type BuildTraceDeps, buildTaskTrace } from '../use-cases/build-trace.js';
import type { ListTasksQuery } from '../use-cases/ports.js';
import { getTask, listClusters, listTasks } from '../use-cases/query-tasks.js';
import { isSinceCursor, recordedChanges, taskChanges } from '../use-cases/task-changes.js';
import { SINCE_START, sinceCursorAfter, traceSince } from '../use-cases/trace-since.js';
import { OutOfTimeError, RouteError, toHttpError } from './http-errors.js';
import { sharedDepsFromEnv } from './shared-deps.js';
import { API_GATEWAY_TIMEOUT_MS, apiTimeLeft, settleWithin } from './time-limit.js';
import {
  jsonResponse,
  jsonTraceAnswer,
  NEXT_CURSOR_HEADER,
  STOPPED_EARLY_NOTICE,
  textTraceAnswer,
  withStopNotice,
} from './trace-answer.js';
import { recordedTraceDeps } from './trace-deps.js';

/** Lambda's response limit is 6 MB for the whole serialised response; this leaves room for the envelope. */
export const MAX_RESPONSE_BYTES = 5_500_000;
/** Lines read for one trace page before the byte budget cuts it further. */
export const DEFAULT_TRACE_PAGE_LINES = 25_000;
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 100;
/** The widest log window padding a caller may ask for; `full=true` reads a whole life instead. */
export const MAX_DURATION_MS = 24 * 3_600_000;
/** Kept back from a trace's reads for merging, formatting and sending the page. */
export const RESPONSE_RESERVE_MS = 3_000;
/**
 * The last moment to answer: with this little time left, a request still waiting on AWS gets a 503 that
 * says to retry, rather than API Gateway's 504 or a Lambda timeout.
 */
export const ANSWER_MARGIN_MS = 1_000;

export { NEXT_CURSOR_HEADER, STOPPED_EARLY_NOTICE };

export interface ApiDeps extends BuildTraceDeps {
  /** How long tracer keeps tasks, quoted when a task is not found. */
  readonly retentionDays: number;
  readonly logger: Logger;
  /** @default MAX_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
  /** @default DEFAULT_TRACE_PAGE_LINES */
  readonly maxTraceLines?: number;
}

/**
 * What the handler reads of an API Gateway proxy event. The local server passes synthetic events with only
 * the method, path, query string and headers; API Gateway also sends `resource` and `pathParameters`.
 */
export type ApiRequestEvent = Pick<APIGatewayProxyEvent, 'httpMethod' | 'path'> &
  Partial<
    Pick<
      APIGatewayProxyEvent,
      | 'resource'
      | 'pathParameters'
      | 'queryStringParameters'
      | 'multiValueQueryStringParameters'
      | 'headers'
      | 'requestContext'
    >
  >;

/** What the handler reads of Lambda's context; the local server passes none. */
export interface ApiContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export type ApiHandler = (event: ApiRequestEvent, context?: ApiContext) => Promise<APIGatewayProxyResult>;

type Route =
  | { readonly name: 'clusters' }
  | { readonly name: 'tasks'; readonly cluster: string }
  | { readonly name: 'task'; readonly cluster: string; readonly taskId: string }
  | { readonly name: 'trace'; readonly cluster: string; readonly taskId: string };

const RESOURCES: Readonly<Record<string, Route['name']>> = {
  '/clusters': 'clusters',
  '/clusters/{cluster}/tasks': 'tasks',
  '/clusters/{cluster}/tasks/{taskId}': 'task',
  '/clusters/{cluster}/tasks/{taskId}/trace': 'trace',
};

const QUERY_PARAMETERS: Readonly<Record<Route['name'], readonly string[]>> = {
  clusters: [],
  tasks: ['status', 'failed', 'since', 'until', 'limit', 'cursor'],
  task: [],
  trace: ['duration', 'full', 'cursor', 'tz', 'format', 'limit', 'since'],
};

function decodeSegment(segment: string, name: string): string {
  // Names, ids and ARNs never contain '%', so decoding an already decoded value changes nothing.
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new InvalidInputError(`${name}: "${segment}" is not valid URL encoding`, { cause });
  }
}

function pathRoute(name: Route['name'], cluster?: string, taskId?: string): Route {
  if (name === 'clusters') return { name };
  const clusterName = normalizeCluster(decodeSegment(cluster ?? '', 'cluster'));
  if (name === 'tasks') return { name, cluster: clusterName };
  return { name, cluster: clusterName, taskId: normalizeTaskId(decodeSegment(taskId ?? '', 'taskId')) };
}

/** The route of a path without API Gateway's `resource`: `/clusters[/{cluster}/tasks[/{taskId}[/trace]]]`. */
function shapeOfPath(segments: readonly string[]): Route['name'] | undefined {
  const [first, , tasks, , trace] = segments;
  if (first !== 'clusters') return undefined;
  if (segments.length === 1) return 'clusters';
  if (tasks !== 'tasks') return undefined;
  if (segments.length === 3) return 'tasks';
  if (segments.length === 4) return 'task';
  return segments.length === 5 && trace === 'trace' ? 'trace' : undefined;
}

function routeOf(event: ApiRequestEvent): Route {
  const byResource = event.resource ? RESOURCES[event.resource] : undefined;
  const fromResource =
    byResource !== undefined && (byResource === 'clusters' || event.pathParameters != null);
  const segments = fromResource ? [] : event.path.split('/').filter((s) => s !== '');
  const name = fromResource ? byResource : shapeOfPath(segments);
  if (!name) {
    throw new RouteError(
      404,
      `no route for ${event.path.slice(0, 200)}; the API serves /clusters, /clusters/{cluster}/tasks, /clusters/{cluster}/tasks/{taskId} and /clusters/{cluster}/tasks/{taskId}/trace`,
    );
  }
  if (event.httpMethod !== 'GET' && event.httpMethod !== 'HEAD') {
    throw new RouteError(405, `method ${event.httpMethod} is not allowed; the API only answers GET`);
  }
  return fromResource
    ? pathRoute(name, event.pathParameters?.cluster, event.pathParameters?.taskId)
    : pathRoute(name, segments[1], segments[3]);
}

/** The query string as single values, rejecting unknown and repeated parameters by name. */
function queryOf(event: ApiRequestEvent, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (!allowed.includes(name)) {
      throw new InvalidInputError(
        allowed.length === 0
          ? `unknown query parameter "${name}": this route takes none`
          : `unknown query parameter "${name}"; this route takes ${allowed.join(', ')}`,
      );
    }
    const values = event.multiValueQueryStringParameters?.[name];
    if (values && new Set(values).size > 1) throw new InvalidInputError(`${name}: given more than once`);
    // An empty value means the same as leaving the parameter out.
    if (value !== undefined && value !== '') params.set(name, value);
  }
  return params;
}

function parseBoolean(params: Map<string, string>, name: string): boolean {
  const value = params.get(name);
  if (value === undefined) return false;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidInputError(`${name}: expected true or false, got "${value}"`);
}

/** An ISO 8601 time or date, as `since` and `until` of the listing take. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseTime(params: Map<string, string>, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidInputError(
      `${name}: expected an ISO 8601 time such as 2024-05-01T12:00:00Z${name === 'since' ? ', or start or a sinceCursor' : ''}, got "${value}"`,
    );
  }
  return ms;
}

function parseLimit(
  params: Map<string, string>,
  fallback = DEFAULT_LIST_LIMIT,
  max = MAX_LIST_LIMIT,
): number {
  const value = params.get('limit');
  if (value === undefined) return fallback;
  const limit = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new InvalidInputError(`limit: expected an integer from 1 to ${max}, got "${value}"`);
  }
  return limit;
}

function parseCursor(params: Map<string, string>): string | undefined {
  const value = params.get('cursor');
  if (value !== undefined && value.length > 2048) {
    throw new InvalidInputError('cursor: longer than any cursor tracer issues');
  }
  return value;
}

function listQuery(cluster: string, params: Map<string, string>): ListTasksQuery {
  const rawStatus = params.get('status');
  const status = rawStatus?.toUpperCase();
  if (status !== undefined && !(TASK_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidInputError(`status: expected one of ${TASK_STATUSES.join(', ')}, got "${rawStatus}"`);
  }
  const sinceMs = parseTime(params, 'since');
  const untilMs = parseTime(params, 'until');
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw new InvalidInputError('since: must not be after until');
  }
  const cursor = parseCursor(params);
  return {
    clusterName: cluster,
    limit: parseLimit(params),
    ...(status !== undefined ? { status } : {}),
    ...(parseBoolean(params, 'failed') ? { failedOnly: true } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  };
}

function header(event: ApiRequestEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** `format` wins; otherwise the Accept header's preferred type among JSON and text, text by default. */
function traceFormat(event: ApiRequestEvent, params: Map<string, string>): 'json' | 'text' {
  const format = params.get('format');
  if (format !== undefined) {
    if (format === 'json' || format === 'text') return format;
    throw new InvalidInputError(`format: expected json or text, got "${format}"`);
  }
  const accept = header(event, 'accept');
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

interface TraceParams {
  /** Lines of this page at most; a small first page lets a viewer draw before the rest arrives. */
  readonly limit?: number;
  readonly durationMs: number;
  readonly full: boolean;
  readonly cursor?: string;
  readonly timeZone: string;
  readonly format: 'json' | 'text';
  readonly since?: string;
}

function traceParams(
  event: ApiRequestEvent,
  params: Map<string, string>,
  maxTraceLines: number,
): TraceParams {
  const rawDuration = params.get('duration');
  let durationMs = DEFAULT_LOG_WINDOW_MS;
  if (rawDuration !== undefined) {
    try {
      durationMs = parseDuration(rawDuration);
    } catch (error) {
      throw new InvalidInputError(`duration: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    if (durationMs > MAX_DURATION_MS) {
      throw new InvalidInputError(
        `duration: at most ${formatDuration(MAX_DURATION_MS)}, got "${rawDuration}"; use full=true to read the whole life of the task`,
      );
    }
  }
  const timeZone = params.get('tz') ?? DEFAULT_TIME_ZONE;
  try {
    assertTimeZone(timeZone);
  } catch (error) {
    throw new InvalidInputError(`tz: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const cursor = parseCursor(params);
  if (cursor !== undefined) {
    try {
      decodeTraceCursor(cursor);
    } catch (error) {
      throw new InvalidInputError(`cursor: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  const since = params.get('since');
  if (since !== undefined && cursor !== undefined) {
    throw new InvalidInputError('since: cannot be combined with cursor; a since answer is never paged');
  }
  return {
    ...(params.has('limit') ? { limit: parseLimit(params, maxTraceLines, maxTraceLines) } : {}),
    durationMs,
    full: parseBoolean(params, 'full'),
    timeZone,
    format: traceFormat(event, params),
    ...(cursor !== undefined ? { cursor } : {}),
    ...(since !== undefined ? { since } : {}),
  };
}

function requestIdOf(event: ApiRequestEvent, context?: ApiContext): string {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? randomUUID();
}

/**
 * Builds the API handler over injected dependencies: tests and the local server pass their own.
 * @example const handler = makeApiHandler(deps); await handler({ httpMethod: 'GET', path: '/clusters' })
 */
export function makeApiHandler(deps: ApiDeps): ApiHandler {
  const maxBytes = deps.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const maxTraceLines = deps.maxTraceLines ?? DEFAULT_TRACE_PAGE_LINES;

  const answer = async (
    event: ApiRequestEvent,
    fields: Record<string, unknown>,
    timeLeft: RemainingTime,
  ): Promise<APIGatewayProxyResult> => {
    const route = routeOf(event);
    fields.route = route.name;
    const params = queryOf(event, QUERY_PARAMETERS[route.name]);
    switch (route.name) {
      case 'clusters':
        return jsonResponse(200, await listClusters(deps));
      case 'tasks': {
        const since = params.get('since');
        if (since !== undefined && isSinceCursor(since)) {
          for (const name of ['until', 'limit', 'cursor', 'status']) {
            if (params.has(name)) {
              throw new InvalidInputError(
                `${name}: cannot be combined with a since cursor; a since answer holds the task transitions after it`,
              );
            }
          }
          const changes = await taskChanges(recordedChanges(deps), deps.clock, {
            clusterName: route.cluster,
            since,
            failedOnly: parseBoolean(params, 'failed'),
          });
          fields.since = since === SINCE_START ? 'start' : 'cursor';
          return jsonResponse(200, changes);
        }
        return jsonResponse(200, await listTasks(deps, listQuery(route.cluster, params)));
      }
      case 'task':
        return jsonResponse(200, await getTask(deps, route.cluster, route.taskId));
      case 'trace': {
        const trace = traceParams(event, params, maxTraceLines);
        if (trace.since !== undefined) {
          const result = await traceSince(deps, {
            clusterName: route.cluster,
            taskId: route.taskId,
            durationMs: trace.durationMs,
            full: trace.full,
            maxLines: maxTraceLines,
            timeLeftMs: reserving(timeLeft, RESPONSE_RESERVE_MS),
            since: trace.since,
          });
          const params = {
            timeZone: trace.timeZone,
            since: (sent: number) => sinceCursorAfter(result, sent),
          };
          const answered =
            trace.format === 'json'
              ? jsonTraceAnswer(result.trace, params, maxBytes)
              : textTraceAnswer(result.trace, params, maxBytes);
          Object.assign(fields, {
            format: trace.format,
            since: trace.since === SINCE_START ? 'start' : 'cursor',
            source: result.trace.source,
            lines: answered.lines,
            logCalls: result.trace.logCalls,
          });
          return answered.response;
        }
        const result = await buildTaskTrace(deps, {
          clusterName: route.cluster,
          taskId: route.taskId,
          durationMs: trace.durationMs,
          full: trace.full,
          maxLines: trace.limit ?? maxTraceLines,
          timeLeftMs: reserving(timeLeft, RESPONSE_RESERVE_MS),
          ...(trace.cursor !== undefined ? { cursor: trace.cursor } : {}),
        });
        const page = withStopNotice(result);
        const pageParams = {
          timeZone: trace.timeZone,
          ...(trace.cursor !== undefined ? { cursor: trace.cursor } : {}),
        };
        const answered =
          trace.format === 'json'
            ? jsonTraceAnswer(page, pageParams, maxBytes)
            : textTraceAnswer(page, pageParams, maxBytes);
        Object.assign(fields, {
          format: trace.format,
          full: trace.full,
          source: result.source,
          lines: answered.lines,
          logCalls: result.logCalls,
          paged: answered.nextCursor !== undefined,
          ...(result.stoppedAtMs !== undefined ? { stoppedEarly: true } : {}),
        });
        return answered.response;
      }
    }
  };

  return async (event, context) => {
    const startedAt = performance.now();
    const requestId = requestIdOf(event, context);
    const fields: Record<string, unknown> = { requestId, method: event.httpMethod, path: event.path };
    const timeLeft = apiTimeLeft(
      event.requestContext?.requestTimeEpoch,
      context?.getRemainingTimeInMillis?.bind(context),
      deps.clock,
    );
    let response: APIGatewayProxyResult;
    try {
      const settled = await settleWithin(answer(event, fields, timeLeft), timeLeft, ANSWER_MARGIN_MS);
      if (!settled.done) throw new OutOfTimeError(API_GATEWAY_TIMEOUT_MS);
      response = settled.value;
    } catch (error) {
      const mapped = toHttpError(error, { requestId, retentionDays: deps.retentionDays });
      response = jsonResponse(mapped.statusCode, mapped.body, mapped.headers);
      fields.errorCode = mapped.body.error.code;
      if (mapped.statusCode >= 500) fields.error = error;
      else fields.errorMessage = mapped.body.error.message;
    }
    fields.statusCode = response.statusCode;
    fields.durationMs = Math.round(performance.now() - startedAt);
    if (response.statusCode >= 500) deps.logger.error('request failed', fields);
    else deps.logger.info('request', fields);
    if (event.httpMethod === 'HEAD') response = { ...response, body: '' };
    return response;
  };
}

/**
 * The production dependencies, from the function's environment (table name, retention, log level), with
 * SDK clients built the standard way so AWS_REGION and AWS_ENDPOINT_URL_* apply.
 */
export function apiDepsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiDeps {
  const shared = sharedDepsFromEnv(env);
  return {
    ...recordedTraceDeps(shared),
    live: new EcsLiveTaskSource(shared.ecs),
    retentionDays: shared.retentionDays,
    logger: createLogger({ service: 'api' }, { level: logLevelEnv(env) }),
  };
}

let coldStartHandler: ApiHandler | undefined;

/** The Lambda entry point. Built on first invocation, so that importing this module reads no environment. */
export const handler = (event: APIGatewayProxyEvent, context?: ApiContext) => {
  coldStartHandler ??= makeApiHandler(apiDepsFromEnv());
  return coldStartHandler(event, context);
};
