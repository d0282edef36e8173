/**
 * Moves history recorded in the earlier layout (one `V#<version>` item per transition and a `SUMMARY`
 * item per task, see LEGACY_LAYOUT in keys.ts) into task items, through the recorder's own write, so a
 * migrated task reads exactly as a recorded one. One Scan of the source table:
 * - each task of the earlier layout: its transitions (one Query of its partition) are recorded in
 *   version order, the summary's failure classification with the summary's version, its cluster and
 *   listing day registered; then, in place, its old items are deleted;
 * - into another table (`fromTableName`, after a deployment that created a new table): every other item
 *   (task items, task definitions, service events, clusters, notification ledger) is copied unless the
 *   target already has one with its key.
 * Running it again changes nothing: recorded versions are duplicates, copies are conditional, and in
 * place the old items are gone.
 */
import {
  BatchWriteItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { clusterIdOfTask } from '../../core/cluster-id.js';
import type { FailureClassification } from '../../core/failure.js';
import type { TaskTransition } from '../../core/model.js';
import type { DynamoDbTransitionStore } from './dynamodb-transition-store.js';
import { listingTime } from './dynamodb-transition-store.js';
import { fromItem, type Item, isConditionalCheckFailed, withoutLayout } from './items.js';
import { CLUSTERS_PK, isUnscopedSegment, LEGACY_LAYOUT, TABLE_KEY } from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

/** BatchWriteItem takes at most 25 requests. */
const BATCH_SIZE = 25;
const BATCH_ATTEMPTS = 8;
/** Tasks just migrated, so that a Scan page that still shows their deleted items does not redo them. */
const RECENT_TASKS = 10_000;

export interface MigrationCounts {
  /** Tasks of the earlier layout that were recorded as task items. */
  tasks: number;
  /** Their transitions written now, and those the target already had. */
  transitions: number;
  duplicates: number;
  /** Earlier-layout items deleted (in place only). */
  deleted: number;
  /** Other items copied from the source table, and those the target already had. */
  copied: number;
  alreadyCopied: number;
}

export interface MigrationOptions {
  /** The target table, in the task-item layout. */
  readonly table: DynamoDbTableOptions;
  /** The recorder's store over the target table. */
  readonly store: Pick<DynamoDbTransitionStore, 'recordTransition' | 'registerCluster'>;
  /** The table to read; the target itself when absent (migration in place). */
  readonly fromTableName?: string;
  /** Called after each Scan page, for progress. */
  readonly onProgress?: (counts: Readonly<MigrationCounts>) => void;
}

function isLegacyTaskItem(sk: string): boolean {
  return sk === LEGACY_LAYOUT.summarySk || sk.startsWith(LEGACY_LAYOUT.transitionSkPrefix);
}

/**
 * Migrates every task of the earlier layout, and in a copy every other item.
 * @example const counts = await migrateLegacyItems({ table, store: new DynamoDbTransitionStore(table) });
 */
export async function migrateLegacyItems(options: MigrationOptions): Promise<MigrationCounts> {
  const { client, tableName } = options.table;
  const source = options.fromTableName ?? tableName;
  const inPlace = source === tableName;
  const counts: MigrationCounts = {
    tasks: 0,
    transitions: 0,
    duplicates: 0,
    deleted: 0,
    copied: 0,
    alreadyCopied: 0,
  };
  const recent = new Set<string>();
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: source,
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const pk = item[TABLE_KEY.partitionKey]?.S ?? '';
      const sk = item[TABLE_KEY.sortKey]?.S ?? '';
      if (isLegacyTaskItem(sk)) {
        if (recent.has(pk)) continue;
        await migrateTask(options, source, pk, inPlace, counts);
        recent.add(pk);
        if (recent.size > RECENT_TASKS) recent.delete(recent.values().next().value as string);
      } else if (!inPlace && !(pk === CLUSTERS_PK && isUnscopedSegment(sk))) {
        // A cluster item without account and region is registered again, scoped, by its migrated tasks.
        await copyItem(options.table, item, counts);
      }
    }
    options.onProgress?.(counts);
    start = page.LastEvaluatedKey;
  } while (start);
  return counts;
}

/** Records one task's earlier-layout transitions in the target, then deletes them in place. */
async function migrateTask(
  options: MigrationOptions,
  source: string,
  pk: string,
  inPlace: boolean,
  counts: MigrationCounts,
): Promise<void> {
  const items = await queryPartition(options.table, source, pk);
  const legacy = items.filter((item) => isLegacyTaskItem(item[TABLE_KEY.sortKey]?.S ?? ''));
  if (legacy.length === 0) return;
  const summary = legacy.find((item) => item[TABLE_KEY.sortKey]?.S === LEGACY_LAYOUT.summarySk);
  const summaryRecord = summary ? withoutLayout(fromItem(summary)) : undefined;
  const failure = summaryRecord?.failure as FailureClassification | undefined;
  const transitions = legacy
    .filter((item) => item[TABLE_KEY.sortKey]?.S !== LEGACY_LAYOUT.summarySk)
    .map((item) => withoutLayout(fromItem(item)) as unknown as TaskTransition);
  if (summaryRecord) {
    // The summary is a copy of the newest transition; its own item may be missing if a write failed.
    const { failure: _failure, ...newest } = summaryRecord;
    const summaryTransition = newest as unknown as TaskTransition;
    if (!transitions.some((t) => t.version === summaryTransition.version))
      transitions.push(summaryTransition);
  }
  transitions.sort((a, b) => a.version - b.version);
  for (const t of transitions) {
    await options.store.registerCluster(
      clusterIdOfTask(t),
      `${t.eventTime.slice(0, 10)}T00:00:00.000Z`,
      listingTime(t),
    );
    const withFailure =
      failure && summaryRecord?.version === t.version ? { summary: t, failure } : { summary: t };
    const outcome = await options.store.recordTransition(withFailure);
    if (outcome.transition === 'stored') counts.transitions += 1;
    else counts.duplicates += 1;
  }
  counts.tasks += 1;
  if (inPlace) {
    await deleteItems(
      options.table,
      legacy.map((item) => ({
        DeleteRequest: {
          Key: {
            [TABLE_KEY.partitionKey]: item[TABLE_KEY.partitionKey] ?? { S: pk },
            [TABLE_KEY.sortKey]: item[TABLE_KEY.sortKey] ?? { S: '' },
          },
        },
      })),
    );
    counts.deleted += legacy.length;
  }
}

async function queryPartition(table: DynamoDbTableOptions, source: string, pk: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: source,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey },
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function copyItem(table: DynamoDbTableOptions, item: Item, counts: MigrationCounts): Promise<void> {
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: item,
        // What the target already holds is as new or newer: the recorder has been writing to it.
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey },
      }),
    );
    counts.copied += 1;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    counts.alreadyCopied += 1;
  }
}

async function deleteItems(table: DynamoDbTableOptions, requests: WriteRequest[]): Promise<void> {
  for (let first = 0; first < requests.length; first += BATCH_SIZE) {
    let pending = requests.slice(first, first + BATCH_SIZE);
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > BATCH_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} deletes unprocessed`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
      const result = await table.client.send(
        new BatchWriteItemCommand({ RequestItems: { [table.tableName]: pending } }),
      );
      pending = result.UnprocessedItems?.[table.tableName] ?? [];
    }
  }
}
