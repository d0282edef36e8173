import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTaskDefinitionStore } from '../../lambda/adapters/dynamodb/dynamodb-task-definition-store.js';
import { TASK_DEFINITION_SK, taskDefinitionPk } from '../../lambda/adapters/dynamodb/keys.js';
import type { TaskDefinitionInfo } from '../../lambda/core/model.js';
import { createTracerTable, type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadLogDriverFixture } from '../support/log-driver-fixtures.js';

const ARN = 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1';
const RETENTION_DAYS = 90;

const described: TaskDefinitionInfo = {
  status: 'described',
  taskDefinitionArn: ARN,
  describedAt: '2020-01-23T17:57:40.000Z',
  containers: [
    {
      containerName: 'FargateApp',
      logDriver: 'awslogs',
      logGroup: '/ecs/sample-fargate',
      streamPrefix: 'ecs',
      region: 'us-west-2',
      essential: true,
    },
    { containerName: 'sidecar', essential: false },
  ],
};

/** The FireLens fixture's revision: a router's firelensConfiguration, options and secret option names. */
const fireLensDescribed: TaskDefinitionInfo = {
  ...(loadLogDriverFixture('fireLens').taskDefinitions[0] as TaskDefinitionInfo),
  taskDefinitionArn: ARN,
};

const unavailable: TaskDefinitionInfo = {
  status: 'unavailable',
  taskDefinitionArn: ARN,
  reason: 'ClientException: Unable to describe task definition.',
  describedAt: '2020-05-01T00:00:00.000Z',
};

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db.stop();
});

async function freshStore(nowIso: string) {
  tables += 1;
  const tableName = `task-definitions-${tables}`;
  await createTracerTable(db.client, tableName);
  const clock = { nowMs: Date.parse(nowIso) };
  const store = new DynamoDbTaskDefinitionStore({
    client: db.client,
    tableName,
    retentionDays: RETENTION_DAYS,
    clock: { nowMs: () => clock.nowMs },
  });
  return { store, clock, tableName };
}

describe('DynamoDbTaskDefinitionStore', () => {
  it.each([
    ['a described revision', described],
    ['an unavailable revision', unavailable],
    ['a FireLens revision, with its router and log options', fireLensDescribed],
  ])('returns %s as it was stored', async (_label, info) => {
    const { store } = await freshStore('2020-01-24T00:00:00Z');

    await store.putTaskDefinition(info);

    expect(await store.getTaskDefinition(ARN)).toEqual(info);
  });

  it('returns undefined for a revision it never stored', async () => {
    const { store } = await freshStore('2020-01-24T00:00:00Z');

    expect(await store.getTaskDefinition(ARN)).toBeUndefined();
  });

  it('keeps a revision for the retention period after it was last stored', async () => {
    // Prepare
    const { store, clock, tableName } = await freshStore('2020-01-24T00:00:00Z');
    await store.putTaskDefinition(described);
    clock.nowMs = Date.parse('2020-04-01T00:00:00Z');
    await store.putTaskDefinition(described);

    // Act
    clock.nowMs = Date.parse('2020-06-29T00:00:00Z');
    const stillThere = await store.getTaskDefinition(ARN);
    clock.nowMs = Date.parse('2020-06-30T00:00:01Z');
    const expired = await store.getTaskDefinition(ARN);

    // Assess
    expect(stillThere).toEqual(described);
    expect(expired).toBeUndefined();
    const { Item } = await db.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: taskDefinitionPk(ARN) }, sk: { S: TASK_DEFINITION_SK } },
      }),
    );
    expect(Item?.expiresAt).toEqual({
      N: String(Date.parse('2020-04-01T00:00:00Z') / 1000 + RETENTION_DAYS * 86_400),
    });
    expect(Item?.containers?.L).toHaveLength(2);
  });

  it('never replaces a described revision with an unavailable one', async () => {
    const { store } = await freshStore('2020-01-24T00:00:00Z');
    await store.putTaskDefinition(described);

    await store.putTaskDefinition(unavailable);

    expect(await store.getTaskDefinition(ARN)).toEqual(described);
  });

  it('replaces an unavailable revision once ECS describes it', async () => {
    const { store } = await freshStore('2020-01-24T00:00:00Z');
    await store.putTaskDefinition(unavailable);

    await store.putTaskDefinition(described);

    expect(await store.getTaskDefinition(ARN)).toEqual(described);
  });
});
