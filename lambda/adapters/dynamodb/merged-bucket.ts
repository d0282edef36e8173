/**
 * One listing bucket read from several index partitions at once, merged newest first: the home cluster's
 * bucket has its own partition and the one of the layout before keys carried the account and region.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { RecordedTask } from '../../use-cases/ports.js';
import type { Item } from './items.js';
import type { Listing } from './listing-buckets.js';
import type { DynamoDbTableOptions } from './table-options.js';

/**
 * One bucket read from several partitions, merged newest first by the index sort key (unique within a
 * partition: time, then task id). A task in both partitions (its events straddled an upgrade) is shown
 * once, from the first partition, which holds its newer versions. `after` resumes below a sort key.
 * `visit` returns true when the page is full. `cutAfter` is the last entry gone through when the query
 * budget ran out (undefined: none yet), or `complete` when the bucket was read to its end.
 */
export async function listMergedBucket(
  db: Pick<DynamoDbTableOptions, 'client' | 'tableName'>,
  readListed: (entries: readonly Item[]) => Promise<(RecordedTask | undefined)[]>,
  args: {
    readonly pks: readonly string[];
    readonly listing: Listing;
    readonly after: string | undefined;
    readonly values: Item;
    readonly pageSize: number;
    readonly queriesLeft: number;
    readonly visit: (entry: Item, task: RecordedTask | undefined) => boolean;
  },
): Promise<{ queries: number; cutAfter: Item | undefined | 'complete' }> {
  const { partitionKey, sortKey, indexName } = args.listing.index;
  const sortOf = (entry: Item) => entry[sortKey]?.S ?? '';
  const streams = args.pks.map((pk) => ({
    pk,
    buffer: [] as Item[],
    next: undefined as Item | undefined,
    done: false,
  }));
  let queries = 0;
  let lastEntry: Item | undefined;
  let lastSort: string | undefined;
  const seenAtSort = new Set<string>();
  for (;;) {
    for (const stream of streams) {
      while (stream.buffer.length === 0 && !stream.done) {
        // A cursor at or below the window's low end leaves nothing; one above its high end is held to it.
        if (args.after !== undefined && args.after <= (args.values[':low']?.S ?? '')) {
          return { queries, cutAfter: 'complete' };
        }
        if (queries === args.queriesLeft) return { queries, cutAfter: lastEntry };
        queries += 1;
        const page = await db.client.send(
          new QueryCommand({
            TableName: db.tableName,
            IndexName: indexName,
            KeyConditionExpression: '#gpk = :bucket AND #gsk BETWEEN :low AND :high',
            ExpressionAttributeNames: { '#gpk': partitionKey, '#gsk': sortKey },
            ExpressionAttributeValues: {
              ...args.values,
              ...(args.after !== undefined && args.after < (args.values[':high']?.S ?? '')
                ? { ':high': { S: args.after } }
                : {}),
              ':bucket': { S: stream.pk },
            },
            ScanIndexForward: false,
            Limit: args.pageSize,
            ...(stream.next ? { ExclusiveStartKey: stream.next } : {}),
          }),
        );
        const after = args.after;
        stream.buffer = (page.Items ?? []).filter((entry) => after === undefined || sortOf(entry) < after);
        stream.next = page.LastEvaluatedKey;
        stream.done = stream.next === undefined;
      }
    }
    // Take entries in merged order while every unfinished partition still has one buffered, so that
    // nothing newer can arrive from a partition not yet read far enough.
    const chunk: Item[] = [];
    while (chunk.length < args.pageSize) {
      let pick: (typeof streams)[number] | undefined;
      for (const stream of streams) {
        const head = stream.buffer[0];
        if (head === undefined) {
          if (!stream.done) {
            pick = undefined;
            break;
          }
          continue;
        }
        if (!pick || sortOf(head) > sortOf(pick.buffer[0] as Item)) pick = stream;
      }
      if (!pick) break;
      chunk.push(pick.buffer.shift() as Item);
    }
    if (chunk.length === 0) return { queries, cutAfter: 'complete' };
    const tasks = await readListed(chunk);
    for (const [at, entry] of chunk.entries()) {
      lastEntry = entry;
      const sort = sortOf(entry);
      if (sort !== lastSort) seenAtSort.clear();
      lastSort = sort;
      const taskId = sort.slice(sort.lastIndexOf('#') + 1);
      if (seenAtSort.has(taskId)) continue;
      seenAtSort.add(taskId);
      if (args.visit(entry, tasks[at])) return { queries, cutAfter: entry };
    }
  }
}
