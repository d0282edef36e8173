import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../use-cases/ports.js';

/**
 * What every DynamoDB adapter of the tracer table needs. `retentionDays` sets each item's `expiresAt`
 * (the TTL attribute); `clock` decides which items count as expired on read, because DynamoDB deletes
 * expired items up to a few days late.
 */
export type DynamoDbTableOptions = {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retentionDays: number;
  readonly clock: Clock;
};
