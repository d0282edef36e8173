/**
 * Local mode's task listing asks only for the days that hold tasks, and must answer exactly what the
 * table's own listing answers, page for page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import { InvalidInputError } from '../../lambda/core/errors.js';
import { loadListingDays } from '../../lambda/local/dynamodb-listing-days.js';
import { ListingDays, LocalTaskHistory } from '../../lambda/local/local-task-history.js';
import type { ListTasksQuery, Page, RecordedTask, TaskHistory } from '../../lambda/use-cases/ports.js';
import { recordEvent } from '../../lambda/use-cases/record-event.js';
import { type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadEvent } from '../support/fixtures.js';
import { dynamoRecorderDeps } from '../support/recorder.js';

const NOW_MS = Date.parse('2024-06-01T00:00:00Z');
const CLUSTER = 'test';

/** Tasks created over several days; every third one failed (its essential container exited). */
const TASKS = [
  '2024-01-05T10:00:00.000Z',
  '2024-01-05T12:00:00.000Z',
  '2024-02-10T08:00:00.000Z',
  '2024-02-10T08:00:00.000Z',
  '2024-02-10T23:59:59.999Z',
  '2024-03-01T00:00:00.000Z',
  '2024-05-20T16:30:00.000Z',
].map((createdAt, index) => ({
  createdAt,
  taskId: `${String(index).padStart(2, '0')}${'a'.repeat(30)}`,
  failed: index % 3 === 0,
}));

function eventOf(task: (typeof TASKS)[number]) {
  const event = loadEvent(task.failed ? 'failure-essential-exit' : 'failure-user-stop');
  const stoppedAt = new Date(Date.parse(task.createdAt) + 3_600_000).toISOString();
  event.detail = {
    ...event.detail,
    taskArn: `arn:aws:ecs:eu-central-1:111111111111:task/${CLUSTER}/${task.taskId}`,
    clusterArn: `arn:aws:ecs:eu-central-1:111111111111:cluster/${CLUSTER}`,
    createdAt: task.createdAt,
    stoppingAt: stoppedAt,
    executionStoppedAt: stoppedAt,
    stoppedAt,
  };
  event.id = `event-${task.taskId}`;
  event.time = stoppedAt;
  return event;
}

let db: DynaliteHandle;
let table: DynaliteHandle['client'];
let byTable: TaskHistory;
let local: LocalTaskHistory;

beforeAll(async () => {
  db = await startDynalite();
  table = db.client;
  const deps = dynamoRecorderDeps({
    client: db.client,
    tableName: db.tableName,
    nowMs: NOW_MS,
    retentionDays: 3650,
  });
  for (const task of TASKS) await recordEvent(deps, eventOf(task));
  const options: DynamoDbTableOptions = {
    client: db.client,
    tableName: db.tableName,
    retentionDays: 3650,
    clock: { nowMs: () => NOW_MS },
  };
  // The table's own listing walks every day of its retention; 160 days reach back to the oldest task.
  byTable = new DynamoDbTaskHistory({ ...options, retentionDays: 160 });
  local = new LocalTaskHistory(new DynamoDbTaskHistory(options), await loadListingDays(table, db.tableName));
});

afterAll(async () => {
  await db?.stop();
});

async function allPages(history: TaskHistory, query: Omit<ListTasksQuery, 'cursor'>): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page: Page<RecordedTask> = await history.listTasks({ ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.items.map((t) => t.summary.taskId));
    cursor = page.nextCursor;
  } while (cursor && pages.length < 20);
  return pages;
}

describe('LocalTaskHistory', () => {
  it('learns from the table which days hold tasks', async () => {
    // Act
    const days = await loadListingDays(table, db.tableName);

    // Assess
    expect(days.days(CLUSTER, false)).toEqual(['2024-05-20', '2024-03-01', '2024-02-10', '2024-01-05']);
    expect(days.days(CLUSTER, true)).toEqual(['2024-05-20', '2024-02-10', '2024-01-05']);
    expect(days.days('other', false)).toEqual([]);
  });

  it.each<[string, Omit<ListTasksQuery, 'cursor' | 'clusterName'>]>([
    ['all tasks in one page', { limit: 50 }],
    ['all tasks, two a page', { limit: 2 }],
    ['all tasks, one a page', { limit: 1 }],
    ['failed tasks, one a page', { limit: 1, failedOnly: true }],
    [
      'a time range',
      { limit: 2, sinceMs: Date.parse('2024-02-10T08:00:00Z'), untilMs: Date.parse('2024-03-01T00:00:00Z') },
    ],
    ['a status', { limit: 3, status: 'STOPPED' }],
  ])('lists %s as the table listing does', async (_name, query) => {
    // Act
    const expected = (await allPages(byTable, { clusterName: CLUSTER, ...query })).flat();
    const pages = await allPages(local, { clusterName: CLUSTER, ...query });

    // Assess
    expect(pages.flat()).toEqual(expected);
    expect(pages.slice(0, -1).every((page) => page.length === query.limit)).toBe(true);
  });

  it('finds tasks newest first across days', async () => {
    // Act
    const pages = await allPages(local, { clusterName: CLUSTER, limit: 50 });

    // Assess
    expect(pages).toEqual([
      [TASKS[6], TASKS[5], TASKS[4], TASKS[3], TASKS[2], TASKS[1], TASKS[0]].map((t) => t?.taskId),
    ]);
  });

  it('answers an empty page for a cluster it has never seen', async () => {
    expect(await local.listTasks({ clusterName: 'nobody', limit: 10 })).toEqual({ items: [] });
  });

  it('learns the days of tasks recorded after it started', async () => {
    // Prepare
    const days = new ListingDays();
    const history = new LocalTaskHistory(byTable, days);
    const deps = dynamoRecorderDeps({
      client: db.client,
      tableName: db.tableName,
      nowMs: NOW_MS,
      retentionDays: 3650,
    });
    const late = { createdAt: '2024-05-31T09:00:00.000Z', taskId: 'ff'.padEnd(32, 'b'), failed: false };
    const event = eventOf(late);
    const result = await recordEvent(deps, event);
    if (result.type !== 'task-state-change') throw new Error('expected a task state change');

    // Act
    const before = await history.listTasks({ clusterName: CLUSTER, limit: 10 });
    days.addCreated(CLUSTER, late.createdAt);
    const after = await history.listTasks({ clusterName: CLUSTER, limit: 10 });

    // Assess
    expect(before.items).toEqual([]);
    expect(after.items.map((t) => t.summary.taskId)).toEqual([late.taskId]);
  });

  it.each([
    ['not base64 JSON', '%%%'],
    [
      'a cursor of the table listing',
      Buffer.from(JSON.stringify({ v: 1, i: 'byClusterTime', b: '2024-01-05', k: {} })).toString('base64url'),
    ],
    [
      'a cursor of another cluster',
      Buffer.from(JSON.stringify({ v: 1, cluster: 'other', failed: false, day: '2024-01-05' })).toString(
        'base64url',
      ),
    ],
    [
      'a cursor of the failed listing',
      Buffer.from(JSON.stringify({ v: 1, cluster: CLUSTER, failed: true, day: '2024-01-05' })).toString(
        'base64url',
      ),
    ],
  ])('rejects %s as a cursor', async (_name, cursor) => {
    // Act
    const list = local.listTasks({ clusterName: CLUSTER, limit: 1, cursor });

    // Assess
    await expect(list).rejects.toBeInstanceOf(InvalidInputError);
    await expect(list).rejects.toThrow(/^cursor is not valid for this listing: /);
  });
});
