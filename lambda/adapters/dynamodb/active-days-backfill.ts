/**
 * Fills the active-day registry of cluster items written before it existed, from the task items the
 * table holds. The recorder upgrades such an item by itself (with every day of the retention window, which
 * listings then walk until those days age out); a small table, as in local mode, can afford one scan to
 * give each legacy cluster its exact days at once.
 */
import { type AttributeValue, QueryCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ACTIVE_DAYS_ATTRIBUTE, oldestListedDay, prunableDays, utcDay } from './active-days.js';
import { isConditionalCheckFailed } from './items.js';
import { CLUSTERS_PK, GSI_TASKS_BY_DAY, parseTaskPk, TABLE_KEY, TASK_SK } from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

const MS_PER_DAY = 86_400_000;

/**
 * Gives every cluster item without active days the days of its summaries. Costs one Query when no such
 * item exists; otherwise one Scan of the table's summaries and one UpdateItem per legacy cluster.
 * @returns the clusters whose registry was filled.
 * @example const filled = await backfillActiveDays({ client, tableName: 'tracer', retentionDays: 3650, clock });
 */
export async function backfillActiveDays(options: DynamoDbTableOptions): Promise<string[]> {
  const legacy = await legacyClusters(options);
  if (legacy.length === 0) return [];
  const days = await summaryDays(options, new Set(legacy));
  const nowMs = options.clock.nowMs();
  const oldestDay = oldestListedDay(nowMs, options.retentionDays);
  // A cluster whose summaries are all gone gets only a day before the window: listings then read nothing.
  const beforeWindow = utcDay(nowMs - (options.retentionDays + 1) * MS_PER_DAY);
  const filled: string[] = [];
  for (const clusterName of legacy) {
    const found = [...(days.get(clusterName) ?? [])];
    const stale = new Set(prunableDays(found, oldestDay));
    const kept = found.filter((day) => !stale.has(day));
    try {
      await options.client.send(
        new UpdateItemCommand({
          TableName: options.tableName,
          Key: { [TABLE_KEY.partitionKey]: { S: CLUSTERS_PK }, [TABLE_KEY.sortKey]: { S: clusterName } },
          UpdateExpression: 'ADD #activeDays :days',
          // The recorder may have started the registry since the Query: then it is already complete.
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#activeDays)',
          ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey, '#activeDays': ACTIVE_DAYS_ATTRIBUTE },
          ExpressionAttributeValues: { ':days': { SS: kept.length > 0 ? kept : [beforeWindow] } },
        }),
      );
      filled.push(clusterName);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
  return filled;
}

/** The names of the cluster items that hold no active days. */
async function legacyClusters(options: DynamoDbTableOptions): Promise<string[]> {
  const names: string[] = [];
  let exclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await options.client.send(
      new QueryCommand({
        TableName: options.tableName,
        KeyConditionExpression: '#pk = :clusters',
        FilterExpression: 'attribute_not_exists(#activeDays)',
        ProjectionExpression: '#sk',
        ExpressionAttributeNames: {
          '#pk': TABLE_KEY.partitionKey,
          '#sk': TABLE_KEY.sortKey,
          '#activeDays': ACTIVE_DAYS_ATTRIBUTE,
        },
        ExpressionAttributeValues: { ':clusters': { S: CLUSTERS_PK } },
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const name = item[TABLE_KEY.sortKey]?.S;
      if (name !== undefined) names.push(name);
    }
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return names;
}

/** The listing days (`YYYY-MM-DD`, from the listing sort key) of the tasks of the given clusters. */
async function summaryDays(
  options: DynamoDbTableOptions,
  clusters: ReadonlySet<string>,
): Promise<Map<string, Set<string>>> {
  const days = new Map<string, Set<string>>();
  let exclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await options.client.send(
      new ScanCommand({
        TableName: options.tableName,
        FilterExpression: '#sk = :task',
        ProjectionExpression: '#pk, #listedAt',
        ExpressionAttributeNames: {
          '#pk': TABLE_KEY.partitionKey,
          '#sk': TABLE_KEY.sortKey,
          '#listedAt': GSI_TASKS_BY_DAY.sortKey,
        },
        ExpressionAttributeValues: { ':task': { S: TASK_SK } },
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const clusterName = parseTaskPk(item[TABLE_KEY.partitionKey]?.S ?? '')?.scope;
      const listedAt = item[GSI_TASKS_BY_DAY.sortKey]?.S;
      if (clusterName === undefined || listedAt === undefined || !clusters.has(clusterName)) continue;
      let clusterDays = days.get(clusterName);
      if (!clusterDays) {
        clusterDays = new Set();
        days.set(clusterName, clusterDays);
      }
      clusterDays.add(listedAt.slice(0, 10));
    }
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return days;
}
