/** The one place where tracer's named errors become HTTP status codes. */
import type { ApiErrorBody, ApiErrorCode } from '../core/api-types.js';
import {
  AccessDeniedError,
  ClusterNotFoundError,
  InvalidInputError,
  InvalidTaskEventError,
  TaskNotFoundError,
  ThrottledError,
} from '../core/errors.js';

/** A request that matches no route (404) or uses a method the API does not answer (405). */
export class RouteError extends Error {
  override readonly name = 'RouteError';
  constructor(
    readonly statusCode: 404 | 405,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpError {
  readonly statusCode: number;
  readonly body: ApiErrorBody;
}

export interface HttpErrorContext {
  /** Quoted in a 500 so that an operator can find the request's log line. */
  readonly requestId: string;
  /** How long tracer keeps tasks, quoted in a 404. */
  readonly retentionDays?: number;
}

function answer(statusCode: number, code: ApiErrorCode, message: string): HttpError {
  return { statusCode, body: { error: { code, message } } };
}

function keptFor(retentionDays: number | undefined): string {
  return retentionDays === undefined ? '' : ` (tracer keeps tasks for ${retentionDays} days)`;
}

/**
 * Maps an error to its HTTP answer: bad input 400, unknown route, task or cluster 404 (saying how long
 * tracer keeps tasks), a method other than GET 405, access denied 403, throttling 429, and anything else
 * 500 with only the request id, never the internals.
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
  if (error instanceof AccessDeniedError) return answer(403, 'AccessDenied', error.message);
  if (error instanceof ThrottledError) return answer(429, 'Throttled', error.message);
  return answer(500, 'InternalError', `internal error (request id ${context.requestId})`);
}
