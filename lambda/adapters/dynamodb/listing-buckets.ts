/**
 * The two task listings (all tasks by listing day, failed tasks by stop month): their buckets, the index
 * partitions of a bucket, and the cursor that says where a listing stopped.
 */
import { type ClusterId, type HomeScope, isHomeCluster } from '../../core/cluster-id.js';
import { InvalidInputError } from '../../core/errors.js';
import { utcDay } from './active-days.js';
import {
  clusterDayPk,
  failedMonthPk,
  GSI_FAILED_BY_MONTH,
  GSI_TASKS_BY_DAY,
  TABLE_KEY,
  UNSCOPED_LAYOUT,
} from './keys.js';

const MS_PER_DAY = 86_400_000;

export type ListingIndex = typeof GSI_TASKS_BY_DAY | typeof GSI_FAILED_BY_MONTH;

/** One of the two listings: all tasks by listing day, failed tasks by stop month. */
export interface Listing {
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
  bucketPk(cluster: ClusterId, bucket: string): string;
  /**
   * The partitions that hold a bucket's entries: the cluster's, and for the home cluster also the one of
   * the layout before keys carried the account and region (entries kept from before an upgrade).
   */
  bucketPks(cluster: ClusterId, bucket: string, home: HomeScope | undefined): string[];
}

export const BY_CREATED_DAY: Listing = {
  index: GSI_TASKS_BY_DAY,
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
  bucketPks: (cluster, bucket, home) =>
    isHomeCluster(cluster, home)
      ? [clusterDayPk(cluster, bucket), UNSCOPED_LAYOUT.clusterDayPk(cluster.name, bucket)]
      : [clusterDayPk(cluster, bucket)],
};

export const FAILED_BY_STOPPED_MONTH: Listing = {
  index: GSI_FAILED_BY_MONTH,
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
  bucketPks: (cluster, bucket, home) =>
    isHomeCluster(cluster, home)
      ? [failedMonthPk(cluster, bucket), UNSCOPED_LAYOUT.failedMonthPk(cluster.name, bucket)]
      : [failedMonthPk(cluster, bucket)],
};

function newestFirst(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

/**
 * Where a listing stopped: the bucket, and the index key of the last entry it went through there, or no
 * key when the next request starts at the top of the bucket.
 */
export interface ListCursor {
  readonly index: string;
  readonly bucket: string;
  readonly key?: Readonly<Record<string, string>>;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(
    JSON.stringify({ v: 2, i: cursor.index, b: cursor.bucket, k: cursor.key ?? null }),
  ).toString('base64url');
}

export function decodeCursor(
  raw: string,
  listing: Listing,
  cluster: ClusterId,
  home: HomeScope | undefined,
): ListCursor {
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
  if (v !== 2 || typeof i !== 'string' || typeof b !== 'string' || typeof k !== 'object') {
    throw invalid('not a cursor tracer issued');
  }
  if (i !== listing.index.indexName) throw invalid('it belongs to a different filter');
  if (!/^\d{4}-\d{2}(-\d{2})?$/.test(b)) throw invalid('not a cursor tracer issued');
  if (k === null) return { index: i, bucket: b };
  const { partitionKey, sortKey } = listing.index;
  const key = k as Record<string, unknown>;
  const names = [TABLE_KEY.partitionKey, TABLE_KEY.sortKey, partitionKey, sortKey];
  if (!names.every((name) => typeof key[name] === 'string')) throw invalid('not a cursor tracer issued');
  if (!listing.bucketPks(cluster, b, home).includes(key[partitionKey] as string)) {
    throw invalid('it belongs to another cluster');
  }
  return { index: i, bucket: b, key: key as Record<string, string> };
}
