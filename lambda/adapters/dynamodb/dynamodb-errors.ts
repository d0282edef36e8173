/**
 * Where DynamoDB's exceptions become tracer's named errors. Throttling that outlasts the SDK's retries
 * becomes `ThrottledError` (the API answers 503 with Retry-After); everything else passes through
 * unchanged, so that adapters still see `ConditionalCheckFailedException` and the like.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ThrottledError } from '../../core/errors.js';

/**
 * How long a caller should wait after DynamoDB throttled a request through all of the SDK's attempts: on
 * demand, a table that doubles its traffic is throttled until it has adapted, which takes seconds, not
 * milliseconds.
 */
export const DYNAMODB_RETRY_AFTER_SECONDS = 5;

/** The data-plane exceptions DynamoDB throws when a table, index or account is over its throughput. */
const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

const MIDDLEWARE_NAME = 'tracerDynamoDbDomainErrors';

/**
 * True for an error that says DynamoDB throttled the request.
 * @example isDynamoDbThrottling(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })) === true
 */
export function isDynamoDbThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const retryable = (error as { $retryable?: { throttling?: boolean } }).$retryable;
  return THROTTLING_ERRORS.has(error.name) || retryable?.throttling === true;
}

/**
 * The named error for a DynamoDB exception: `ThrottledError` for throttling, the error itself otherwise.
 * @example throw toDomainError(error, 'PutItem');
 */
export function toDomainError(error: unknown, operation = 'requests'): unknown {
  if (!isDynamoDbThrottling(error)) return error;
  return new ThrottledError(
    `DynamoDB kept throttling tracer's ${operation} after retrying; try again in a few seconds`,
    { cause: error, retryAfterSeconds: DYNAMODB_RETRY_AFTER_SECONDS },
  );
}

/**
 * The error for a BatchWriteItem whose unprocessed items (DynamoDB's way of throttling a batch) outlasted
 * every attempt.
 * @example throw unprocessedItemsError(3, 25, 8);
 */
export function unprocessedItemsError(unprocessed: number, total: number, attempts: number): ThrottledError {
  return new ThrottledError(
    `DynamoDB left ${unprocessed} of ${total} items unprocessed after ${attempts} attempts`,
    { retryAfterSeconds: DYNAMODB_RETRY_AFTER_SECONDS },
  );
}

/**
 * Makes every call of the client fail with tracer's named errors (`toDomainError`). The middleware sits in
 * the initialize step, outside the SDK's retries, so it sees only what the last attempt left. Adding it
 * twice changes nothing.
 * @example const client = withDomainErrors(new DynamoDBClient({ maxAttempts: 8 }));
 */
export function withDomainErrors<T extends DynamoDBClient>(client: T): T {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw toDomainError(error, context.commandName?.replace(/Command$/, ''));
      }
    },
    { step: 'initialize', name: MIDDLEWARE_NAME, override: true },
  );
  return client;
}
