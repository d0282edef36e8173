/**
 * The reads a task listing makes besides its index queries: the cluster item's registry of active days,
 * and the task items that the index entries point at, in batches.
 */
import { BatchGetItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { type ClusterId, isHomeCluster } from '../../core/cluster-id.js';
import { ThrottledError } from '../../core/errors.js';
import { ACTIVE_DAYS_ATTRIBUTE } from './active-days.js';
import type { Item } from './items.js';
import { CLUSTERS_PK, clusterSk, TABLE_KEY, TASK_SK, UNSCOPED_LAYOUT } from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

/** BatchGetItem reads at most 100 keys, and retries what DynamoDB left unprocessed this many times. */
const BATCH_GET_SIZE = 100;
const BATCH_GET_ATTEMPTS = 8;

/** What the cluster item tells a listing. */
export interface ClusterRegistry {
  /** The cluster's active days; undefined for an item written before the registry existed. */
  readonly activeDays?: readonly string[];
  readonly lastSeenAt?: string;
}

/** The task items of index entries, by partition key, with BatchGetItem. */
export async function readTaskItems(
  options: DynamoDbTableOptions,
  entries: readonly Item[],
): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  const keys = entries.map((entry) => ({
    [TABLE_KEY.partitionKey]: entry[TABLE_KEY.partitionKey] ?? { S: '' },
    [TABLE_KEY.sortKey]: entry[TABLE_KEY.sortKey] ?? { S: TASK_SK },
  }));
  for (let start = 0; start < keys.length; start += BATCH_GET_SIZE) {
    let pending = keys.slice(start, start + BATCH_GET_SIZE);
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > BATCH_GET_ATTEMPTS) {
        throw new ThrottledError(
          `DynamoDB left ${pending.length} task items unread after ${BATCH_GET_ATTEMPTS} attempts`,
        );
      }
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
      const result = await options.client.send(
        new BatchGetItemCommand({ RequestItems: { [options.tableName]: { Keys: pending } } }),
      );
      for (const item of result.Responses?.[options.tableName] ?? []) {
        items.set(item[TABLE_KEY.partitionKey]?.S ?? '', item);
      }
      pending = (result.UnprocessedKeys?.[options.tableName]?.Keys ?? []) as typeof pending;
    }
  }
  return items;
}

/**
 * The registry a listing walks: the cluster item's, and for the home cluster also the item of the
 * layout before keys carried the account and region (`unscoped`: its tasks' index entries are in the
 * unscoped partitions too). Undefined when neither exists.
 */
export async function readListingRegistry(
  options: DynamoDbTableOptions,
  cluster: ClusterId,
): Promise<(ClusterRegistry & { readonly unscoped: boolean }) | undefined> {
  const [scoped, unscoped] = await Promise.all([
    readRegistry(options, clusterSk(cluster)),
    isHomeCluster(cluster, options.home)
      ? readRegistry(options, UNSCOPED_LAYOUT.clusterSk(cluster.name))
      : Promise.resolve(undefined),
  ]);
  if (!unscoped) return scoped && { ...scoped, unscoped: false };
  if (!scoped) return { ...unscoped, unscoped: true };
  // A registry without active days means "walk every day": the union keeps that meaning.
  const activeDays =
    scoped.activeDays && unscoped.activeDays
      ? [...new Set([...scoped.activeDays, ...unscoped.activeDays])]
      : undefined;
  const seen = [scoped.lastSeenAt, unscoped.lastSeenAt].filter((t): t is string => t !== undefined).sort();
  const lastSeenAt = seen[seen.length - 1];
  return {
    ...(activeDays ? { activeDays } : {}),
    ...(lastSeenAt ? { lastSeenAt } : {}),
    unscoped: true,
  };
}

/** A cluster item's registry, or undefined when the cluster was never recorded (or expired and was swept). */
export async function readRegistry(
  options: DynamoDbTableOptions,
  sk: string,
): Promise<ClusterRegistry | undefined> {
  const { Item: item } = await options.client.send(
    new GetItemCommand({
      TableName: options.tableName,
      Key: { [TABLE_KEY.partitionKey]: { S: CLUSTERS_PK }, [TABLE_KEY.sortKey]: { S: sk } },
      ProjectionExpression: '#activeDays, #lastSeenAt',
      ExpressionAttributeNames: { '#activeDays': ACTIVE_DAYS_ATTRIBUTE, '#lastSeenAt': 'lastSeenAt' },
      // The summary that a listing finds was written after the day was registered.
      ConsistentRead: true,
    }),
  );
  if (!item) return undefined;
  const activeDays = item[ACTIVE_DAYS_ATTRIBUTE]?.SS;
  const lastSeenAt = item.lastSeenAt?.S;
  return { ...(activeDays ? { activeDays } : {}), ...(lastSeenAt ? { lastSeenAt } : {}) };
}
