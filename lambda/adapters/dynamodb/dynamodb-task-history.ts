import { GetItemCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { InvalidInputError } from '../../core/errors.js';
import type { FailureClassification } from '../../core/failure.js';
import type { TaskSummary, TaskTransition } from '../../core/model.js';
import type {
  ListTasksQuery,
  Page,
  RecordedCluster,
  RecordedTask,
  TaskHistory,
} from '../../use-cases/ports.js';
import { ACTIVE_DAYS_ATTRIBUTE, utcDay } from './active-days.js';
import { fromItem, type Item, isExpired, liveItemFilter, withoutLayout } from './items.js';
import {
  CLUSTERS_PK,
  clusterDayPk,
  failedMonthPk,
  GSI_BY_CLUSTER_TIME,
  GSI_FAILED_BY_CLUSTER,
  SUMMARY_SK,
  TABLE_KEY,
  TRANSITION_SK_PREFIX,
  taskPk,
} from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

const MS_PER_DAY = 86_400_000;
/** The largest page a caller may ask for; bigger listings page with the cursor. */
export const MAX_LIST_LIMIT = 1000;
/** A status filter drops items after DynamoDB read them, so such queries read bigger pages. */
const FILTERED_PAGE_SIZE = 100;

type ListingIndex = typeof GSI_BY_CLUSTER_TIME | typeof GSI_FAILED_BY_CLUSTER;

/** What the cluster item tells a listing. */
interface ClusterRegistry {
  /** The cluster's active days; undefined for an item written before the registry existed. */
  readonly activeDays?: readonly string[];
  readonly lastSeenAt?: string;
}

/** One of the two listings: all tasks by createdAt in day buckets, failed tasks by stoppedAt in month buckets. */
interface Listing {
  readonly index: ListingIndex;
  /** The bucket name (`YYYY-MM-DD` or `YYYY-MM`) of a time. */
  bucketOf(ms: number): string;
  /** Every bucket that covers [sinceMs, untilMs], newest first. */
  buckets(sinceMs: number, untilMs: number): string[];
  /** The buckets of [sinceMs, untilMs] that may hold the cluster's tasks, newest first. */
  activeBuckets(
    activeDays: readonly string[],
    lastSeenAt: string | undefined,
    sinceMs: number,
    untilMs: number,
  ): string[];
  bucketPk(clusterName: string, bucket: string): string;
}

const BY_CREATED_DAY: Listing = {
  index: GSI_BY_CLUSTER_TIME,
  bucketOf: utcDay,
  buckets(sinceMs, untilMs) {
    const out: string[] = [];
    const first = Math.floor(sinceMs / MS_PER_DAY) * MS_PER_DAY;
    for (let day = Math.floor(untilMs / MS_PER_DAY) * MS_PER_DAY; day >= first; day -= MS_PER_DAY) {
      out.push(utcDay(day));
    }
    return out;
  },
  activeBuckets(activeDays, _lastSeenAt, sinceMs, untilMs) {
    const [since, until] = [utcDay(sinceMs), utcDay(untilMs)];
    return activeDays.filter((day) => day >= since && day <= until).sort(newestFirst);
  },
  bucketPk: clusterDayPk,
};

const FAILED_BY_STOPPED_MONTH: Listing = {
  index: GSI_FAILED_BY_CLUSTER,
  bucketOf: (ms) => new Date(ms).toISOString().slice(0, 7),
  buckets(sinceMs, untilMs) {
    const out: string[] = [];
    const since = new Date(sinceMs);
    const first = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), 1);
    const until = new Date(untilMs);
    for (let month = until.getUTCMonth(), year = until.getUTCFullYear(); ; month -= 1) {
      const start = Date.UTC(year, month, 1);
      if (start < first) break;
      out.push(new Date(start).toISOString().slice(0, 7));
    }
    return out;
  },
  /**
   * A task stops after it was created and before the event that says so, so its stop month lies between
   * the month of the cluster's oldest active day and the month of its last seen day (plus a day for
   * clock skew between stoppedAt and the event time). The days alone cannot narrow it further: a task
   * may run for months.
   */
  activeBuckets(activeDays, lastSeenAt, sinceMs, untilMs) {
    const oldest = activeDays.reduce<string | undefined>(
      (min, day) => (min === undefined || day < min ? day : min),
      undefined,
    );
    if (oldest === undefined) return [];
    const lastStopMs =
      lastSeenAt === undefined
        ? untilMs
        : Date.parse(`${lastSeenAt.slice(0, 10)}T00:00:00.000Z`) + 2 * MS_PER_DAY - 1;
    const fromMs = Math.max(sinceMs, Date.parse(`${oldest}T00:00:00.000Z`));
    const toMs = Math.min(untilMs, lastStopMs);
    return fromMs > toMs ? [] : this.buckets(fromMs, toMs);
  },
  bucketPk: failedMonthPk,
};

function newestFirst(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

/** Where a listing stopped: the bucket and the key of the last item returned. */
interface ListCursor {
  readonly index: string;
  readonly bucket: string;
  readonly key: Readonly<Record<string, string>>;
}

function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, i: cursor.index, b: cursor.bucket, k: cursor.key })).toString(
    'base64url',
  );
}

function decodeCursor(raw: string, listing: Listing, clusterName: string): ListCursor {
  const invalid = (why: string) => new InvalidInputError(`cursor is not valid for this listing: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidInputError('cursor is not valid for this listing: not a cursor tracer issued', {
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid('not a cursor tracer issued');
  const { v, i, b, k } = parsed as Record<string, unknown>;
  if (v !== 1 || typeof i !== 'string' || typeof b !== 'string' || typeof k !== 'object' || k === null) {
    throw invalid('not a cursor tracer issued');
  }
  if (i !== listing.index.indexName) throw invalid('it belongs to a different filter');
  const { partitionKey, sortKey } = listing.index;
  const key = k as Record<string, unknown>;
  const names = [TABLE_KEY.partitionKey, TABLE_KEY.sortKey, partitionKey, sortKey];
  if (!names.every((name) => typeof key[name] === 'string')) throw invalid('not a cursor tracer issued');
  if (key[partitionKey] !== listing.bucketPk(clusterName, b)) throw invalid('it belongs to another cluster');
  return { index: i, bucket: b, key: key as Record<string, string> };
}

function toRecordedTask(record: Record<string, unknown>): RecordedTask {
  const { failure, ...summary } = withoutLayout(record);
  // The recorder wrote these attributes from a TaskSummary and a FailureClassification.
  const task = { summary: summary as unknown as TaskSummary };
  return failure === undefined ? task : { ...task, failure: failure as FailureClassification };
}

function stringAttribute(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

/**
 * Reads what the recorder stored. Every read drops items whose TTL has passed but that DynamoDB has
 * not deleted yet. `listTasks` reads the cluster item's active days (one GetItem), then queries only the
 * day buckets of gsi1 that hold tasks (or the month buckets of gsi2 that may hold failed tasks) newest
 * first; its cursor says which bucket and key to resume after. A cluster item written before the
 * registry existed has no active days: then every bucket of the window is walked.
 */
export class DynamoDbTaskHistory implements TaskHistory {
  constructor(private readonly options: DynamoDbTableOptions) {}

  async getTask(clusterName: string, taskId: string): Promise<RecordedTask | undefined> {
    const result = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: {
          [TABLE_KEY.partitionKey]: { S: taskPk(clusterName, taskId) },
          [TABLE_KEY.sortKey]: { S: SUMMARY_SK },
        },
      }),
    );
    if (!result.Item) return undefined;
    const record = fromItem(result.Item);
    return isExpired(record, this.options.clock.nowMs()) ? undefined : toRecordedTask(record);
  }

  async listTransitions(clusterName: string, taskId: string): Promise<TaskTransition[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey, '#sk': TABLE_KEY.sortKey },
      ExpressionAttributeValues: {
        ':pk': { S: taskPk(clusterName, taskId) },
        ':prefix': { S: TRANSITION_SK_PREFIX },
      },
    });
    // The sort key is the zero-padded version, so query order is version order.
    return items.map((item) => withoutLayout(fromItem(item)) as unknown as TaskTransition);
  }

  async listClusters(): Promise<RecordedCluster[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey },
      ExpressionAttributeValues: { ':pk': { S: CLUSTERS_PK } },
    });
    return items.flatMap((item) => {
      const clusterName = stringAttribute(item, TABLE_KEY.sortKey);
      const lastSeenAt = stringAttribute(item, 'lastSeenAt');
      return clusterName && lastSeenAt ? [{ clusterName, lastSeenAt }] : [];
    });
  }

  async listTasks(query: ListTasksQuery): Promise<Page<RecordedTask>> {
    const { clusterName, limit } = query;
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
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, listing, clusterName);
    if (cursor && cursor.bucket > listing.bucketOf(untilMs)) {
      throw new InvalidInputError('cursor is not valid for this listing: it lies after the until time');
    }
    // The recorder registers a task's day before it writes the summary, so a cluster without an item
    // has no tasks to list.
    const registry = await this.readRegistry(clusterName);
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
      if (buckets[first] === cursor.bucket) {
        resumeKey = Object.fromEntries(
          Object.entries(cursor.key).map(([name, value]) => [name, { S: value }]),
        );
      }
    }

    const { partitionKey, sortKey, indexName } = listing.index;
    const live = liveItemFilter(nowMs);
    const names: Record<string, string> = { '#gpk': partitionKey, '#gsk': sortKey, ...live.names };
    const values: Item = {
      ':low': { S: new Date(sinceMs).toISOString() },
      // `<iso>#<taskId>` sorts below `<iso>#\uffff`, so the bound includes tasks at exactly untilMs.
      ':high': { S: query.untilMs === undefined ? '\uffff' : `${new Date(untilMs).toISOString()}#\uffff` },
      ...live.values,
    };
    let filter = `(${live.expression})`;
    if (query.status !== undefined) {
      filter += ' AND #lastStatus = :status';
      names['#lastStatus'] = 'lastStatus';
      values[':status'] = { S: query.status };
    }

    const items: RecordedTask[] = [];
    let last: ListCursor | undefined;
    for (let index = first; index < buckets.length; index += 1) {
      const bucket = buckets[index] ?? '';
      let exclusiveStartKey = index === first ? resumeKey : undefined;
      do {
        const page = await this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: indexName,
            KeyConditionExpression: '#gpk = :bucket AND #gsk BETWEEN :low AND :high',
            FilterExpression: filter,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':bucket': { S: listing.bucketPk(clusterName, bucket) } },
            ScanIndexForward: false,
            // One more than asked tells whether a next page exists, so the last page carries no cursor.
            Limit: query.status === undefined ? limit + 1 : Math.max(limit + 1, FILTERED_PAGE_SIZE),
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          if (items.length === limit && last) return { items, nextCursor: encodeCursor(last) };
          items.push(toRecordedTask(fromItem(item)));
          last = { index: indexName, bucket, key: this.keyOf(item, listing.index) };
        }
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey);
    }
    return { items };
  }

  /** The cluster item's registry, or undefined when the cluster was never recorded (or expired and was swept). */
  private async readRegistry(clusterName: string): Promise<ClusterRegistry | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { [TABLE_KEY.partitionKey]: { S: CLUSTERS_PK }, [TABLE_KEY.sortKey]: { S: clusterName } },
        ProjectionExpression: '#activeDays, #lastSeenAt',
        ExpressionAttributeNames: { '#activeDays': ACTIVE_DAYS_ATTRIBUTE, '#lastSeenAt': 'lastSeenAt' },
        // The summary that a listing finds was written after the day was registered.
        ConsistentRead: true,
      }),
    );
    if (!item) return undefined;
    const activeDays = item[ACTIVE_DAYS_ATTRIBUTE]?.SS;
    const lastSeenAt = stringAttribute(item, 'lastSeenAt');
    return { ...(activeDays ? { activeDays } : {}), ...(lastSeenAt ? { lastSeenAt } : {}) };
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
