/**
 * The active-day registry: the cluster item (`pk=CLUSTERS`, `sk=<cluster>`) holds, in the string set
 * `activeDays`, the UTC days (`YYYY-MM-DD`) of the gsi1 partitions that hold the cluster's task summaries.
 * A listing reads the set once and queries only those days, instead of every day of the retention period.
 *
 * Days older than the oldest listed day are pruned, except the newest of them: it stays as a marker that
 * older tasks existed, which the failed-task listing needs (a task created before the retention window
 * may have failed inside it).
 */

/** The string-set attribute of the cluster item. */
export const ACTIVE_DAYS_ATTRIBUTE = 'activeDays';

const MS_PER_DAY = 86_400_000;

/**
 * The UTC day (`YYYY-MM-DD`) of an epoch-millisecond time.
 * @example utcDay(Date.parse('2024-03-10T23:59:59Z')) === '2024-03-10'
 */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The oldest day a listing reads: the day of `nowMs` minus the retention period. A summary expires
 * retentionDays after its last event, which is after its createdAt, so older days hold nothing to list.
 * @example oldestListedDay(Date.parse('2024-03-10T12:00:00Z'), 30) === '2024-02-09'
 */
export function oldestListedDay(nowMs: number, retentionDays: number): string {
  return utcDay(nowMs - retentionDays * MS_PER_DAY);
}

/**
 * The days a registry may drop: those before `oldestDay`, except the newest of them (the marker that the
 * cluster had tasks before the window). Empty when there is at most one such day.
 * @example prunableDays(['2024-01-01', '2024-01-02', '2024-03-01'], '2024-02-01') // ['2024-01-01']
 */
export function prunableDays(days: readonly string[], oldestDay: string): string[] {
  const stale = days.filter((day) => day < oldestDay).sort();
  return stale.slice(0, -1);
}

/**
 * Every day from `fromDay` to `toDay`, both included, oldest first; empty when `fromDay` is after `toDay`.
 * @example daysFromTo('2024-02-28', '2024-03-01') // ['2024-02-28', '2024-02-29', '2024-03-01']
 */
export function daysFromTo(fromDay: string, toDay: string): string[] {
  const days: string[] = [];
  const lastMs = Date.parse(`${toDay}T00:00:00.000Z`);
  for (let dayMs = Date.parse(`${fromDay}T00:00:00.000Z`); dayMs <= lastMs; dayMs += MS_PER_DAY) {
    days.push(utcDay(dayMs));
  }
  return days;
}
