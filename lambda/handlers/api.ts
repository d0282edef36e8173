/**
 * The trace API Lambda behind API Gateway (REST, proxy integration), and the local server's request
 * handler: routing plus one use-case call. The route table and every parameter's grammar live in
 * core/request (shared with the CDK construct, the CLI, the MCP tools and local mode); cursors go out
 * sealed with the stack's cursor key and come back checked; errors are mapped in one place
 * (http-errors.ts).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { EcsLiveTaskSource } from '../adapters/ecs/ecs-live-task-source.js';
import { SecretsManagerCursorKey } from '../adapters/secrets-manager/cursor-key.js';
import { EnvName, logLevelEnv, requireEnv } from '../config/env.js';
import { createLogger, type Logger } from '../config/logger.js';
import { type ClusterId, clusterArn, type HomeScope, UNKNOWN_HOME } from '../core/cluster-id.js';
import { type RemainingTime, reserving } from '../core/deadline.js';
import { InvalidInputError } from '../core/errors.js';
import { parseApiRequest, type TraceParams } from '../core/request/api-request.js';
import { type CursorSeal, cursorScope, makeCursorSeal } from '../core/request/cursor-seal.js';
import {
  DEFAULT_LIST_LIMIT,
  MAX_DURATION_MS,
  MAX_LIST_LIMIT,
  MAX_LOG_CALLS_PER_REQUEST,
  MAX_TRACE_PAGE_LINES,
} from '../core/request/page-limits.js';
import { type BuildTraceDeps, buildTaskTrace } from '../use-cases/build-trace.js';
import { getTask, listClusters, listTasks, resolveRecordedCluster } from '../use-cases/query-tasks.js';
import { recordedChanges, taskChanges } from '../use-cases/task-changes.js';
import { SINCE_START, sinceCursorAfter, traceSince } from '../use-cases/trace-since.js';
import { OutOfTimeError, toHttpError } from './http-errors.js';
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
export const DEFAULT_TRACE_PAGE_LINES = MAX_TRACE_PAGE_LINES;
export { DEFAULT_LIST_LIMIT, MAX_DURATION_MS, MAX_LIST_LIMIT, MAX_LOG_CALLS_PER_REQUEST };
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
  /**
   * The stack's own account and region: a cluster name that no recorded cluster carries is this one's.
   * @default - account UNKNOWN_HOME_ACCOUNT in us-east-1
   */
  readonly home?: HomeScope;
  readonly logger: Logger;
  /** Seals the cursors the API hands out; asked once per request that pages, built once per cold start. */
  readonly cursorSeal: () => Promise<CursorSeal>;
  /** @default MAX_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
  /** At most MAX_TRACE_PAGE_LINES. @default MAX_TRACE_PAGE_LINES */
  readonly maxTraceLines?: number;
  /** At most MAX_LOG_CALLS_PER_REQUEST. @default MAX_LOG_CALLS_PER_REQUEST */
  readonly maxLogCalls?: number;
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

function requestIdOf(event: ApiRequestEvent, context?: ApiContext): string {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? randomUUID();
}

/**
 * Builds the API handler over injected dependencies: tests and the local server pass their own.
 * @example const handler = makeApiHandler(deps); await handler({ httpMethod: 'GET', path: '/clusters' })
 */
export function makeApiHandler(deps: ApiDeps): ApiHandler {
  const maxBytes = deps.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const maxTraceLines = Math.min(deps.maxTraceLines ?? MAX_TRACE_PAGE_LINES, MAX_TRACE_PAGE_LINES);
  const maxLogCalls = Math.min(deps.maxLogCalls ?? MAX_LOG_CALLS_PER_REQUEST, MAX_LOG_CALLS_PER_REQUEST);

  const answer = async (
    event: ApiRequestEvent,
    fields: Record<string, unknown>,
    timeLeft: RemainingTime,
  ): Promise<APIGatewayProxyResult> => {
    const request = parseApiRequest(
      {
        method: event.httpMethod,
        path: event.path,
        resource: event.resource ?? null,
        pathParameters: event.pathParameters ?? null,
        query: event.queryStringParameters ?? null,
        multiValueQuery: event.multiValueQueryStringParameters ?? null,
        headers: event.headers ?? null,
      },
      deps.clock.nowMs(),
    );
    fields.route = request.route;
    if (request.route === 'clusters') return jsonResponse(200, await listClusters(deps, request.filter));
    const cluster = await resolveRecordedCluster(
      deps,
      request.route === 'task' ? request.cluster : request.params.cluster,
      deps.home ?? UNKNOWN_HOME,
    );
    fields.clusterArn = clusterArn(cluster);
    switch (request.route) {
      case 'tasks': {
        const { cursor, cluster: _named, ...query } = request.params;
        const scope = cursorScope('tasks', clusterArn(cluster));
        const seal = await deps.cursorSeal();
        const page = await listTasks(deps, {
          ...query,
          cluster,
          ...(cursor !== undefined ? { cursor: seal.unseal(scope, cursor) } : {}),
        });
        return jsonResponse(
          200,
          page.nextCursor ? { ...page, nextCursor: seal.seal(scope, page.nextCursor) } : page,
        );
      }
      case 'task-changes': {
        // Since cursors are sealed too, for the cluster they were issued for: a poll cannot move over to
        // another account's cluster of the same name.
        const { since, cluster: _named, ...query } = request.params;
        fields.since = since === SINCE_START ? 'start' : 'cursor';
        const scope = cursorScope('task-changes', clusterArn(cluster));
        const seal = await deps.cursorSeal();
        const changes = await taskChanges(recordedChanges(deps), deps.clock, {
          ...query,
          cluster,
          since: unsealSince(seal, scope, since, 'for this cluster'),
        });
        return jsonResponse(
          200,
          changes.sinceCursor ? { ...changes, sinceCursor: seal.seal(scope, changes.sinceCursor) } : changes,
        );
      }
      case 'task':
        return jsonResponse(200, await getTask(deps, cluster, request.taskId));
      case 'trace':
        return traceAnswer(request.params, cluster, fields, timeLeft);
    }
  };

  const traceAnswer = async (
    trace: TraceParams,
    cluster: ClusterId,
    fields: Record<string, unknown>,
    timeLeft: RemainingTime,
  ): Promise<APIGatewayProxyResult> => {
    const seal = await deps.cursorSeal();
    if (trace.since !== undefined) {
      const sinceScope = cursorScope('trace-since', clusterArn(cluster), trace.taskId);
      const result = await traceSince(deps, {
        cluster,
        taskId: trace.taskId,
        durationMs: trace.durationMs,
        full: trace.full,
        maxLines: maxTraceLines,
        maxLogCalls,
        timeLeftMs: reserving(timeLeft, RESPONSE_RESERVE_MS),
        since: unsealSince(seal, sinceScope, trace.since, 'for this task'),
      });
      const shape = {
        timeZone: trace.timeZone,
        since: (sent: number) => seal.seal(sinceScope, sinceCursorAfter(result, sent)),
      };
      const answered =
        trace.format === 'json'
          ? jsonTraceAnswer(result.trace, shape, maxBytes)
          : textTraceAnswer(result.trace, shape, maxBytes);
      Object.assign(fields, {
        format: trace.format,
        since: trace.since === SINCE_START ? 'start' : 'cursor',
        source: result.trace.source,
        lines: answered.lines,
        logCalls: result.trace.logCalls,
      });
      return answered.response;
    }
    const scope = cursorScope('trace', clusterArn(cluster), trace.taskId);
    const cursor = trace.cursor === undefined ? undefined : seal.unseal(scope, trace.cursor);
    const result = await buildTaskTrace(deps, {
      cluster,
      taskId: trace.taskId,
      durationMs: trace.durationMs,
      full: trace.full,
      maxLines: Math.min(trace.limit ?? maxTraceLines, maxTraceLines),
      maxLogCalls,
      timeLeftMs: reserving(timeLeft, RESPONSE_RESERVE_MS),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    const page = withStopNotice(result);
    const shape = {
      timeZone: trace.timeZone,
      ...(cursor !== undefined ? { cursor } : {}),
      sealCursor: (inner: string) => seal.seal(scope, inner),
    };
    const answered =
      trace.format === 'json'
        ? jsonTraceAnswer(page, shape, maxBytes)
        : textTraceAnswer(page, shape, maxBytes);
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

/** The inner since cursor of a sealed one; `start` as it is. */
function unsealSince(seal: CursorSeal, scope: string, since: string, issuedFor: string): string {
  if (since === SINCE_START) return since;
  try {
    return seal.unseal(scope, since);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(
      `since: ${JSON.stringify(since.slice(0, 80))} is not a since cursor that tracer issued ${issuedFor}; pass the sinceCursor of the previous answer unchanged, or start`,
      { cause: error },
    );
  }
}

/**
 * The production dependencies, from the function's environment (table name, retention, log level), with
 * SDK clients built the standard way so AWS_REGION and AWS_ENDPOINT_URL_* apply.
 */
export function apiDepsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiDeps {
  const shared = sharedDepsFromEnv(env, 'api');
  // Read at cold start, so that a function deployed without the secret fails loudly; the value is fetched
  // on the first request that needs it, and kept.
  const cursorKey = new SecretsManagerCursorKey(requireEnv(EnvName.CURSOR_SECRET_ARN, env));
  return {
    ...recordedTraceDeps(shared),
    live: new EcsLiveTaskSource(shared.ecs, shared.accounts),
    cursorSeal: memoize(async () => makeCursorSeal(await cursorKey.read())),
    retentionDays: shared.retentionDays,
    home: shared.home,
    logger: createLogger({ service: 'api' }, { level: logLevelEnv(env) }),
  };
}

/** One value per cold start; a failed attempt (Secrets Manager unreachable) is retried by the next request. */
function memoize<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

let coldStartHandler: ApiHandler | undefined;

/** The Lambda entry point. Built on first invocation, so that importing this module reads no environment. */
export const handler = (event: APIGatewayProxyEvent, context?: ApiContext) => {
  coldStartHandler ??= makeApiHandler(apiDepsFromEnv());
  return coldStartHandler(event, context);
};
