/**
 * Small helpers shared by the DynamoDB adapters: marshalling, the TTL attribute and the expired-item
 * filter. Items carry their data as native DynamoDB attributes next to the key attributes below.
 */
import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { GSI_FAILED_BY_MONTH, GSI_TASKS_BY_DAY, LEGACY_LAYOUT, TABLE_KEY, TTL_ATTRIBUTE } from './keys.js';

export type Item = Record<string, AttributeValue>;

/** What a stored item is, so that a scan or the console tells the kinds apart. */
export type ItemType =
  | 'transition'
  | 'summary'
  | 'cluster'
  | 'task-definition'
  | 'service-event'
  | 'instance-events'
  | 'instance-ec2'
  | 'ec2-notices';

export const ITEM_TYPE_ATTRIBUTE = 'itemType';

/** Attributes that belong to the table layout, not to the stored record. */
const LAYOUT_ATTRIBUTES: ReadonlySet<string> = new Set([
  TABLE_KEY.partitionKey,
  TABLE_KEY.sortKey,
  GSI_TASKS_BY_DAY.partitionKey,
  GSI_TASKS_BY_DAY.sortKey,
  GSI_FAILED_BY_MONTH.partitionKey,
  GSI_FAILED_BY_MONTH.sortKey,
  ...LEGACY_LAYOUT.indexKeys,
  TTL_ATTRIBUTE,
  ITEM_TYPE_ATTRIBUTE,
]);

const SECONDS_PER_DAY = 86_400;

/**
 * The TTL value (epoch seconds) of something that happened at `atMs` and is kept `retentionDays`.
 * @example expiresAtSeconds(Date.parse('2024-01-01T00:00:00Z'), 1) === 1704153600
 */
export function expiresAtSeconds(atMs: number, retentionDays: number): number {
  return Math.floor(atMs / 1000) + retentionDays * SECONDS_PER_DAY;
}

/** True when the item's TTL has passed. DynamoDB deletes such items up to a few days late, so reads check. */
export function isExpired(record: Readonly<Record<string, unknown>>, nowMs: number): boolean {
  const expiresAt = record[TTL_ATTRIBUTE];
  return typeof expiresAt === 'number' && expiresAt <= Math.floor(nowMs / 1000);
}

/** A filter expression that drops expired items on the server, with its names and values. */
export function liveItemFilter(nowMs: number): {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Item;
} {
  return {
    expression: 'attribute_not_exists(#expiresAt) OR #expiresAt > :nowSeconds',
    names: { '#expiresAt': TTL_ATTRIBUTE },
    values: { ':nowSeconds': { N: String(Math.floor(nowMs / 1000)) } },
  };
}

/**
 * Every live (not expired) item of one partition whose sort key lies between `fromSk` and `toSk`
 * (inclusive), following the pages of the Query.
 */
export async function queryLiveRange(
  options: { readonly client: DynamoDBClient; readonly tableName: string; readonly nowMs: number },
  pk: string,
  fromSk: string,
  toSk: string,
): Promise<Item[]> {
  const live = liveItemFilter(options.nowMs);
  const items: Item[] = [];
  let exclusiveStartKey: Item | undefined;
  do {
    const page = await options.client.send(
      new QueryCommand({
        TableName: options.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        FilterExpression: live.expression,
        ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey, '#sk': TABLE_KEY.sortKey, ...live.names },
        ExpressionAttributeValues: {
          ':pk': { S: pk },
          ':from': { S: fromSk },
          ':to': { S: toSk },
          ...live.values,
        },
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return items;
}

/** Marshals a record to native DynamoDB attributes; undefined fields are left out. */
export function toItem(record: object): Item {
  return marshall(record, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}

/** Unmarshals an item; numbers come back as JavaScript numbers (all of tracer's fit). */
export function fromItem(item: Item): Record<string, unknown> {
  return unmarshall(item);
}

/** The stored record without the table's layout attributes (keys, GSI keys, TTL, item type). */
export function withoutLayout(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => !LAYOUT_ATTRIBUTES.has(name)));
}

/** True for the error that a failed `ConditionExpression` raises: an expected outcome, not a fault. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
