import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbTaskHistory,
  MAX_QUERY_PAGES,
} from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import {
  DynamoDbTransitionStore,
  listingTime,
} from '../../lambda/adapters/dynamodb/dynamodb-transition-store.js';
import { CLUSTERS_PK, clusterSk } from '../../lambda/adapters/dynamodb/keys.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import { clusterIdOfTask } from '../../lambda/core/cluster-id.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { InvalidInputError } from '../../lambda/core/errors.js';
import { classifyFailure } from '../../lambda/core/failure.js';
import type { TaskTransition } from '../../lambda/core/model.js';
import type { ListTasksQuery, RecordedTask } from '../../lambda/use-cases/ports.js';
import { clusterNamed, FIXTURE_CLUSTERS } from '../support/clusters.js';
import { createTracerTable, type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadEvent } from '../support/fixtures.js';

const RETENTION_DAYS = 30;
/** The account and region of the tasks `task()` derives from the Fargate fixture. */
const WEST = { account: '111122223333', region: 'us-west-2' } as const;
const inWest = (name: string) => clusterNamed(name, WEST);
const DAY_MS = 86_400_000;

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
const clients: DynamoDBClient[] = [];
afterAll(async () => {
  for (const client of clients) client.destroy();
  await db.stop();
});

/** A table with its own clock, which a test moves to make items expire. */
async function freshTable(nowIso: string, retentionDays = RETENTION_DAYS) {
  tables += 1;
  const tableName = `history-${tables}`;
  await createTracerTable(db.client, tableName);
  const clock = { nowMs: Date.parse(nowIso) };
  const options: DynamoDbTableOptions = {
    client: db.client,
    tableName,
    retentionDays,
    clock: { nowMs: () => clock.nowMs },
  };
  return {
    clock,
    options,
    store: new DynamoDbTransitionStore(options),
    history: new DynamoDbTaskHistory(options),
  };
}

/** A history over its own client, which notes the name of every command it sends. */
function countingHistory(options: DynamoDbTableOptions) {
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
  });
  clients.push(client);
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? '');
      return next(args);
    },
    { step: 'initialize' },
  );
  const count = (name: string) => commands.filter((command) => command === name).length;
  return { history: new DynamoDbTaskHistory({ ...options, client }), commands, count };
}

/** A cluster item as the recorder wrote it before the active-day registry existed. */
async function putLegacyClusterItem(options: DynamoDbTableOptions, scope: string, seenAt: string) {
  const clusterName = scope.slice(scope.lastIndexOf(':') + 1);
  await options.client.send(
    new PutItemCommand({
      TableName: options.tableName,
      Item: {
        pk: { S: CLUSTERS_PK },
        sk: { S: scope },
        itemType: { S: 'cluster' },
        clusterName: { S: clusterName },
        lastSeenAt: { S: seenAt },
        expiresAt: { N: String(Date.parse(seenAt) / 1000 + options.retentionDays * 86_400) },
      },
    }),
  );
}

/** Writes a task's transition and summary without registering its day, as the recorder did before. */
async function recordWithoutRegistry(store: DynamoDbTransitionStore, t: TaskTransition): Promise<void> {
  const failure = classifyFailure(t);
  await store.recordTransition(failure ? { summary: t, failure } : { summary: t });
}

function fixture(name: string): TaskTransition {
  const event = parseEcsEvent(loadEvent(name));
  if (event.type !== 'task-state-change') throw new Error(`${name} is not a task state change`);
  return event.transition;
}

/** A task of cluster `prod` created at `createdAt`, derived from a real stopped or running event. */
function task(
  taskId: string,
  createdAt: string,
  base = 'lifecycle-fargate-4-running',
  change: Partial<TaskTransition> = {},
): TaskTransition {
  const t = fixture(base);
  const shiftMs = Date.parse(createdAt) - Date.parse(t.createdAt ?? t.eventTime);
  const shift = (iso: string | undefined) =>
    iso === undefined ? undefined : new Date(Date.parse(iso) + shiftMs).toISOString();
  return {
    ...t,
    clusterName: 'prod',
    clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/prod',
    taskArn: `arn:aws:ecs:us-west-2:111122223333:task/prod/${taskId}`,
    taskId,
    createdAt,
    eventTime: shift(t.eventTime) ?? createdAt,
    startedAt: shift(t.startedAt),
    stoppedAt: shift(t.stoppedAt),
    ...change,
  };
}

/** Records a transition as the recorder does: the cluster and its listing day first, then the task. */
async function record(store: DynamoDbTransitionStore, t: TaskTransition): Promise<void> {
  await store.registerCluster(
    clusterIdOfTask(t),
    `${t.eventTime.slice(0, 10)}T00:00:00.000Z`,
    listingTime(t),
  );
  const failure = classifyFailure(t);
  await store.recordTransition(failure ? { summary: t, failure } : { summary: t });
}

async function listAll(history: DynamoDbTaskHistory, query: Omit<ListTasksQuery, 'cursor'>) {
  const pages: RecordedTask[][] = [];
  let cursor: string | undefined;
  do {
    const page = await history.listTasks(cursor === undefined ? query : { ...query, cursor });
    pages.push([...page.items]);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 50);
  return pages;
}

const ids = (tasks: readonly RecordedTask[]) => tasks.map((t) => t.summary.taskId);

describe('DynamoDbTaskHistory.getTask and listTransitions', () => {
  it('returns the summary with its failure classification', async () => {
    const { store, history } = await freshTable('2020-06-06T00:00:00Z');
    const oom = fixture('task-stopped-oom');
    await record(store, oom);

    const recorded = await history.getTask(FIXTURE_CLUSTERS.Features, oom.taskId);

    expect(recorded?.summary).toEqual(oom);
    expect(recorded?.failure).toEqual(classifyFailure(oom));
  });

  it('returns undefined for a task it never recorded', async () => {
    const { history } = await freshTable('2020-06-06T00:00:00Z');

    expect(await history.getTask(FIXTURE_CLUSTERS.Features, 'nope')).toBeUndefined();
  });

  it('lists a task transitions in version order, whatever order they were written in', async () => {
    const { store, history } = await freshTable('2020-01-24T00:00:00Z');
    const names = [6, 2, 4, 1, 5, 3].map(
      (v) =>
        [
          'lifecycle-fargate-1-provisioning',
          'lifecycle-fargate-2-pending',
          'lifecycle-fargate-3-pending',
          'lifecycle-fargate-4-running',
          'lifecycle-fargate-5-deprovisioning',
          'lifecycle-fargate-6-stopped',
        ][v - 1] ?? '',
    );
    for (const name of names) await record(store, fixture(name));

    const transitions = await history.listTransitions(
      FIXTURE_CLUSTERS.FargateCluster,
      'c13b4cb40f1f4fe4a2971f76ae5a47ad',
    );

    expect(transitions.map((t) => t.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(transitions[3]).toEqual(fixture('lifecycle-fargate-4-running'));
  });

  it('ignores a task whose items expired but were not swept yet', async () => {
    // Prepare
    const { clock, store, history } = await freshTable('2020-01-24T00:00:00Z');
    const running = fixture('lifecycle-fargate-4-running');
    await record(store, running);

    // Act
    clock.nowMs = Date.parse(running.eventTime) + RETENTION_DAYS * DAY_MS + 1_000;

    // Assess
    expect(await history.getTask(FIXTURE_CLUSTERS.FargateCluster, running.taskId)).toBeUndefined();
    expect(await history.listTransitions(FIXTURE_CLUSTERS.FargateCluster, running.taskId)).toEqual([]);
    expect(
      (await history.listTasks({ cluster: inWest('FargateCluster'), limit: 10, sinceMs: 0 })).items,
    ).toEqual([]);
  });
});

describe('DynamoDbTaskHistory.listTasks', () => {
  it('lists tasks newest first across days, page by page, without repeating or skipping one', async () => {
    // Prepare
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    const created = [
      ['t01', '2024-03-10T09:00:00.000Z'],
      ['t02', '2024-03-10T08:00:00.000Z'],
      ['t03', '2024-03-09T23:59:59.999Z'],
      ['t04', '2024-03-09T00:00:00.000Z'],
      ['t05', '2024-03-07T10:00:00.000Z'],
      ['t06', '2024-03-07T10:00:00.000Z'],
      ['t07', '2024-02-20T01:00:00.000Z'],
    ] as const;
    for (const [id, at] of [...created].reverse()) await record(store, task(id, at));

    // Act
    const pages = await listAll(history, { cluster: inWest('prod'), limit: 2 });

    // Assess
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flatMap(ids)).toEqual(['t01', 't02', 't03', 't04', 't06', 't05', 't07']);
  });

  it('returns no cursor when the last page is exactly full', async () => {
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    await record(store, task('a', '2024-03-10T01:00:00.000Z'));
    await record(store, task('b', '2024-03-01T01:00:00.000Z'));

    const page = await history.listTasks({ cluster: inWest('prod'), limit: 2 });

    expect(ids(page.items)).toEqual(['a', 'b']);
    expect(page.nextCursor).toBeUndefined();
  });

  it('keeps the listing inside since and until', async () => {
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    for (const [id, at] of [
      ['new', '2024-03-10T10:00:00.000Z'],
      ['edge-high', '2024-03-09T12:00:00.000Z'],
      ['middle', '2024-03-08T12:00:00.000Z'],
      ['edge-low', '2024-03-07T12:00:00.000Z'],
      ['old', '2024-03-07T11:59:59.999Z'],
    ] as const) {
      await record(store, task(id, at));
    }

    const pages = await listAll(history, {
      cluster: inWest('prod'),
      limit: 1,
      sinceMs: Date.parse('2024-03-07T12:00:00Z'),
      untilMs: Date.parse('2024-03-09T12:00:00Z'),
    });

    expect(pages.flatMap(ids)).toEqual(['edge-high', 'middle', 'edge-low']);
  });

  it('filters by lastStatus across pages', async () => {
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    for (let i = 0; i < 12; i += 1) {
      const at = new Date(Date.parse('2024-03-10T00:00:00Z') - i * 7 * 3_600_000).toISOString();
      const base = i % 3 === 0 ? 'lifecycle-fargate-6-stopped' : 'lifecycle-fargate-4-running';
      await record(store, task(`task-${String(i).padStart(2, '0')}`, at, base));
    }

    const pages = await listAll(history, { cluster: inWest('prod'), limit: 3, status: 'STOPPED' });

    expect(pages.flatMap(ids)).toEqual(['task-00', 'task-03', 'task-06', 'task-09']);
    expect(pages.flat().every((t) => t.summary.lastStatus === 'STOPPED')).toBe(true);
  });

  it('lists only failed tasks, newest stop first, when failedOnly is set', async () => {
    // Prepare
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    await record(store, task('clean', '2024-03-09T10:00:00.000Z', 'lifecycle-fargate-6-stopped'));
    await record(store, task('running', '2024-03-09T11:00:00.000Z'));
    await record(store, task('oom-march', '2024-03-08T10:00:00.000Z', 'task-stopped-oom'));
    await record(store, task('pull-feb', '2024-02-27T10:00:00.000Z', 'task-stopped-image-pull'));
    await record(store, task('spot', '2024-03-08T09:00:00.000Z', 'task-stopped-spot-interruption'));
    await record(
      store,
      task('exit-feb', '2024-02-15T10:00:00.000Z', 'task-state-change_fargate_stopped_fivexl-fixture'),
    );

    // Act
    const pages = await listAll(history, { cluster: inWest('prod'), limit: 2, failedOnly: true });

    // Assess
    expect(pages.flatMap(ids)).toEqual(['oom-march', 'pull-feb', 'exit-feb']);
    expect(pages.flat().map((t) => t.failure?.kind)).toEqual([
      'out-of-memory',
      'image-pull',
      'essential-container-exited',
    ]);
  });

  it('lists a sparse cluster newest first across pages with one Query per day that holds tasks', async () => {
    // Prepare
    const { store, options } = await freshTable('2024-03-10T12:00:00Z', 90);
    await record(store, task('recent', '2024-03-10T01:00:00.000Z'));
    await record(store, task('older', '2023-12-21T01:00:00.000Z'));
    const { history, commands, count } = countingHistory(options);

    // Act
    const pages = await listAll(history, { cluster: inWest('prod'), limit: 1 });

    // Assess
    expect(pages.map(ids)).toEqual([['recent'], ['older']]);
    // Page one reads both days (the second tells that a next page exists); page two resumes after the
    // first task in its day, then reads the older day.
    expect(count('QueryCommand')).toBe(4);
    expect(count('GetItemCommand')).toBe(2);
    // The indexes hold only keys: each index page that found tasks reads them with one BatchGetItem.
    expect(count('BatchGetItemCommand')).toBe(3);
    expect(commands).toHaveLength(9);
  });

  it('reads at most MAX_QUERY_PAGES index pages a request and returns a cursor to go on', async () => {
    // Prepare: tasks on more registered days than one request may query, listed by status so that no
    // page fills up.
    const { store, options } = await freshTable('2024-03-20T12:00:00Z', 90);
    const days = MAX_QUERY_PAGES + 3;
    for (let day = 1; day <= days; day += 1) {
      await record(store, task(`task-${day}`, `2024-03-${String(day).padStart(2, '0')}T01:00:00.000Z`));
    }
    const { history, count } = countingHistory(options);

    // Act
    const first = await history.listTasks({ cluster: inWest('prod'), limit: 5, status: 'STOPPED' });
    const queriesOfFirst = count('QueryCommand');
    const rest = await listAll(history, { cluster: inWest('prod'), limit: 5, status: 'STOPPED' });
    const running = await listAll(history, { cluster: inWest('prod'), limit: 100 });

    // Assess
    expect(first.items).toEqual([]);
    expect(first.nextCursor).toBeDefined();
    expect(queriesOfFirst).toBe(MAX_QUERY_PAGES);
    expect(rest.flat()).toEqual([]);
    expect(running.flat().map((t) => t.summary.taskId)).toEqual(
      Array.from({ length: days }, (_, i) => `task-${days - i}`),
    );
  });

  it('reads only the cluster item for a cluster it never recorded', async () => {
    const { store, options } = await freshTable('2024-03-10T12:00:00Z');
    await record(store, task('a', '2024-03-10T01:00:00.000Z'));
    const { history, commands } = countingHistory(options);

    const page = await history.listTasks({ cluster: inWest('staging'), limit: 10, sinceMs: 0 });

    expect(page).toEqual({ items: [] });
    expect(commands).toEqual(['GetItemCommand']);
  });

  it('walks every day of the retention period for a cluster item written before the registry', async () => {
    // Prepare
    const { store, options } = await freshTable('2024-03-10T12:00:00Z');
    await putLegacyClusterItem(options, clusterSk(inWest('prod')), '2024-03-10T00:00:00.000Z');
    for (const [id, at] of [
      ['new', '2024-03-10T10:00:00.000Z'],
      ['old', '2024-02-12T10:00:00.000Z'],
    ] as const) {
      await recordWithoutRegistry(store, task(id, at));
    }
    const { history, count } = countingHistory(options);

    // Act
    const pages = await listAll(history, { cluster: inWest('prod'), limit: 10, sinceMs: 0 });

    // Assess
    expect(pages.flatMap(ids)).toEqual(['new', 'old']);
    expect(count('QueryCommand')).toBe(RETENTION_DAYS + 1);
  });

  it('keeps listing the older tasks of a cluster item written before the registry once the recorder upgrades it', async () => {
    // Prepare
    const { store, history, options } = await freshTable('2024-03-10T12:00:00Z');
    await putLegacyClusterItem(options, clusterSk(inWest('prod')), '2024-03-09T00:00:00.000Z');
    await recordWithoutRegistry(store, task('before', '2024-02-20T10:00:00.000Z'));
    await recordWithoutRegistry(store, task('today-before', '2024-03-10T08:00:00.000Z'));

    // Act
    await record(store, task('after', '2024-03-10T11:00:00.000Z'));
    const pages = await listAll(history, { cluster: inWest('prod'), limit: 2 });

    // Assess
    expect(pages.flatMap(ids)).toEqual(['after', 'today-before', 'before']);
  });

  it('lists a failed task created before the window that stopped inside it', async () => {
    // Prepare
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    const longRunning = task('long-running', '2024-01-20T10:00:00.000Z', 'task-stopped-oom', {
      stoppingAt: '2024-02-28T23:59:59.000Z',
      executionStoppedAt: '2024-02-28T23:59:59.500Z',
      stoppedAt: '2024-02-28T23:59:59.900Z',
      eventTime: '2024-02-29T00:00:00.000Z',
    });
    await record(store, task('recent', '2024-03-09T10:00:00.000Z'));

    // Act
    await record(store, longRunning);
    const failed = await listAll(history, { cluster: inWest('prod'), limit: 10, failedOnly: true });
    const all = await listAll(history, { cluster: inWest('prod'), limit: 10 });

    // Assess
    expect(failed.flatMap(ids)).toEqual(['long-running']);
    // Its createdAt lies before the retention window, where no listing by createdAt reads.
    expect(all.flatMap(ids)).toEqual(['recent']);
  });

  it('reads for failed tasks only the months from the oldest active day to the last seen day', async () => {
    // Prepare
    const { store, options } = await freshTable('2024-03-10T12:00:00Z', 90);
    await record(store, task('oom', '2024-01-05T10:00:00.000Z', 'task-stopped-oom'));
    await record(store, task('ok', '2024-01-06T10:00:00.000Z', 'lifecycle-fargate-6-stopped'));
    const { history, count } = countingHistory(options);

    // Act
    const page = await history.listTasks({ cluster: inWest('prod'), limit: 10, failedOnly: true });

    // Assess
    expect(ids(page.items)).toEqual(['oom']);
    expect(count('QueryCommand')).toBe(1);
  });

  it('goes on with the older days when the day of its cursor is no longer registered', async () => {
    // Prepare
    const { store, history, options } = await freshTable('2024-03-10T12:00:00Z');
    for (const [id, at] of [
      ['a', '2024-03-10T02:00:00.000Z'],
      ['b', '2024-03-10T01:00:00.000Z'],
      ['c', '2024-03-01T01:00:00.000Z'],
    ] as const) {
      await record(store, task(id, at));
    }
    const first = await history.listTasks({ cluster: inWest('prod'), limit: 1 });
    await options.client.send(
      new UpdateItemCommand({
        TableName: options.tableName,
        Key: { pk: { S: CLUSTERS_PK }, sk: { S: clusterSk(inWest('prod')) } },
        UpdateExpression: 'DELETE activeDays :day',
        ExpressionAttributeValues: { ':day': { SS: ['2024-03-10'] } },
      }),
    );

    // Act
    const rest = await history.listTasks({
      cluster: inWest('prod'),
      limit: 10,
      cursor: first.nextCursor ?? '',
    });

    // Assess
    expect(ids(first.items)).toEqual(['a']);
    expect(ids(rest.items)).toEqual(['c']);
  });

  it('rejects a cursor that lies after the until time', async () => {
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    await record(store, task('a', '2024-03-10T02:00:00.000Z'));
    await record(store, task('b', '2024-03-10T01:00:00.000Z'));
    const { nextCursor } = await history.listTasks({ cluster: inWest('prod'), limit: 1 });

    await expect(
      history.listTasks({
        cluster: inWest('prod'),
        limit: 1,
        cursor: nextCursor ?? '',
        untilMs: Date.parse('2024-03-09T00:00:00Z'),
      }),
    ).rejects.toThrow(/after the until time/);
  });

  it('lists nothing for another cluster', async () => {
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    await record(store, task('a', '2024-03-10T01:00:00.000Z'));

    expect((await history.listTasks({ cluster: inWest('staging'), limit: 10 })).items).toEqual([]);
  });

  it.each<[string, number]>([
    ['zero', 0],
    ['too large', 1001],
    ['fractional', 1.5],
  ])('rejects a %s limit', async (_label, limit) => {
    const { history } = await freshTable('2024-03-10T12:00:00Z');

    await expect(history.listTasks({ cluster: inWest('prod'), limit })).rejects.toThrow(InvalidInputError);
  });

  it.each<[string, string]>([
    ['garbage', 'not-a-cursor!'],
    ['valid JSON of another shape', Buffer.from('{"hello":1}').toString('base64url')],
  ])('rejects a cursor that is %s', async (_label, cursor) => {
    const { history } = await freshTable('2024-03-10T12:00:00Z');

    await expect(history.listTasks({ cluster: inWest('prod'), limit: 1, cursor })).rejects.toThrow(
      /cursor is not valid/,
    );
  });

  it('rejects a cursor of another cluster or another filter', async () => {
    const { store, history } = await freshTable('2024-03-10T12:00:00Z');
    await record(store, task('a', '2024-03-10T01:00:00.000Z'));
    await record(store, task('b', '2024-03-10T00:00:00.000Z'));
    const { nextCursor } = await history.listTasks({ cluster: inWest('prod'), limit: 1 });
    expect(nextCursor).toBeDefined();
    const cursor = nextCursor ?? '';

    await expect(history.listTasks({ cluster: inWest('staging'), limit: 1, cursor })).rejects.toThrow(
      /another cluster/,
    );
    await expect(
      history.listTasks({ cluster: inWest('prod'), limit: 1, cursor, failedOnly: true }),
    ).rejects.toThrow(/different filter/);
  });
});

describe('DynamoDbTaskHistory.listClusters', () => {
  it('lists the registered clusters by name and drops expired ones', async () => {
    const { clock, store, history } = await freshTable('2024-03-10T12:00:00Z');
    await store.registerCluster(inWest('prod'), '2024-03-10T00:00:00.000Z', '2024-03-10T01:00:00.000Z');
    await store.registerCluster(inWest('legacy'), '2024-02-05T00:00:00.000Z', '2024-02-05T01:00:00.000Z');
    await store.registerCluster(inWest('batch'), '2024-03-01T00:00:00.000Z', '2024-03-01T01:00:00.000Z');

    const before = await history.listClusters();
    clock.nowMs = Date.parse('2024-03-06T00:00:00Z');
    const after = await history.listClusters();

    expect(before).toEqual([
      {
        account: '111122223333',
        region: 'us-west-2',
        clusterName: 'batch',
        clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/batch',
        lastSeenAt: '2024-03-01T00:00:00.000Z',
      },
      {
        account: '111122223333',
        region: 'us-west-2',
        clusterName: 'prod',
        clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/prod',
        lastSeenAt: '2024-03-10T00:00:00.000Z',
      },
    ]);
    expect(after.map((c) => c.clusterName)).toEqual(['batch', 'legacy', 'prod']);
  });
});
