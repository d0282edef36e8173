/**
 * The one place where failures become what a person reads: a single line that says what went wrong and
 * how to fix it, and the exit code. The CLI prints it; the MCP server returns it as a tool error. Nothing
 * here loads the AWS SDK: SDK errors are recognised by name.
 */

import { StackOutputError } from '../adapters/cloudformation/stack-outputs-error.js';
import {
  ApiProtocolError,
  ApiResponseError,
  ApiUnreachableError,
  CredentialsUnavailableError,
  RegionUnavailableError,
} from '../adapters/http/api-errors.js';
import { isLoopbackHttp } from '../adapters/http/loopback.js';
import { UnsafeEndpointError } from '../adapters/http/signing-policy.js';
import { AmbiguousClusterError } from '../core/cluster-id.js';
import {
  AccessDeniedError,
  ClusterNotFoundError,
  InvalidInputError,
  TaskNotFoundError,
  ThrottledError,
  TracerError,
} from '../core/errors.js';
import { UsageError } from './args.js';

/** No source was chosen: no `--endpoint`, `TRACER_ENDPOINT`, `--stack` or `--live`. */
export class NoSourceError extends TracerError {
  constructor() {
    super('no endpoint: pass --endpoint, set TRACER_ENDPOINT, or use --stack NAME or --live');
  }
}

/** Publishing a trace to SNS failed; the trace itself was read. */
export class SnsPublishError extends TracerError {
  constructor(
    readonly topicArn: string,
    options: { cause: unknown },
  ) {
    super(`publishing to ${topicArn} failed`, options);
  }
}

/** What to print and how to exit. */
export interface Failure {
  /** 1 for an error, 2 for a usage error. */
  readonly exitCode: 1 | 2;
  /** One line, no trailing newline. */
  readonly message: string;
  /** Print the usage line after the message. */
  readonly showUsage: boolean;
  /** Lines printed after the message, one a line: the ARNs an ambiguous cluster name could mean. */
  readonly details?: readonly string[];
}

const CREDENTIAL_ERRORS = new Set([
  'ExpiredTokenException',
  'ExpiredToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'SignatureDoesNotMatch',
]);
const ACCESS_ERRORS = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
const THROTTLE_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

const NO_CREDENTIALS = 'no credentials found; set AWS_PROFILE or run aws sso login';
const EXPIRED_CREDENTIALS = 'AWS credentials have expired; run aws sso login (or refresh them) and retry';

function nameOf(error: unknown): string {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? name : '';
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

function oneLine(text: string, maxChars = 400): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

/** Whether the unreachable endpoint is the local mode, which `npm start` serves. */
function isLocalMode(url: string): boolean {
  try {
    return isLoopbackHttp(new URL(url));
  } catch {
    return false;
  }
}

function describeCredentialFailure(error: unknown, profile?: string): string {
  const detail = messageOf((error as { cause?: unknown }).cause ?? error);
  if (/expired|refresh/i.test(detail)) return EXPIRED_CREDENTIALS;
  if (profile) {
    return `no credentials found for profile ${profile}; check --profile and ~/.aws/config, or run aws sso login --profile ${profile}`;
  }
  return NO_CREDENTIALS;
}

function describeUnreachable(error: ApiUnreachableError): string {
  const where = `cannot reach ${error.url}: ${error.detail}`;
  switch (error.reason) {
    case 'connection-refused':
      return isLocalMode(error.url)
        ? `${where}; is \`npm start\` running?`
        : `${where}; check --endpoint and that the API is deployed`;
    case 'host-not-found':
      return `${where}; check --endpoint (the stack's ApiUrl output) and your network`;
    case 'timeout':
      return `${where}; check your network, or retry with a shorter --duration`;
    case 'tls':
      return `${where}; check --endpoint and any proxy between you and the API`;
    default:
      return `${where}; retry, or check --endpoint`;
  }
}

function describeApiAnswer(error: ApiResponseError): string {
  const { status, code, apiMessage } = error;
  const gateway = error.details.gatewayErrorType;
  const attempts = error.details.attempts ?? 1;
  const tried = attempts > 1 ? `, ${attempts} attempts` : '';
  switch (status) {
    case 400:
      return `the API rejected the request: ${apiMessage}`;
    case 403:
      if (code === 'AccessDenied' && !gateway) return `access denied: ${apiMessage}`;
      if (gateway === 'MissingAuthenticationTokenException') {
        return "the API refused an unsigned request or an unknown path; check that --endpoint is the stack's ApiUrl, stage included";
      }
      if (gateway === 'InvalidSignatureException' || gateway === 'IncompleteSignatureException') {
        return "the API rejected the request's signature; check the system clock and that --region is the API's region";
      }
      if (
        gateway === 'UnrecognizedClientException' ||
        gateway === 'ExpiredTokenException' ||
        /expired|security token/i.test(apiMessage)
      ) {
        return /expired/i.test(apiMessage)
          ? EXPIRED_CREDENTIALS
          : 'the API does not recognise these credentials; check --profile or AWS_PROFILE, or run aws sso login';
      }
      return 'access denied by the API: the caller needs execute-api:Invoke';
    case 404:
      if (code === 'NotFound') return apiMessage;
      return `${error.details.url} has no such route (HTTP 404); check that --endpoint is the stack's ApiUrl`;
    case 413:
      return `${apiMessage}; narrow the trace with a shorter --duration`;
    case 429:
      return `the API is throttling requests (HTTP 429${tried}); wait a moment and retry`;
    case 500:
      return `the API failed with an internal error${error.details.requestId ? ` (request id ${error.details.requestId})` : ''}; retry, or read the API's logs`;
    case 502:
    case 503:
      // 503 Throttled: the table's throughput, not the gateway's rate limit, ran out.
      if (code === 'Throttled')
        return `the API is throttled (HTTP 503${tried}): ${apiMessage}; wait a moment and retry`;
      return `the API is unavailable (HTTP ${status}${tried}); retry in a moment`;
    case 504:
      return `the API timed out (HTTP 504${tried}); retry, or use a shorter --duration`;
    default:
      return `the API answered HTTP ${status} ${code}: ${apiMessage}`;
  }
}

function describeStackFailure(error: StackOutputError): string {
  return error.reason === 'stack-not-found'
    ? `stack ${error.stackName} not found; check --stack, and --region (stacks are regional)`
    : `stack ${error.stackName} has no ApiUrl output; is it a tracer stack? pass --endpoint instead`;
}

function describeSnsFailure(error: SnsPublishError): string {
  let cause = (error as { cause?: unknown }).cause;
  // The SNS notifier wraps what SNS said in its own error; the reason is inside.
  if (nameOf(cause) === 'NotificationPublishError') cause = (cause as { cause?: unknown }).cause;
  const name = nameOf(cause);
  if (name === 'NotFoundException' || name === 'NotFound') {
    return `SNS topic ${error.topicArn} not found; check --sns and that the topic exists`;
  }
  if (name === 'AuthorizationErrorException' || name === 'AuthorizationError' || ACCESS_ERRORS.has(name)) {
    return `access denied publishing to ${error.topicArn}: the caller needs sns:Publish on the topic`;
  }
  if (name.startsWith('KMS')) {
    return `the key of SNS topic ${error.topicArn} refused the caller: it needs kms:GenerateDataKey and kms:Decrypt`;
  }
  return `publishing to ${error.topicArn} failed: ${oneLine(messageOf(cause), 200)}`;
}

function describeAwsFailure(error: unknown): string | undefined {
  const name = nameOf(error);
  const message = messageOf(error);
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return describeCredentialFailure(error);
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return /expired/i.test(`${name} ${message}`)
      ? EXPIRED_CREDENTIALS
      : 'AWS does not accept these credentials; check --profile or AWS_PROFILE, or run aws sso login';
  }
  if (ACCESS_ERRORS.has(name)) {
    const action = /perform:?\s+([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
    return action
      ? `access denied by AWS: the caller needs ${action}`
      : `access denied by AWS: ${oneLine(message, 200)}`;
  }
  if (THROTTLE_ERRORS.has(name)) return 'AWS is throttling requests; wait a moment and retry';
  if (name === 'ClusterNotFoundException') {
    return 'ECS has no such cluster in this region; check CLUSTER and --region';
  }
  if (/^Region is missing/i.test(message) || name === 'RegionMissingError') {
    return 'no AWS region: pass --region or set AWS_REGION';
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES[code]) {
    return `cannot reach AWS: ${NETWORK_CODES[code]}; check your network and AWS_ENDPOINT_URL_* settings`;
  }
  if (name === 'TimeoutError') return 'AWS did not answer in time; check your network and retry';
  return undefined;
}

/**
 * Turns any failure into the one line a person reads and the exit code. Never includes a stack trace.
 * @example describeFailure(new NoSourceError()).message === 'no endpoint: pass --endpoint, set TRACER_ENDPOINT, or use --stack NAME or --live'
 */
export function describeFailure(error: unknown): Failure {
  const fail = (message: string): Failure => ({ exitCode: 1, message: oneLine(message), showUsage: false });
  if (error instanceof UsageError) return { exitCode: 2, message: oneLine(error.message), showUsage: true };
  // Refused before any request: one line, exit 2, and no usage line that would bury it.
  if (error instanceof UnsafeEndpointError)
    return { exitCode: 2, message: oneLine(error.message), showUsage: false };
  if (error instanceof ApiUnreachableError) return fail(describeUnreachable(error));
  if (error instanceof ApiResponseError) return fail(describeApiAnswer(error));
  if (error instanceof ApiProtocolError) return fail(`${error.message}; check --endpoint`);
  if (error instanceof CredentialsUnavailableError) {
    return fail(describeCredentialFailure(error, error.profile));
  }
  if (error instanceof RegionUnavailableError) return fail(error.message);
  if (error instanceof StackOutputError) return fail(describeStackFailure(error));
  if (error instanceof SnsPublishError) return fail(describeSnsFailure(error));
  if (error instanceof TaskNotFoundError) {
    return fail(
      error.retentionDays === undefined
        ? `${error.message}; ECS forgets a task about an hour after it stops, the tracer API keeps it`
        : error.message,
    );
  }
  if (error instanceof ThrottledError) return fail(`${error.message}; wait a moment and retry`);
  if (error instanceof AmbiguousClusterError) {
    return {
      ...fail(
        `cluster ${error.clusterName} is ambiguous: ${error.arns.length} recorded clusters carry that name; give the cluster ARN, or narrow it with --account and --region`,
      ),
      details: error.arns,
    };
  }
  if (
    error instanceof NoSourceError ||
    error instanceof ClusterNotFoundError ||
    error instanceof AccessDeniedError ||
    error instanceof InvalidInputError
  ) {
    return fail(error.message);
  }
  const aws = describeAwsFailure(error);
  if (aws) return fail(aws);
  // tracer's own errors carry a message written for people.
  if (error instanceof TracerError) return fail(error.message);
  return fail(`unexpected error: ${messageOf(error)} (set TRACER_DEBUG=1 for details)`);
}
