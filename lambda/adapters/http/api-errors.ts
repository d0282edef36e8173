/**
 * What can go wrong between the API client and the trace API. Kept free of SDK imports so that the CLI's
 * error mapping can recognise these errors without loading the client.
 */
import { TracerError } from '../../core/errors.js';

/** The API answered with a non-2xx status. `code` is tracer's error code or API Gateway's error type. */
export class ApiResponseError extends TracerError {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The message of the answer, one line, as the API sent it. */
    readonly apiMessage: string,
    readonly details: {
      readonly url: string;
      /** How many times the request was sent before this answer was taken as final. */
      readonly attempts?: number;
      /** API Gateway's `x-amzn-ErrorType`, present when the gateway (not tracer) refused the request. */
      readonly gatewayErrorType?: string;
      readonly requestId?: string;
    },
  ) {
    super(`${details.url} answered ${status} ${code}: ${apiMessage}`);
  }
}

/** Why the endpoint could not be reached at all. */
export type UnreachableReason =
  | 'connection-refused'
  | 'host-not-found'
  | 'timeout'
  | 'connection-reset'
  | 'tls'
  | 'other';

/** No HTTP answer came back: the server is down, the name does not resolve, or the request timed out. */
export class ApiUnreachableError extends TracerError {
  constructor(
    readonly url: string,
    readonly reason: UnreachableReason,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach ${url}: ${detail}`, options);
  }
}

/** The endpoint answered, but not the way tracer's API does (wrong URL, a proxy's error page, ...). */
export class ApiProtocolError extends TracerError {
  constructor(
    readonly url: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${url} did not answer like the tracer API: ${detail}`, options);
  }
}

/** The AWS credential chain found no usable credentials to sign requests with. */
export class CredentialsUnavailableError extends TracerError {
  constructor(
    /** The profile that was asked for, if any. */
    readonly profile: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`no AWS credentials to sign requests with${profile ? ` (profile ${profile})` : ''}`, options);
  }
}

/** No region to sign with: the endpoint's host does not name one and none is configured. */
export class RegionUnavailableError extends TracerError {}
