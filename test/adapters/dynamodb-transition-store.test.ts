import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillActiveDays } from '../../lambda/adapters/dynamodb/active-days-backfill.js';
import { DynamoDbTransitionStore } from '../../lambda/adapters/dynamodb/dynamodb-transition-store.js';
import { CLUSTERS_PK, clusterSk, taskPk } from '../../lambda/adapters/dynamodb/keys.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import { decodeTaskItem } from '../../lambda/adapters/dynamodb/task-item.js';
import { clusterIdOfTask } from '../../lambda/core/cluster-id.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { classifyFailure } from '../../lambda/core/failure.js';
import type { TaskTransition } from '../../lambda/core/model.js';
import { clusterNamed, FIXTURE_CLUSTERS } from '../support/clusters.js';
import { createTracerTable, type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { eventFixtureNames, loadEvent } from '../support/fixtures.js';

const PROD = clusterNamed('prod');

const NOW_MS = Date.parse('2020-02-01T00:00:00Z');
const RETENTION_DAYS = 90;
const DAY_S = 86_400;

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

async function freshStore(): Promise<{ store: DynamoDbTransitionStore; options: DynamoDbTableOptions }> {
  tables += 1;
  const tableName = `transitions-${tables}`;
  await createTracerTable(db.client, tableName);
  const options = {
    client: db.client,
    tableName,
    retentionDays: RETENTION_DAYS,
    clock: { nowMs: () => NOW_MS },
  };
  return { store: new DynamoDbTransitionStore(options), options };
}

function transition(name: string, change: (t: TaskTransition) => TaskTransition = (t) => t): TaskTransition {
  const event = parseEcsEvent(loadEvent(name));
  if (event.type !== 'task-state-change') throw new Error(`${name} is not a task state change`);
  return change(event.transition);
}

async function getItem(options: DynamoDbTableOptions, pk: string, sk: string) {
  const { Item } = await options.client.send(
    new GetItemCommand({
      TableName: options.tableName,
      Key: { pk: { S: pk }, sk: { S: sk } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

const taskSk = 'TASK';

/** Every task state change fixture, parsed: the transitions the item layout must give back exactly. */
const ALL_TRANSITIONS = eventFixtureNames()
  .filter((name) => loadEvent(name)['detail-type'] === 'ECS Task State Change')
  .map((name) => parseEcsEvent(loadEvent(name)))
  .flatMap((event) => (event.type === 'task-state-change' ? [event.transition] : []));

describe('DynamoDbTransitionStore.recordTransition', () => {
  it('adds each version to one task item, with a TTL from createdAt while the task runs', async () => {
    // Prepare
    const { store, options } = await freshStore();
    const running = transition('lifecycle-fargate-4-running');

    // Act
    const outcome = await store.recordTransition({ summary: running });

    // Assess
    expect(outcome).toEqual({ transition: 'stored', summary: 'advanced' });
    const item = await getItem(options, taskPk(FIXTURE_CLUSTERS.FargateCluster, running.taskId), taskSk);
    expect(decodeTaskItem(item ?? {}, 'FargateCluster', running.taskId)[0]?.transition.lastStatus).toBe(
      'RUNNING',
    );
    expect(item?.c0n).toEqual({ S: 'FargateApp' });
    expect(item?.expiresAt).toEqual({
      N: String(Math.floor(Date.parse('2020-01-23T17:57:34.402Z') / 1000) + RETENTION_DAYS * DAY_S),
    });
    expect(item?.v4?.M).not.toHaveProperty('sc');
  });

  it('keeps a stopped task retentionDays after it stopped', async () => {
    const { store, options } = await freshStore();
    const stopped = transition('lifecycle-fargate-6-stopped');
    await store.recordTransition({ summary: transition('lifecycle-fargate-4-running') });

    await store.recordTransition({ summary: stopped });

    const item = await getItem(options, taskPk(FIXTURE_CLUSTERS.FargateCluster, stopped.taskId), taskSk);
    expect(item?.expiresAt).toEqual({
      N: String(Math.floor(Date.parse(stopped.stoppedAt ?? '') / 1000) + RETENTION_DAYS * DAY_S),
    });
  });

  it('reports the same version again as a duplicate and keeps the first write', async () => {
    const { store, options } = await freshStore();
    const first = transition('lifecycle-fargate-4-running');
    await store.recordTransition({ summary: first });
    const key = taskPk(FIXTURE_CLUSTERS.FargateCluster, first.taskId);
    const before = await getItem(options, key, taskSk);

    const outcome = await store.recordTransition({ summary: { ...first, eventId: 'another-delivery' } });

    expect(outcome).toEqual({ transition: 'duplicate', summary: 'stale' });
    expect(await getItem(options, key, taskSk)).toEqual(before);
  });

  it('stores an older version that arrives late, and says it is not the newest', async () => {
    const { store } = await freshStore();
    await store.recordTransition({ summary: transition('lifecycle-fargate-6-stopped') });

    const outcome = await store.recordTransition({ summary: transition('lifecycle-fargate-4-running') });

    expect(outcome).toEqual({ transition: 'stored', summary: 'stale' });
  });

  it.each(ALL_TRANSITIONS.map((t) => [`${t.taskId}@${t.version}`, t] as const))(
    'reads %s back exactly as it was parsed',
    async (_label, t) => {
      const { store, options } = await freshStore();
      const failure = classifyFailure(t);

      await store.recordTransition(failure ? { summary: t, failure } : { summary: t });

      const item = await getItem(options, taskPk(clusterIdOfTask(t), t.taskId), taskSk);
      const [decoded] = decodeTaskItem(item ?? {}, t.clusterName, t.taskId);
      expect(decoded?.transition).toStrictEqual(t);
      expect(decoded?.failure).toStrictEqual(failure);
    },
  );

  it('reads every version of a task back, whatever fields each one carried and whatever the order', async () => {
    const { store, options } = await freshStore();
    const versions = eventFixtureNames('lifecycle-fargate-').map((name) => transition(name));

    for (const t of [...versions].reverse()) await store.recordTransition({ summary: t });

    const item = await getItem(
      options,
      taskPk(FIXTURE_CLUSTERS.FargateCluster, versions[0]?.taskId ?? ''),
      taskSk,
    );
    const decoded = decodeTaskItem(item ?? {}, 'FargateCluster', versions[0]?.taskId ?? '');
    expect(decoded.map((d) => d.transition)).toStrictEqual(versions);
  });

  it('takes the region and account from the partition key instead of storing them again', async () => {
    // Prepare
    const { store, options } = await freshStore();
    const running = transition('lifecycle-fargate-4-running');

    // Act
    await store.recordTransition({ summary: running });

    // Assess
    const item = await getItem(options, taskPk(clusterIdOfTask(running), running.taskId), taskSk);
    expect(item).not.toHaveProperty('rg');
    expect(item).not.toHaveProperty('ac');
    const [decoded] = decodeTaskItem(item ?? {}, 'FargateCluster', running.taskId);
    expect(decoded?.transition).toStrictEqual(running);
  });

  it('packs a container entry of presence bits and a status into one number, and reads the map form too', async () => {
    // Prepare
    const { store, options } = await freshStore();
    const running = transition('lifecycle-fargate-4-running');
    await store.recordTransition({ summary: running });
    const item = (await getItem(options, taskPk(clusterIdOfTask(running), running.taskId), taskSk)) ?? {};
    const entries = item.v4?.M?.c?.L ?? [];

    // Act: the same item with its container entries as maps, as items written before the number hold them
    const asMaps = {
      ...item,
      v4: {
        M: {
          ...item.v4?.M,
          c: {
            L: entries.map((entry) => ({
              M: {
                p: { N: String(Math.floor(Number(entry.N) / 64)) },
                s: { N: String(Number(entry.N) % 64) },
              },
            })),
          },
        },
      },
    };

    // Assess
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((entry) => entry.N !== undefined)).toBe(true);
    expect(decodeTaskItem(item, 'FargateCluster', running.taskId)[0]?.transition).toStrictEqual(running);
    expect(decodeTaskItem(asMaps, 'FargateCluster', running.taskId)[0]?.transition).toStrictEqual(running);
  });

  it('keeps the region and account of a task that names another than its cluster ARN', async () => {
    // Prepare
    const { store, options } = await freshStore();
    const elsewhere = transition('lifecycle-fargate-4-running', (t) => ({
      ...t,
      account: '999988887777',
      region: 'eu-west-1',
    }));

    // Act
    await store.recordTransition({ summary: elsewhere });

    // Assess
    const item = await getItem(options, taskPk(clusterIdOfTask(elsewhere), elsewhere.taskId), taskSk);
    expect(item?.rg).toEqual({ S: 'eu-west-1' });
    expect(item?.ac).toEqual({ S: '999988887777' });
    const [decoded] = decodeTaskItem(item ?? {}, 'FargateCluster', elsewhere.taskId);
    expect(decoded?.transition).toStrictEqual(elsewhere);
  });

  it('keeps a version its own value of something the task item already holds with another', async () => {
    const { store, options } = await freshStore();
    const running = transition('lifecycle-fargate-4-running');
    const restarted = transition('lifecycle-fargate-6-stopped', (t) => ({
      ...t,
      containers: t.containers.map((c) => ({ ...c, runtimeId: 'restarted-container' })),
      platformVersion: '1.4.0',
    }));
    await store.recordTransition({ summary: running });

    await store.recordTransition({ summary: restarted });

    const item = await getItem(options, taskPk(FIXTURE_CLUSTERS.FargateCluster, running.taskId), taskSk);
    expect(
      decodeTaskItem(item ?? {}, 'FargateCluster', running.taskId).map((d) => d.transition),
    ).toStrictEqual([running, restarted]);
  });

  it('lists the task under the UTC day it was created', async () => {
    const { store, options } = await freshStore();
    const running = transition('lifecycle-fargate-4-running');

    await store.recordTransition({ summary: running });

    const item = await getItem(options, taskPk(FIXTURE_CLUSTERS.FargateCluster, running.taskId), taskSk);
    expect(item?.lpk).toEqual({ S: 'C#111122223333:us-west-2:FargateCluster#2020-01-23' });
    expect(item?.lsk).toEqual({ S: `2020-01-23T17:57:34.402Z#${running.taskId}` });
    expect(item).not.toHaveProperty('fpk');
  });

  it('lists the task under the event time when ECS left createdAt out', async () => {
    const { store, options } = await freshStore();
    const { createdAt: _createdAt, ...withoutCreatedAt } = transition('lifecycle-fargate-4-running');

    await store.recordTransition({ summary: withoutCreatedAt });

    const item = await getItem(
      options,
      taskPk(FIXTURE_CLUSTERS.FargateCluster, withoutCreatedAt.taskId),
      taskSk,
    );
    expect(item?.lsk).toEqual({ S: `2020-01-23T17:57:58.000Z#${withoutCreatedAt.taskId}` });
  });

  it('lists a failed task under the month it stopped and stores its classification', async () => {
    const { store, options } = await freshStore();
    const oom = transition('task-stopped-oom');
    const failure = classifyFailure(oom);

    await store.recordTransition({ summary: oom, failure });

    const item = await getItem(options, taskPk(FIXTURE_CLUSTERS.Features, oom.taskId), taskSk);
    expect(item?.fpk).toEqual({ S: 'F#0123456789:eu-west-1:Features#2020-06' });
    expect(item?.fsk).toEqual({ S: `2020-06-05T14:02:37.412Z#${oom.taskId}` });
    const [decoded] = decodeTaskItem(item ?? {}, 'Features', oom.taskId);
    expect(decoded?.failure).toMatchObject({ kind: 'out-of-memory', failed: true });
  });

  it('keeps a task that stopped cleanly out of the failed listing', async () => {
    const { store, options } = await freshStore();
    const stopped = transition('lifecycle-fargate-6-stopped');

    await store.recordTransition({ summary: stopped, failure: classifyFailure(stopped) });

    const item = await getItem(options, taskPk(FIXTURE_CLUSTERS.FargateCluster, stopped.taskId), taskSk);
    expect(decodeTaskItem(item ?? {}, 'FargateCluster', stopped.taskId)[0]?.failure?.failed).toBe(false);
    expect(item).not.toHaveProperty('fpk');
  });

  it('rejects when the table does not exist', async () => {
    const store = new DynamoDbTransitionStore({
      client: db.client,
      tableName: 'no-such-table',
      retentionDays: 1,
      clock: { nowMs: () => NOW_MS },
    });

    await expect(
      store.recordTransition({ summary: transition('lifecycle-fargate-1-provisioning') }),
    ).rejects.toThrow(/non-existent table|not found|ResourceNotFound/i);
  });
});

describe('DynamoDbTransitionStore.registerCluster', () => {
  it('moves lastSeenAt forward only, with a TTL from the end of the last seen day', async () => {
    const { store, options } = await freshStore();
    await store.registerCluster(PROD, '2020-01-10T00:00:00.000Z', '2020-01-10T08:00:00.000Z');
    await store.registerCluster(PROD, '2020-01-12T00:00:00.000Z', '2020-01-12T08:00:00.000Z');

    await store.registerCluster(PROD, '2020-01-11T00:00:00.000Z', '2020-01-11T08:00:00.000Z');

    const item = await getItem(options, CLUSTERS_PK, clusterSk(PROD));
    expect(item?.lastSeenAt).toEqual({ S: '2020-01-12T00:00:00.000Z' });
    expect(item?.expiresAt).toEqual({
      N: String(Date.parse('2020-01-13T00:00:00Z') / 1000 + RETENTION_DAYS * DAY_S),
    });
  });

  it('keeps the listing days of the cluster as a string set, whatever the order of registration', async () => {
    // Prepare
    const { store, options } = await freshStore();

    // Act
    await store.registerCluster(PROD, '2020-01-31T00:00:00.000Z', '2020-01-30T23:59:00.000Z');
    await store.registerCluster(PROD, '2020-01-20T00:00:00.000Z', '2020-01-20T01:00:00.000Z');
    await store.registerCluster(PROD, '2020-01-31T00:00:00.000Z', '2020-01-31T00:00:01.000Z');

    // Assess
    const item = await getItem(options, CLUSTERS_PK, clusterSk(PROD));
    expect(item?.activeDays?.SS?.sort()).toEqual(['2020-01-20', '2020-01-30', '2020-01-31']);
    expect(item?.itemType).toEqual({ S: 'cluster' });
    expect(item?.clusterName).toEqual({ S: 'prod' });
  });

  it('leaves the cluster item identical whatever the order and number of registrations', async () => {
    // Prepare
    const registrations: [string, string][] = [
      ['2020-01-10T00:00:00.000Z', '2020-01-10T05:00:00.000Z'],
      ['2020-01-11T00:00:00.000Z', '2020-01-10T05:00:00.000Z'],
      ['2020-01-11T00:00:00.000Z', '2020-01-11T05:00:00.000Z'],
      ['2020-01-25T00:00:00.000Z', '2020-01-02T05:00:00.000Z'],
      ['2020-01-25T00:00:00.000Z', '2020-01-25T05:00:00.000Z'],
    ];
    const reference = await freshStore();
    for (const [seenAt, listedAt] of registrations) {
      await reference.store.registerCluster(PROD, seenAt, listedAt);
    }
    const expected = normalizedItem(await getItem(reference.options, CLUSTERS_PK, clusterSk(PROD)));

    // Act and assess
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([...registrations, ...registrations], {
          minLength: 2 * registrations.length,
          maxLength: 2 * registrations.length,
        }),
        async (order) => {
          const { store, options } = await freshStore();
          for (const [seenAt, listedAt] of order) await store.registerCluster(PROD, seenAt, listedAt);
          expect(normalizedItem(await getItem(options, CLUSTERS_PK, clusterSk(PROD)))).toEqual(expected);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('writes the cluster item once when it registers a new cluster', async () => {
    // Prepare
    const { store, writes } = await countingStore();

    // Act
    await store.registerCluster(PROD, '2020-01-31T00:00:00.000Z', '2020-01-31T01:00:00.000Z');

    // Assess
    expect(writes).toEqual(['UpdateItemCommand']);
  });

  it('prunes days older than the retention window, except the newest of them', async () => {
    // Prepare
    const { store, options } = await freshStore();
    const oldestListed = '2019-11-03'; // NOW_MS minus 90 days
    for (const day of ['2019-10-01', '2019-10-20', '2019-11-02', oldestListed]) {
      await store.registerCluster(PROD, '2020-01-31T00:00:00.000Z', `${day}T12:00:00.000Z`);
    }

    // Act
    await store.registerCluster(PROD, '2020-02-01T00:00:00.000Z', '2020-02-01T00:00:00.000Z');

    // Assess
    const item = await getItem(options, CLUSTERS_PK, clusterSk(PROD));
    expect(item?.activeDays?.SS?.sort()).toEqual(['2019-11-02', oldestListed, '2020-02-01']);
  });

  it('starts the registry of a cluster item written before it existed with every day of the window', async () => {
    // Prepare
    const { store, options } = await freshStore();
    await putLegacyClusterItem(options, clusterSk(PROD), '2020-01-20T00:00:00.000Z');

    // Act
    await store.registerCluster(PROD, '2020-01-31T00:00:00.000Z', '2020-01-31T10:00:00.000Z');

    // Assess
    const item = await getItem(options, CLUSTERS_PK, clusterSk(PROD));
    const days = item?.activeDays?.SS?.sort() ?? [];
    expect(days).toHaveLength(RETENTION_DAYS + 1);
    expect(days[0]).toBe('2019-11-03');
    expect(days.at(-1)).toBe('2020-02-01');
    expect(item?.lastSeenAt).toEqual({ S: '2020-01-31T00:00:00.000Z' });
  });

  it('fails when DynamoDB rejects the write', async () => {
    const { options } = await freshStore();
    const missing = new DynamoDbTransitionStore({ ...options, tableName: 'no-such-table' });

    await expect(
      missing.registerCluster(PROD, '2020-01-31T00:00:00.000Z', '2020-01-31T10:00:00.000Z'),
    ).rejects.toThrow(/non-existent table|not found/i);
  });
});

describe('backfillActiveDays', () => {
  const FARGATE = clusterSk(FIXTURE_CLUSTERS.FargateCluster);
  const EMPTY = clusterSk(clusterNamed('empty'));
  it('gives a cluster item written before the registry the days of its tasks', async () => {
    // Prepare
    const { store, options } = await freshStore();
    await putLegacyClusterItem(options, FARGATE, '2020-01-23T00:00:00.000Z');
    await putLegacyClusterItem(options, EMPTY, '2020-01-23T00:00:00.000Z');
    await store.registerCluster(
      clusterNamed('current'),
      '2020-01-30T00:00:00.000Z',
      '2020-01-30T01:00:00.000Z',
    );
    const running = transition('lifecycle-fargate-4-running');
    const later = { ...running, taskId: 'later', createdAt: '2020-01-28T10:00:00.000Z' };
    await store.recordTransition({ summary: running });
    await store.recordTransition({ summary: later });

    // Act
    const filled = await backfillActiveDays(options);
    const again = await backfillActiveDays(options);

    // Assess
    expect(filled.sort()).toEqual([EMPTY, FARGATE].sort());
    expect(again).toEqual([]);
    const fargate = await getItem(options, CLUSTERS_PK, FARGATE);
    expect(fargate?.activeDays?.SS?.sort()).toEqual(['2020-01-23', '2020-01-28']);
    expect(fargate?.lastSeenAt).toEqual({ S: '2020-01-23T00:00:00.000Z' });
    // Before the window: a listing of the empty cluster reads nothing.
    expect((await getItem(options, CLUSTERS_PK, EMPTY))?.activeDays?.SS).toEqual(['2019-11-02']);
    expect((await getItem(options, CLUSTERS_PK, clusterSk(clusterNamed('current'))))?.activeDays?.SS).toEqual(
      ['2020-01-30'],
    );
  });
});

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
        expiresAt: { N: String(Date.parse(seenAt) / 1000 + RETENTION_DAYS * DAY_S) },
      },
    }),
  );
}

/** The item with its string sets sorted: a set has no order, and DynamoDB returns any. */
function normalizedItem(item: Record<string, AttributeValue> | undefined) {
  return Object.fromEntries(
    Object.entries(item ?? {}).map(([name, value]) => [
      name,
      value.SS ? { SS: [...value.SS].sort() } : value,
    ]),
  );
}

/** A store whose client notes every write command it sends. */
async function countingStore() {
  const { options } = await freshStore();
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
  });
  clients.push(client);
  const writes: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^(PutItem|UpdateItem|DeleteItem)Command$/.test(context.commandName ?? '')) {
        writes.push(context.commandName ?? '');
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  return { store: new DynamoDbTransitionStore({ ...options, client }), writes };
}
