import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTransitionStore } from '../../lambda/adapters/dynamodb/dynamodb-transition-store.js';
import { CLUSTERS_PK, SUMMARY_SK, taskPk, transitionSk } from '../../lambda/adapters/dynamodb/keys.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { classifyFailure } from '../../lambda/core/failure.js';
import type { TaskTransition } from '../../lambda/core/model.js';
import { createTracerTable, type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadEvent } from '../support/fixtures.js';

const NOW_MS = Date.parse('2020-02-01T00:00:00Z');
const RETENTION_DAYS = 90;
const DAY_S = 86_400;

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
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

describe('DynamoDbTransitionStore.putTransition', () => {
  it('stores a transition as native attributes with a TTL of event time plus retention', async () => {
    // Prepare
    const { store, options } = await freshStore();
    const running = transition('lifecycle-fargate-4-running');

    // Act
    const outcome = await store.putTransition(running);

    // Assess
    expect(outcome).toBe('stored');
    const item = await getItem(options, taskPk('FargateCluster', running.taskId), transitionSk(4));
    expect(item?.version).toEqual({ N: '4' });
    expect(item?.lastStatus).toEqual({ S: 'RUNNING' });
    expect(item?.containers?.L?.[0]?.M?.name).toEqual({ S: 'FargateApp' });
    expect(item?.itemType).toEqual({ S: 'transition' });
    expect(item?.expiresAt).toEqual({
      N: String(Date.parse('2020-01-23T17:57:58Z') / 1000 + RETENTION_DAYS * DAY_S),
    });
    expect(item).not.toHaveProperty('stopCode');
  });

  it('reports the same version again as a duplicate and keeps the first write', async () => {
    const { store, options } = await freshStore();
    const first = transition('lifecycle-fargate-4-running');
    await store.putTransition(first);

    const outcome = await store.putTransition({ ...first, eventId: 'another-delivery' });

    expect(outcome).toBe('duplicate');
    const item = await getItem(options, taskPk('FargateCluster', first.taskId), transitionSk(4));
    expect(item?.eventId).toEqual({ S: first.eventId });
  });

  it('rejects when the table does not exist', async () => {
    const store = new DynamoDbTransitionStore({
      client: db.client,
      tableName: 'no-such-table',
      retentionDays: 1,
      clock: { nowMs: () => NOW_MS },
    });

    await expect(store.putTransition(transition('lifecycle-fargate-1-provisioning'))).rejects.toThrow(
      /non-existent table|not found|ResourceNotFound/i,
    );
  });
});

describe('DynamoDbTransitionStore.advanceSummary', () => {
  it('moves the summary forward to a newer version', async () => {
    const { store, options } = await freshStore();
    await store.advanceSummary({ summary: transition('lifecycle-fargate-2-pending') });

    const outcome = await store.advanceSummary({ summary: transition('lifecycle-fargate-4-running') });

    expect(outcome).toBe('advanced');
    const item = await getItem(
      options,
      taskPk('FargateCluster', 'c13b4cb40f1f4fe4a2971f76ae5a47ad'),
      SUMMARY_SK,
    );
    expect(item?.version).toEqual({ N: '4' });
    expect(item?.lastStatus).toEqual({ S: 'RUNNING' });
  });

  it('keeps the stored state unchanged when an older version arrives late', async () => {
    // Prepare
    const { store, options } = await freshStore();
    const stopped = transition('lifecycle-fargate-6-stopped');
    await store.advanceSummary({ summary: stopped, failure: classifyFailure(stopped) });
    const key = taskPk('FargateCluster', stopped.taskId);
    const before = await getItem(options, key, SUMMARY_SK);

    // Act
    const outcome = await store.advanceSummary({ summary: transition('lifecycle-fargate-4-running') });

    // Assess
    expect(outcome).toBe('stale');
    expect(await getItem(options, key, SUMMARY_SK)).toEqual(before);
  });

  it('reports the same version again as stale', async () => {
    const { store } = await freshStore();
    await store.advanceSummary({ summary: transition('lifecycle-fargate-4-running') });

    expect(await store.advanceSummary({ summary: transition('lifecycle-fargate-4-running') })).toBe('stale');
  });

  it('lists the task under the UTC day it was created', async () => {
    const { store, options } = await freshStore();
    const running = transition('lifecycle-fargate-4-running');

    await store.advanceSummary({ summary: running });

    const item = await getItem(options, taskPk('FargateCluster', running.taskId), SUMMARY_SK);
    expect(item?.gsi1pk).toEqual({ S: 'C#FargateCluster#2020-01-23' });
    expect(item?.gsi1sk).toEqual({ S: `2020-01-23T17:57:34.402Z#${running.taskId}` });
    expect(item).not.toHaveProperty('gsi2pk');
  });

  it('lists the task under the event time when ECS left createdAt out', async () => {
    const { store, options } = await freshStore();
    const { createdAt: _createdAt, ...withoutCreatedAt } = transition('lifecycle-fargate-4-running');

    await store.advanceSummary({ summary: withoutCreatedAt });

    const item = await getItem(options, taskPk('FargateCluster', withoutCreatedAt.taskId), SUMMARY_SK);
    expect(item?.gsi1sk).toEqual({ S: `2020-01-23T17:57:58.000Z#${withoutCreatedAt.taskId}` });
  });

  it('lists a failed task under the month it stopped and stores its classification', async () => {
    const { store, options } = await freshStore();
    const oom = transition('task-stopped-oom');
    const failure = classifyFailure(oom);

    await store.advanceSummary({ summary: oom, failure });

    const item = await getItem(options, taskPk('Features', oom.taskId), SUMMARY_SK);
    expect(item?.gsi2pk).toEqual({ S: 'F#Features#2020-06' });
    expect(item?.gsi2sk).toEqual({ S: `2020-06-05T14:02:37.412Z#${oom.taskId}` });
    expect(item?.failure?.M?.kind).toEqual({ S: 'out-of-memory' });
    expect(item?.failure?.M?.failed).toEqual({ BOOL: true });
  });

  it('keeps a task that stopped cleanly out of the failed listing', async () => {
    const { store, options } = await freshStore();
    const stopped = transition('lifecycle-fargate-6-stopped');

    await store.advanceSummary({ summary: stopped, failure: classifyFailure(stopped) });

    const item = await getItem(options, taskPk('FargateCluster', stopped.taskId), SUMMARY_SK);
    expect(item?.failure?.M?.failed).toEqual({ BOOL: false });
    expect(item).not.toHaveProperty('gsi2pk');
  });
});

describe('DynamoDbTransitionStore.registerCluster', () => {
  it('moves lastSeenAt forward only', async () => {
    const { store, options } = await freshStore();
    await store.registerCluster('prod', '2020-01-10T00:00:00.000Z');
    await store.registerCluster('prod', '2020-01-12T00:00:00.000Z');

    await store.registerCluster('prod', '2020-01-11T00:00:00.000Z');

    const item = await getItem(options, CLUSTERS_PK, 'prod');
    expect(item?.lastSeenAt).toEqual({ S: '2020-01-12T00:00:00.000Z' });
    expect(item?.expiresAt).toEqual({
      N: String(Date.parse('2020-01-12T00:00:00Z') / 1000 + RETENTION_DAYS * DAY_S),
    });
  });
});
