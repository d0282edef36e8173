/** The one place where tracer's named errors become HTTP status codes. */
import type { ApiErrorBody, ApiErrorCode } from '../core/api-types.js';
import { AmbiguousClusterError } from '../core/cluster-id.js';
import {
  AccessDeniedError,
  ClusterNotFoundError,
  InvalidInputError,
  InvalidTaskEventError,
  TaskNotFoundError,
  ThrottledError,
} from '../core/errors.js';
import { RouteError } from '../core/request/api-request.js';

/**
 * What a caller waits before it retries an answer that says to, when the error names no better figure.
 * Whole seconds, as the Retry-After header takes them.
 */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** The request could not be answered before API Gateway's integration timeout (or the function's own). */
export class OutOfTimeError extends Error {
  override readonly name = 'OutOfTimeError';
  constructor(readonly limitMs: number) {
    super(`no answer within ${Math.round(limitMs / 1000)} s`);
  }
}

export { RouteError };

export interface HttpError {
  readonly statusCode: number;
  readonly body: ApiErrorBody;
  /** Headers the answer carries, such as `Retry-After` on a 503. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpErrorContext {
  /** Quoted in a 500 so that an operator can find the request's log line. */
  readonly requestId: string;
  /** How long tracer keeps tasks, quoted in a 404. */
  readonly retentionDays?: number;
}

function answer(
  statusCode: number,
  code: ApiErrorCode,
  message: string,
  headers?: Record<string, string>,
): HttpError {
  return headers
    ? { statusCode, body: { error: { code, message } }, headers }
    : { statusCode, body: { error: { code, message } } };
}

/** A 503 with `Retry-After` in whole seconds (at least one): the request was fine, tracer was not ready. */
function unavailable(code: ApiErrorCode, message: string, retryAfterSeconds: number | undefined): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
  return answer(503, code, message, { 'Retry-After': String(seconds) });
}

function keptFor(retentionDays: number | undefined): string {
  return retentionDays === undefined ? '' : ` (tracer keeps tasks for ${retentionDays} days)`;
}

/**
 * Maps an error to its HTTP answer: bad input 400, unknown route, task or cluster 404 (saying how long
 * tracer keeps tasks), a method other than GET 405, a cluster name that several recorded clusters carry
 * 409 `AmbiguousCluster` (listing their ARNs in `clusterArns`), access denied 403, AWS throttling that outlasted the
 * retries 503 `Throttled` and no answer in time 503 `Unavailable` (both with Retry-After: the caller did
 * nothing wrong and may retry), and anything else 500 with only the request id, never the internals.
 * @example toHttpError(new InvalidInputError('limit: must be 1 to 100'), { requestId: 'r1' }).statusCode === 400
 */
export function toHttpError(error: unknown, context: HttpErrorContext): HttpError {
  if (error instanceof RouteError) {
    return answer(error.statusCode, error.statusCode === 404 ? 'NotFound' : 'InvalidInput', error.message);
  }
  if (error instanceof InvalidInputError || error instanceof InvalidTaskEventError) {
    return answer(400, 'InvalidInput', error.message);
  }
  if (error instanceof TaskNotFoundError) {
    const retentionDays = error.retentionDays ?? context.retentionDays;
    return answer(
      404,
      'NotFound',
      `task ${error.taskId} not found in cluster ${error.cluster}${keptFor(retentionDays)}`,
    );
  }
  if (error instanceof ClusterNotFoundError) {
    return answer(404, 'NotFound', `${error.message}${keptFor(context.retentionDays)}`);
  }
  if (error instanceof AmbiguousClusterError) {
    return {
      statusCode: 409,
      body: { error: { code: 'AmbiguousCluster', message: error.message, clusterArns: [...error.arns] } },
    };
  }
  if (error instanceof AccessDeniedError) return answer(403, 'AccessDenied', error.message);
  if (error instanceof ThrottledError)
    return unavailable('Throttled', error.message, error.retryAfterSeconds);
  if (error instanceof OutOfTimeError) {
    return unavailable(
      'Unavailable',
      `tracer could not answer within the API's time limit of ${Math.round(error.limitMs / 1000)} s (request id ${context.requestId}); try again, or ask for less (a shorter duration, fewer tasks)`,
      undefined,
    );
  }
  return answer(500, 'InternalError', `internal error (request id ${context.requestId})`);
}
