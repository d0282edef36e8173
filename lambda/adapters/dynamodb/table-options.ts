import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HomeScope } from '../../core/cluster-id.js';
import type { Clock } from '../../use-cases/ports.js';

/**
 * What every DynamoDB adapter of the tracer table needs. `retentionDays` sets each item's `expiresAt`
 * (the TTL attribute); `clock` decides which items count as expired on read, because DynamoDB deletes
 * expired items up to a few days late. `home` is the account and region that items keyed before clusters
 * carried their account and region belong to (keys.ts, `UNSCOPED_LAYOUT`): reads of a home cluster also
 * find them.
 */
export type DynamoDbTableOptions = {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retentionDays: number;
  readonly clock: Clock;
  /** @default - items of the unscoped layout are not read (run `tracer migrate` to re-key them) */
  readonly home?: HomeScope;
};
