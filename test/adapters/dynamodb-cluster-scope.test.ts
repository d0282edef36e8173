/**
 * Clusters are keyed by account, region and name: two clusters named `prod` in two accounts are recorded,
 * listed and traced apart, and items recorded before keys carried the account read as the home cluster's.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbInstanceStore } from '../../lambda/adapters/dynamodb/dynamodb-instance-store.js';
import { DynamoDbServiceEventStore } from '../../lambda/adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../../lambda/adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import { DynamoDbTransitionStore } from '../../lambda/adapters/dynamodb/dynamodb-transition-store.js';
import {
  CLUSTERS_PK,
  clusterSk,
  serviceEventSk,
  servicePk,
  TASK_SK,
  taskPk,
  UNSCOPED_LAYOUT,
} from '../../lambda/adapters/dynamodb/keys.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import { silentLogger } from '../../lambda/config/logger.js';
import type { ClusterId } from '../../lambda/core/cluster-id.js';
import { buildTaskTrace } from '../../lambda/use-cases/build-trace.js';
import { resolveRecordedCluster } from '../../lambda/use-cases/query-tasks.js';
import { createRecorderCache, recordEvent } from '../../lambda/use-cases/record-event.js';
import { FakeTaskDefinitionSource } from '../fakes/in-memory-recorder.js';
import { FakeServiceEventSource, fixedClock, InMemoryLogSource } from '../fakes/trace-ports.js';
import { createTracerTable, type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadEvent } from '../support/fixtures.js';

const NOW = Date.parse('2020-01-24T00:00:00Z');
const HOME = { account: '111122223333', region: 'us-west-2' } as const;
const PROD_HOME: ClusterId = { ...HOME, name: 'prod' };
const PROD_OTHER: ClusterId = { account: '222233334444', region: 'ap-northeast-1', name: 'prod' };
const TASK_ID = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';

/** A real Fargate event, moved into cluster `prod` of the given account and region. */
function eventIn(name: string, cluster: ClusterId): unknown {
  const text = JSON.stringify(loadEvent(name))
    .replaceAll('arn:aws:ecs:us-west-2:111122223333:', `arn:aws:ecs:${cluster.region}:${cluster.account}:`)
    .replaceAll('/FargateCluster', `/${cluster.name}`);
  return { ...JSON.parse(text), account: cluster.account, region: cluster.region };
}

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite();
}, 60_000);

afterAll(async () => {
  await db?.stop();
});

async function freshTable() {
  tables += 1;
  const tableName = `scope-${tables}`;
  await createTracerTable(db.client, tableName);
  const table: DynamoDbTableOptions = {
    client: db.client,
    tableName,
    retentionDays: 90,
    clock: fixedClock(NOW),
    home: HOME,
  };
  const recorder = {
    transitions: new DynamoDbTransitionStore(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    taskDefinitionSource: new FakeTaskDefinitionSource(),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new FakeServiceEventSource(undefined),
    instances: new DynamoDbInstanceStore(table),
    clock: fixedClock(NOW),
    logger: silentLogger,
    cache: createRecorderCache(),
  };
  const history = new DynamoDbTaskHistory(table);
  return { table, recorder, history };
}

describe('two clusters named prod in two accounts', () => {
  it('are recorded, listed and traced apart', async () => {
    // Prepare
    const { table, recorder, history } = await freshTable();
    await recordEvent(recorder, eventIn('lifecycle-fargate-4-running', PROD_HOME));
    await recordEvent(recorder, eventIn('lifecycle-fargate-6-stopped', PROD_OTHER));

    // Act
    const clusters = await history.listClusters();
    const homeTask = await history.getTask(PROD_HOME, TASK_ID);
    const otherTask = await history.getTask(PROD_OTHER, TASK_ID);
    const homeList = await history.listTasks({ cluster: PROD_HOME, limit: 10, sinceMs: 0 });
    const otherList = await history.listTasks({ cluster: PROD_OTHER, limit: 10, sinceMs: 0 });
    const trace = await buildTaskTrace(
      {
        history,
        taskDefinitions: new DynamoDbTaskDefinitionStore(table),
        taskDefinitionSource: new FakeTaskDefinitionSource(),
        serviceEvents: new DynamoDbServiceEventStore(table),
        logs: new InMemoryLogSource(),
        clock: fixedClock(NOW),
      },
      { cluster: PROD_OTHER, taskId: TASK_ID, durationMs: 60_000 },
    );

    // Assess
    expect(clusters.map((c) => c.clusterArn).sort()).toEqual([
      'arn:aws:ecs:ap-northeast-1:222233334444:cluster/prod',
      'arn:aws:ecs:us-west-2:111122223333:cluster/prod',
    ]);
    expect(homeTask?.summary).toMatchObject({ account: HOME.account, lastStatus: 'RUNNING' });
    expect(otherTask?.summary).toMatchObject({ account: PROD_OTHER.account, lastStatus: 'STOPPED' });
    expect(homeList.items.map((t) => t.summary.lastStatus)).toEqual(['RUNNING']);
    expect(otherList.items.map((t) => t.summary.lastStatus)).toEqual(['STOPPED']);
    expect(trace.task.summary.account).toBe(PROD_OTHER.account);
    expect(trace.task.summary.lastStatus).toBe('STOPPED');
  });

  it('fails to resolve the bare name, naming both ARNs, and resolves it with the account and region', async () => {
    // Prepare
    const { recorder, history } = await freshTable();
    await recordEvent(recorder, eventIn('lifecycle-fargate-4-running', PROD_HOME));
    await recordEvent(recorder, eventIn('lifecycle-fargate-4-running', PROD_OTHER));

    // Act
    const ambiguous = resolveRecordedCluster({ history }, { name: 'prod' }, HOME);

    // Assess
    await expect(ambiguous).rejects.toThrow(
      /arn:aws:ecs:ap-northeast-1:222233334444:cluster\/prod, arn:aws:ecs:us-west-2:111122223333:cluster\/prod/,
    );
    const narrowed = await resolveRecordedCluster(
      { history },
      { name: 'prod', account: '222233334444' },
      HOME,
    );
    expect(narrowed).toEqual(PROD_OTHER);
  });

  it('keys EC2 notices by account and region, since instance ids are unique only there', async () => {
    // Prepare
    const { table } = await freshTable();
    const store = new DynamoDbInstanceStore(table);
    const notice = {
      eventId: 'e1',
      time: '2020-01-23T17:00:00.000Z',
      ec2InstanceId: 'i-0a1b2c3d4e5f60789',
      notice: 'spot-interruption-warning' as const,
    };

    // Act
    await store.recordEc2InstanceNotice(PROD_OTHER, notice);

    // Assess
    const { Item } = await db.client.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: {
          pk: { S: 'EC2#222233334444:ap-northeast-1:i-0a1b2c3d4e5f60789' },
          sk: { S: 'H#2020-01-23T12' },
        },
      }),
    );
    expect(Item).toBeDefined();
  });
});

describe('items recorded before keys carried the account and region', () => {
  /** Moves the task's item and its cluster item back to the unscoped layout, as an earlier recorder wrote them. */
  async function unscope(table: DynamoDbTableOptions, cluster: ClusterId): Promise<void> {
    const moves = [
      [taskPk(cluster, TASK_ID), TASK_SK, UNSCOPED_LAYOUT.taskPk(cluster.name, TASK_ID), TASK_SK],
      [CLUSTERS_PK, clusterSk(cluster), CLUSTERS_PK, UNSCOPED_LAYOUT.clusterSk(cluster.name)],
    ] as const;
    for (const [pk, sk, toPk, toSk] of moves) {
      const key = { pk: { S: pk }, sk: { S: sk } };
      const { Item } = await db.client.send(new GetItemCommand({ TableName: table.tableName, Key: key }));
      if (!Item) throw new Error(`no item at ${pk} ${sk}`);
      await db.client.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: { ...Item, pk: { S: toPk }, sk: { S: toSk } },
        }),
      );
      await db.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: key }));
    }
  }

  it('read as the home cluster, and only as it', async () => {
    // Prepare
    const { table, recorder, history } = await freshTable();
    await recordEvent(recorder, eventIn('lifecycle-fargate-6-stopped', PROD_HOME));
    await unscope(table, PROD_HOME);

    // Act
    const clusters = await history.listClusters();
    const asHome = await history.getTask(PROD_HOME, TASK_ID);
    const transitions = await history.listTransitions(PROD_HOME, TASK_ID);
    const elsewhere = await history.getTask(PROD_OTHER, TASK_ID);

    // Assess
    expect(clusters).toEqual([
      {
        account: HOME.account,
        region: HOME.region,
        clusterName: 'prod',
        clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/prod',
        lastSeenAt: '2020-01-23T00:00:00.000Z',
      },
    ]);
    expect(asHome?.summary).toMatchObject({ taskId: TASK_ID, clusterName: 'prod', lastStatus: 'STOPPED' });
    expect(transitions.map((t) => t.version)).toEqual([asHome?.summary.version]);
    expect(elsewhere).toBeUndefined();
  });

  it('list the home cluster once when it has both an unscoped and a scoped item, last seen at the newer', async () => {
    // Prepare: an unscoped cluster item, then the same cluster recorded after the upgrade.
    const { table, recorder, history } = await freshTable();
    await recordEvent(recorder, eventIn('lifecycle-fargate-6-stopped', PROD_HOME));
    await unscope(table, PROD_HOME);
    const later = eventIn('lifecycle-fargate-6-stopped', PROD_HOME) as Record<string, unknown>;
    await recordEvent(
      { ...recorder, cache: createRecorderCache() },
      { ...later, time: '2020-01-24T00:00:00Z' },
    );

    // Act
    const clusters = await history.listClusters();

    // Assess
    expect(clusters.map((c) => [c.clusterArn, c.lastSeenAt])).toEqual([
      ['arn:aws:ecs:us-west-2:111122223333:cluster/prod', '2020-01-24T00:00:00.000Z'],
    ]);
  });

  it('add the service events of the unscoped partition of a home cluster to its own, in order', async () => {
    // Prepare: one event recorded before the upgrade, one after.
    const { table } = await freshTable();
    const store = new DynamoDbServiceEventStore(table);
    const event = (eventId: string, createdAt: string) => ({
      clusterName: 'prod',
      serviceName: 'web',
      eventId,
      createdAt,
      message: `(service web) ${eventId}`,
      source: 'service-action' as const,
    });
    await store.putServiceEvents(PROD_HOME, [event('before', '2020-01-23T10:00:00.000Z')]);
    const scopedKey = {
      pk: { S: servicePk(PROD_HOME, 'web') },
      sk: { S: serviceEventSk('2020-01-23T10:00:00.000Z', 'before') },
    };
    const { Item } = await db.client.send(new GetItemCommand({ TableName: table.tableName, Key: scopedKey }));
    await db.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { ...Item, pk: { S: UNSCOPED_LAYOUT.servicePk('prod', 'web') } },
      }),
    );
    await db.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: scopedKey }));
    await store.putServiceEvents(PROD_HOME, [event('after', '2020-01-23T11:00:00.000Z')]);

    // Act
    const home = await store.listServiceEvents(PROD_HOME, 'web', 0, NOW);
    const elsewhere = await store.listServiceEvents(PROD_OTHER, 'web', 0, NOW);

    // Assess
    expect(home.map((e) => e.eventId)).toEqual(['before', 'after']);
    expect(elsewhere).toEqual([]);
  });
});

describe('listings of the home cluster across an upgrade', () => {
  /** The stopped event of a task of PROD_HOME with its own id, created at the given time. */
  function taskEvent(taskId: string, createdAt: string): unknown {
    const event = JSON.parse(
      JSON.stringify(eventIn('lifecycle-fargate-6-stopped', PROD_HOME)).replaceAll(TASK_ID, taskId),
    ) as { detail: Record<string, unknown> };
    return { ...event, detail: { ...event.detail, createdAt } };
  }

  /** Rewrites every item of the cluster into the unscoped layout, keys of the listing indexes included. */
  async function unscopeAll(table: DynamoDbTableOptions, cluster: ClusterId, taskIds: readonly string[]) {
    const scope = `${cluster.account}:${cluster.region}:${cluster.name}`;
    const moves: [string, string, string, string][] = [
      ...taskIds.map((id): [string, string, string, string] => [
        taskPk(cluster, id),
        TASK_SK,
        UNSCOPED_LAYOUT.taskPk(cluster.name, id),
        TASK_SK,
      ]),
      [CLUSTERS_PK, clusterSk(cluster), CLUSTERS_PK, UNSCOPED_LAYOUT.clusterSk(cluster.name)],
    ];
    for (const [pk, sk, toPk, toSk] of moves) {
      const key = { pk: { S: pk }, sk: { S: sk } };
      const { Item } = await db.client.send(new GetItemCommand({ TableName: table.tableName, Key: key }));
      if (!Item) throw new Error(`no item at ${pk} ${sk}`);
      const moved: Record<string, AttributeValue> = { ...Item, pk: { S: toPk }, sk: { S: toSk } };
      for (const name of ['lpk', 'fpk']) {
        const value = moved[name]?.S;
        if (value) moved[name] = { S: value.replace(scope, cluster.name) };
      }
      await db.client.send(new PutItemCommand({ TableName: table.tableName, Item: moved }));
      await db.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: key }));
    }
  }

  const ids = (n: number) => `${'0'.repeat(31)}${n}`;

  async function upgradedCluster() {
    const { table, recorder, history } = await freshTable();
    const record = (id: string, createdAt: string) =>
      recordEvent({ ...recorder, cache: createRecorderCache() }, taskEvent(id, createdAt));
    // Before the upgrade: tasks 1, 2 and 4.
    await record(ids(1), '2020-01-20T01:00:00.000Z');
    await record(ids(2), '2020-01-21T01:00:00.000Z');
    await record(ids(4), '2020-01-22T02:00:00.000Z');
    await unscopeAll(table, PROD_HOME, [ids(1), ids(2), ids(4)]);
    // After it: task 3 (created before, first recorded after), 5, 6, and task 2 again (its events straddle).
    await record(ids(3), '2020-01-22T01:00:00.000Z');
    await record(ids(5), '2020-01-23T01:00:00.000Z');
    await record(ids(6), '2020-01-23T02:00:00.000Z');
    await record(ids(2), '2020-01-21T01:00:00.000Z');
    return history;
  }

  it('lists tasks of both layouts newest first, a task in both once', async () => {
    // Prepare
    const history = await upgradedCluster();

    // Act
    const all = await history.listTasks({ cluster: PROD_HOME, limit: 50 });
    const elsewhere = await history.listTasks({ cluster: PROD_OTHER, limit: 50 });

    // Assess
    expect(all.items.map((t) => t.summary.taskId)).toEqual([6, 5, 4, 3, 2, 1].map(ids));
    expect(all.nextCursor).toBeUndefined();
    expect(elsewhere.items).toEqual([]);
  });

  it('pages through both layouts with the cursor, each task once', async () => {
    // Prepare
    const history = await upgradedCluster();

    // Act
    const seen: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await history.listTasks({ cluster: PROD_HOME, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(page.items.map((t) => t.summary.taskId));
      cursor = page.nextCursor;
    } while (cursor);

    // Assess
    expect(seen).toEqual([
      [ids(6), ids(5)],
      [ids(4), ids(3)],
      [ids(2), ids(1)],
    ]);
  });

  it('keeps a resumed page within the time window, even when the cursor lies outside it', async () => {
    // Prepare: the cursor stops after task 6, created at 02:00 on the 23rd.
    const history = await upgradedCluster();
    const cursor = (await history.listTasks({ cluster: PROD_HOME, limit: 1 })).nextCursor as string;

    // Act
    const later = await history.listTasks({
      cluster: PROD_HOME,
      limit: 2,
      cursor,
      sinceMs: Date.parse('2020-01-23T02:30:00Z'),
    });
    const earlier = await history.listTasks({
      cluster: PROD_HOME,
      limit: 5,
      cursor,
      untilMs: Date.parse('2020-01-23T00:30:00Z'),
    });

    // Assess
    expect(later.items).toEqual([]);
    expect(earlier.items.map((t) => t.summary.taskId)).toEqual([4, 3, 2, 1].map(ids));
  });

  it('refuses a cursor of the home cluster on a cluster of another account', async () => {
    // Prepare
    const history = await upgradedCluster();
    const page = await history.listTasks({ cluster: PROD_HOME, limit: 3 });

    // Act
    const other = history.listTasks({ cluster: PROD_OTHER, limit: 3, cursor: page.nextCursor as string });

    // Assess
    await expect(other).rejects.toThrow(
      /cursor is not valid for this listing: it belongs to another cluster/,
    );
  });
});
