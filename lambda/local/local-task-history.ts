/**
 * The task listing for local mode. Local mode keeps tasks for years (the samples date from 2021), and the
 * table's listing walks one day bucket per query from now back to the end of retention: thousands of
 * empty queries. Local mode knows which days hold tasks, so it asks only for those.
 */
import { failedListingTime, listingTime } from '../adapters/dynamodb/dynamodb-transition-store.js';
import { InvalidInputError } from '../core/errors.js';
import type { TaskTransition } from '../core/model.js';
import type { ListTasksQuery, Page, RecordedCluster, RecordedTask, TaskHistory } from '../use-cases/ports.js';

const MS_PER_DAY = 86_400_000;

/** The UTC days (`YYYY-MM-DD`) on which each cluster has tasks, by listing. */
export class ListingDays {
  private readonly created = new Map<string, Set<string>>();
  private readonly failed = new Map<string, Set<string>>();

  /** Notes a day of the all-tasks listing (createdAt) of a cluster. */
  addCreated(clusterName: string, iso: string): void {
    add(this.created, clusterName, iso.slice(0, 10));
  }

  /** Notes a day of the failed-tasks listing (stoppedAt) of a cluster. */
  addFailed(clusterName: string, iso: string): void {
    add(this.failed, clusterName, iso.slice(0, 10));
  }

  /**
   * Notes the days where a transition may place its task. Noting a failed-listing day for a task that did
   * not fail costs one empty query at most.
   */
  addTransition(transition: TaskTransition): void {
    this.addCreated(transition.clusterName, listingTime(transition));
    this.addFailed(transition.clusterName, failedListingTime(transition));
  }

  /** The cluster's days of one listing, newest first. */
  days(clusterName: string, failedOnly: boolean): string[] {
    const days = (failedOnly ? this.failed : this.created).get(clusterName);
    return days ? [...days].sort().reverse() : [];
  }
}

function add(map: Map<string, Set<string>>, clusterName: string, day: string): void {
  let days = map.get(clusterName);
  if (!days) {
    days = new Set();
    map.set(clusterName, days);
  }
  days.add(day);
}

interface LocalListCursor {
  readonly v: 1;
  readonly cluster: string;
  readonly failed: boolean;
  readonly day: string;
  /** The table listing's cursor within that day. */
  readonly inner?: string;
}

function encodeCursor(cursor: Omit<LocalListCursor, 'v'>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...cursor })).toString('base64url');
}

function decodeCursor(raw: string, query: ListTasksQuery): LocalListCursor {
  const invalid = (why: string, cause?: unknown) =>
    new InvalidInputError(`cursor is not valid for this listing: ${why}`, cause ? { cause } : undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid('not a cursor tracer issued', error);
  }
  const cursor = parsed as Partial<LocalListCursor> | null;
  if (
    cursor === null ||
    typeof cursor !== 'object' ||
    cursor.v !== 1 ||
    typeof cursor.cluster !== 'string' ||
    typeof cursor.failed !== 'boolean' ||
    typeof cursor.day !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(cursor.day) ||
    (cursor.inner !== undefined && typeof cursor.inner !== 'string')
  ) {
    throw invalid('not a cursor tracer issued');
  }
  if (cursor.cluster !== query.clusterName) throw invalid('it belongs to another cluster');
  if (cursor.failed !== (query.failedOnly ?? false)) throw invalid('it belongs to a different filter');
  return cursor as LocalListCursor;
}

/**
 * A `TaskHistory` that answers listings day by day over the days known to hold tasks, and passes
 * everything else to the table's history unchanged.
 */
export class LocalTaskHistory implements TaskHistory {
  constructor(
    private readonly table: TaskHistory,
    readonly days: ListingDays,
  ) {}

  getTask(clusterName: string, taskId: string): Promise<RecordedTask | undefined> {
    return this.table.getTask(clusterName, taskId);
  }

  listTransitions(clusterName: string, taskId: string): Promise<TaskTransition[]> {
    return this.table.listTransitions(clusterName, taskId);
  }

  listClusters(): Promise<RecordedCluster[]> {
    return this.table.listClusters();
  }

  async listTasks(query: ListTasksQuery): Promise<Page<RecordedTask>> {
    const failedOnly = query.failedOnly ?? false;
    const sinceDay = query.sinceMs === undefined ? '' : new Date(query.sinceMs).toISOString().slice(0, 10);
    const untilDay =
      query.untilMs === undefined ? '\uffff' : new Date(query.untilMs).toISOString().slice(0, 10);
    const days = this.days.days(query.clusterName, failedOnly).filter((d) => d >= sinceDay && d <= untilDay);
    let first = 0;
    let resume: string | undefined;
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, query);
      first = days.findIndex((d) => d <= cursor.day);
      if (first < 0) return { items: [] };
      if (days[first] === cursor.day) resume = cursor.inner;
    }
    const items: RecordedTask[] = [];
    for (let index = first; index < days.length; index++) {
      const day = days[index] as string;
      const dayStartMs = Date.parse(`${day}T00:00:00.000Z`);
      const dayEndMs = dayStartMs + MS_PER_DAY - 1;
      const { cursor: _ignored, ...rest } = query;
      const page = await this.table.listTasks({
        ...rest,
        sinceMs: Math.max(query.sinceMs ?? dayStartMs, dayStartMs),
        untilMs: Math.min(query.untilMs ?? dayEndMs, dayEndMs),
        limit: query.limit - items.length,
        ...(resume !== undefined ? { cursor: resume } : {}),
      });
      resume = undefined;
      items.push(...page.items);
      const base = { cluster: query.clusterName, failed: failedOnly };
      if (page.nextCursor)
        return { items, nextCursor: encodeCursor({ ...base, day, inner: page.nextCursor }) };
      if (items.length >= query.limit) {
        const next = days[index + 1];
        return next === undefined ? { items } : { items, nextCursor: encodeCursor({ ...base, day: next }) };
      }
    }
    return { items };
  }
}
