import { GetItemCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import {
  type ClusterId,
  clusterArn,
  type HomeScope,
  isHomeCluster,
  parseClusterScope,
  sameCluster,
} from '../../core/cluster-id.js';
import { InvalidInputError } from '../../core/errors.js';
import type { TaskTransition } from '../../core/model.js';
import type {
  ListTasksQuery,
  Page,
  RecordedCluster,
  RecordedTask,
  TaskHistory,
} from '../../use-cases/ports.js';
import { type Item, liveItemFilter } from './items.js';
import {
  CLUSTERS_PK,
  listingSk,
  parseTaskPk,
  TABLE_KEY,
  TASK_SK,
  TTL_ATTRIBUTE,
  taskPk,
  UNSCOPED_LAYOUT,
} from './keys.js';
import {
  BY_CREATED_DAY,
  decodeCursor,
  encodeCursor,
  FAILED_BY_STOPPED_MONTH,
  type ListCursor,
  type ListingIndex,
} from './listing-buckets.js';
import { readListingRegistry, readTaskItems } from './listing-reads.js';
import { listMergedBucket } from './merged-bucket.js';
import type { DynamoDbTableOptions } from './table-options.js';
import { decodeTaskItem, newestTransition } from './task-item.js';

const MS_PER_DAY = 86_400_000;
/** The largest page a caller may ask for; bigger listings page with the cursor. */
export const MAX_LIST_LIMIT = 1000;
/** A status filter drops tasks after they were read, so such listings read bigger pages. */
const FILTERED_PAGE_SIZE = 100;
/**
 * The most index pages (Queries) one listing request reads. A listing that has not filled its page by
 * then returns what it found with a cursor, so no request walks the whole retention window.
 */
export const MAX_QUERY_PAGES = 8;
/**
 * The clusters of the `CLUSTERS` partition. An entry of the unscoped layout (a bare name) is the home
 * cluster's, and is skipped without a home; when the home cluster has both entries, it is listed once,
 * last seen at the newer time.
 */
function recordedClusters(items: readonly Item[], home: HomeScope | undefined): RecordedCluster[] {
  const clusters: RecordedCluster[] = [];
  for (const item of items) {
    const scope = stringAttribute(item, TABLE_KEY.sortKey);
    const lastSeenAt = stringAttribute(item, 'lastSeenAt');
    if (!scope || !lastSeenAt) continue;
    const unscoped = !scope.includes(':');
    if (unscoped && !home) continue;
    const id = parseClusterScope(scope, home ?? { account: '', region: '' });
    const same = clusters.findIndex((c) =>
      sameCluster({ account: c.account, region: c.region, name: c.clusterName }, id),
    );
    const cluster: RecordedCluster = {
      account: id.account,
      region: id.region,
      clusterName: id.name,
      clusterArn: clusterArn(id),
      lastSeenAt,
    };
    if (same < 0) clusters.push(cluster);
    else if ((clusters[same] as RecordedCluster).lastSeenAt < lastSeenAt) clusters[same] = cluster;
  }
  return clusters;
}

/** A task item as the port's RecordedTask: its newest transition and that version's classification. */
function toRecordedTask(item: Item): RecordedTask | undefined {
  const ids = parseTaskPk(item[TABLE_KEY.partitionKey]?.S ?? '');
  const newest = ids && newestTransition(item, ids.clusterName, ids.taskId);
  if (!newest) return undefined;
  return newest.failure
    ? { summary: newest.transition, failure: newest.failure }
    : { summary: newest.transition };
}

function isExpiredItem(item: Item, nowMs: number): boolean {
  const expiresAt = item[TTL_ATTRIBUTE]?.N;
  return expiresAt !== undefined && Number(expiresAt) <= Math.floor(nowMs / 1000);
}

function stringAttribute(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

/**
 * Reads what the recorder stored. Every read drops items whose TTL has passed but that DynamoDB has
 * not deleted yet. A task is one item (task-item.ts): `getTask` and `listTransitions` read it with one
 * GetItem. `listTasks` reads the cluster item's active days (one GetItem), then queries only the day
 * buckets of tasksByDay that hold tasks (or the month buckets of failedByMonth that may hold failed tasks)
 * newest first, at most MAX_QUERY_PAGES Queries a request, and reads the tasks of each index page with
 * BatchGetItem; its cursor says which bucket and key to resume after. A cluster item written before the
 * registry existed has no active days: then every bucket of the window is walked, a few pages a request.
 */
export class DynamoDbTaskHistory implements TaskHistory {
  constructor(private readonly options: DynamoDbTableOptions) {}

  async getTask(cluster: ClusterId, taskId: string): Promise<RecordedTask | undefined> {
    const item = await this.readTaskItem(cluster, taskId);
    return item && toRecordedTask(item);
  }

  async listTransitions(cluster: ClusterId, taskId: string): Promise<TaskTransition[]> {
    const item = await this.readTaskItem(cluster, taskId);
    return item ? decodeTaskItem(item, cluster.name, taskId).map((decoded) => decoded.transition) : [];
  }

  /**
   * The task's item, unless it is absent or expired. A task of the home cluster that was recorded before
   * keys carried the account and region, and has not been migrated, is found under its unscoped key.
   */
  private async readTaskItem(cluster: ClusterId, taskId: string): Promise<Item | undefined> {
    const item =
      (await this.readLiveTaskItem(taskPk(cluster, taskId))) ??
      (isHomeCluster(cluster, this.options.home)
        ? await this.readLiveTaskItem(UNSCOPED_LAYOUT.taskPk(cluster.name, taskId))
        : undefined);
    return item;
  }

  private async readLiveTaskItem(pk: string): Promise<Item | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { [TABLE_KEY.partitionKey]: { S: pk }, [TABLE_KEY.sortKey]: { S: TASK_SK } },
      }),
    );
    return item && !isExpiredItem(item, this.options.clock.nowMs()) ? item : undefined;
  }

  async listClusters(): Promise<RecordedCluster[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey },
      ExpressionAttributeValues: { ':pk': { S: CLUSTERS_PK } },
    });
    return recordedClusters(items, this.options.home);
  }

  async listTasks(query: ListTasksQuery): Promise<Page<RecordedTask>> {
    const { cluster, limit } = query;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`);
    }
    const nowMs = this.options.clock.nowMs();
    // The window is clamped to the retention period: a summary expires retentionDays after its last
    // event, which is after its createdAt.
    const oldestMs = nowMs - this.options.retentionDays * MS_PER_DAY;
    const newestMs = nowMs + MS_PER_DAY;
    const untilMs = Math.min(query.untilMs ?? nowMs, newestMs);
    const sinceMs = Math.max(query.sinceMs ?? oldestMs, oldestMs);
    if (sinceMs > untilMs) return { items: [] };

    const listing = query.failedOnly ? FAILED_BY_STOPPED_MONTH : BY_CREATED_DAY;
    const cursor =
      query.cursor === undefined
        ? undefined
        : decodeCursor(query.cursor, listing, cluster, this.options.home);
    if (cursor && cursor.bucket > listing.bucketOf(untilMs)) {
      throw new InvalidInputError('cursor is not valid for this listing: it lies after the until time');
    }
    // The recorder registers a task's day before it writes the summary, so a cluster without an item
    // has no tasks to list.
    const registry = await readListingRegistry(this.options, cluster);
    if (!registry) return { items: [] };
    const buckets =
      registry.activeDays === undefined
        ? listing.buckets(sinceMs, untilMs)
        : listing.activeBuckets(registry.activeDays, registry.lastSeenAt, sinceMs, untilMs);
    let first = 0;
    let resumeKey: Item | undefined;
    if (cursor) {
      // The cursor's bucket held the last task returned; when the window moved on past it (the default
      // window follows the clock), no bucket is left.
      first = buckets.findIndex((bucket) => bucket <= cursor.bucket);
      if (first < 0) return { items: [] };
      if (buckets[first] === cursor.bucket && cursor.key) {
        resumeKey = Object.fromEntries(
          Object.entries(cursor.key).map(([name, value]) => [name, { S: value }]),
        );
      }
    }

    const { partitionKey, sortKey, indexName } = listing.index;
    // A cursor from the home cluster's earlier partition (whose cluster item has since expired) resumes
    // by sort key, as the merged read does: it is no start key of the cluster's own partition.
    const resumesUnscoped =
      cursor?.key !== undefined && cursor.key[partitionKey] !== listing.bucketPk(cluster, cursor.bucket);
    const names: Record<string, string> = { '#gpk': partitionKey, '#gsk': sortKey };
    const values: Item = {
      ':low': { S: new Date(sinceMs).toISOString() },
      // `<iso>#<taskId>` sorts below `<iso>#\uffff`, so the bound includes tasks at exactly untilMs.
      ':high': {
        S: query.untilMs === undefined ? '\uffff' : listingSk(new Date(untilMs).toISOString(), '\uffff'),
      },
    };
    const pageSize = query.status === undefined ? limit + 1 : Math.max(limit + 1, FILTERED_PAGE_SIZE);
    const accepts = (task: RecordedTask): boolean =>
      (query.status === undefined || task.summary.lastStatus === query.status) &&
      // An earlier STOPPED version may have been a failure and the newest not: the index keeps the entry.
      (!query.failedOnly || task.failure?.failed === true);

    // One more task than asked tells whether a next page exists, so the last page carries no cursor.
    const found: { task: RecordedTask; cursor: ListCursor }[] = [];
    let queries = 0;
    for (let index = first; index < buckets.length; index += 1) {
      const bucket = buckets[index] ?? '';
      if (registry.unscoped || resumesUnscoped) {
        // Entries of the home cluster from before an upgrade sit in a second partition of the bucket.
        const merged = await listMergedBucket(this.options, (chunk) => this.readListed(chunk, nowMs), {
          pks: listing.bucketPks(cluster, bucket, this.options.home),
          listing,
          after: index === first ? resumeKey?.[sortKey]?.S : undefined,
          values,
          pageSize,
          queriesLeft: MAX_QUERY_PAGES - queries,
          visit: (entry, task) => {
            if (!task || !accepts(task)) return false;
            found.push({ task, cursor: { index: indexName, bucket, key: this.keyOf(entry, listing.index) } });
            return found.length > limit;
          },
        });
        queries += merged.queries;
        if (found.length > limit) {
          return {
            items: found.slice(0, limit).map((f) => f.task),
            nextCursor: encodeCursor(found[limit - 1]?.cursor as ListCursor),
          };
        }
        if (merged.cutAfter !== 'complete') {
          const resumeAt: ListCursor = merged.cutAfter
            ? { index: indexName, bucket, key: this.keyOf(merged.cutAfter, listing.index) }
            : { index: indexName, bucket };
          return { items: found.slice(0, limit).map((f) => f.task), nextCursor: encodeCursor(resumeAt) };
        }
        continue;
      }
      let exclusiveStartKey = index === first ? resumeKey : undefined;
      do {
        if (queries === MAX_QUERY_PAGES) {
          const resumeAt: ListCursor = exclusiveStartKey
            ? { index: indexName, bucket, key: this.keyOf(exclusiveStartKey, listing.index) }
            : { index: indexName, bucket };
          return { items: found.slice(0, limit).map((f) => f.task), nextCursor: encodeCursor(resumeAt) };
        }
        queries += 1;
        const page = await this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: indexName,
            KeyConditionExpression: '#gpk = :bucket AND #gsk BETWEEN :low AND :high',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':bucket': { S: listing.bucketPk(cluster, bucket) } },
            ScanIndexForward: false,
            Limit: pageSize,
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        );
        const entries = page.Items ?? [];
        const tasks = await readTaskItems(this.options, entries);
        for (const entry of entries) {
          const item = tasks.get(entry[TABLE_KEY.partitionKey]?.S ?? '');
          const task = item && !isExpiredItem(item, nowMs) ? toRecordedTask(item) : undefined;
          if (!task || !accepts(task)) continue;
          found.push({ task, cursor: { index: indexName, bucket, key: this.keyOf(entry, listing.index) } });
          if (found.length > limit) {
            return {
              items: found.slice(0, limit).map((f) => f.task),
              nextCursor: encodeCursor(found[limit - 1]?.cursor as ListCursor),
            };
          }
        }
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey);
    }
    return { items: found.map((f) => f.task) };
  }

  /** The live tasks of index entries, in their order (undefined where the item is gone or expired). */
  private async readListed(entries: readonly Item[], nowMs: number): Promise<(RecordedTask | undefined)[]> {
    const tasks = await readTaskItems(this.options, entries);
    return entries.map((entry) => {
      const item = tasks.get(entry[TABLE_KEY.partitionKey]?.S ?? '');
      return item && !isExpiredItem(item, nowMs) ? toRecordedTask(item) : undefined;
    });
  }

  private keyOf(item: Item, index: ListingIndex): Record<string, string> {
    const names = [TABLE_KEY.partitionKey, TABLE_KEY.sortKey, index.partitionKey, index.sortKey];
    return Object.fromEntries(names.map((name) => [name, stringAttribute(item, name) ?? '']));
  }

  /** Every live item of a base-table query, across pages, in sort-key order. */
  private async queryAll(
    input: Required<Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeNames'>> &
      Pick<QueryCommandInput, 'ExpressionAttributeValues'>,
  ): Promise<Item[]> {
    const live = liveItemFilter(this.options.clock.nowMs());
    const items: Item[] = [];
    let exclusiveStartKey: Item | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: input.KeyConditionExpression,
          FilterExpression: live.expression,
          ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...live.names },
          ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ...live.values },
          ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
  }
}
