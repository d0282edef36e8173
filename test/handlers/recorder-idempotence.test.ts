/**
 * The recorder's central promise: EventBridge delivers at least once and in any order, and the table ends
 * up exactly as one in-order delivery leaves it. Property-based over delivery orders and batch sizes,
 * through the handler, the real SDK and dynalite.
 */

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import type { ServiceEvent, TaskDefinitionInfo } from '../../lambda/core/model.js';
import { makeRecorderHandler } from '../../lambda/handlers/recorder.js';
import { FIXTURE_CLUSTERS } from '../support/clusters.js';
import { createTracerTable, type DynaliteHandle, scanTable, startDynalite } from '../support/dynalite.js';
import { loadEvent, type RawEvent } from '../support/fixtures.js';
import { dynamoRecorderDeps, sqsBatch } from '../support/recorder.js';

const NOW_MS = Date.parse('2022-01-15T00:00:00Z');
const RETENTION_DAYS = 3650;
const RUNS = 20;

const FARGATE_TD = 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1';
const NGINX_TD = 'arn:aws:ecs:ap-northeast-1:123456789012:task-definition/nginx-local:12';

/** ECS describes two of the revisions; the others (webapp:15, nginx:3) were deleted. */
const taskDefinitions = new Map<string, TaskDefinitionInfo>([
  [
    FARGATE_TD,
    {
      status: 'described',
      taskDefinitionArn: FARGATE_TD,
      describedAt: '2022-01-15T00:00:00.000Z',
      containers: [
        { containerName: 'FargateApp', logDriver: 'awslogs', logGroup: '/ecs/sample', essential: true },
      ],
    },
  ],
  [
    NGINX_TD,
    {
      status: 'described',
      taskDefinitionArn: NGINX_TD,
      describedAt: '2022-01-15T00:00:00.000Z',
      containers: [
        { containerName: 'nginx', logDriver: 'awslogs', logGroup: '/ecs/nginx-local', essential: true },
      ],
    },
  ],
]);

const nginxServiceEvents: ServiceEvent[] = [
  [
    's1',
    '2021-12-03T02:06:21.664Z',
    '(service nginx-local) has started 1 tasks: (task 834a5628bef14f2dbb81c7bc0b272160).',
  ],
  [
    's2',
    '2021-12-03T02:22:28.938Z',
    '(service nginx-local) has stopped 1 running tasks: (task 834a5628bef14f2dbb81c7bc0b272160).',
  ],
  ['s3', '2021-12-03T02:22:38.224Z', '(service nginx-local) has reached a steady state.'],
  ['s0', '2021-11-30T00:00:00.000Z', '(service nginx-local) has reached a steady state.'],
].map(([eventId = '', createdAt = '', message = '']) => ({
  clusterName: 'default',
  serviceName: 'nginx-local',
  eventId,
  createdAt,
  message,
  source: 'describe-services' as const,
}));

const lifecycle = [
  'lifecycle-fargate-1-provisioning',
  'lifecycle-fargate-2-pending',
  'lifecycle-fargate-3-pending',
  'lifecycle-fargate-4-running',
  'lifecycle-fargate-5-deprovisioning',
  'lifecycle-fargate-6-stopped',
].map((name) => loadEvent(name));

/** A service task: a RUNNING version derived from its STOPPED event, then the STOPPED event. */
function serviceTaskEvents(): RawEvent[] {
  const stopped = loadEvent('task-stopped-service-replaced');
  const running = loadEvent('task-stopped-service-replaced');
  running.id = '0b7e4c1a-9d2f-4e3b-8a6c-5f1d0e9c8b01';
  running.time = '2021-12-03T02:06:47Z';
  Object.assign(running.detail, { lastStatus: 'RUNNING', desiredStatus: 'RUNNING', version: 3 });
  for (const field of ['stoppingAt', 'executionStoppedAt', 'stoppedAt', 'stoppedReason', 'stopCode']) {
    delete running.detail[field];
  }
  return [running, stopped];
}

/** A task whose revision ECS can no longer describe: a PENDING version and its OOM stop. */
function oomTaskEvents(): RawEvent[] {
  const stopped = loadEvent('task-stopped-oom');
  const pending = loadEvent('task-stopped-oom');
  pending.id = 'd005c784-98bd-b9c9-043f-c924cd120001';
  pending.time = '2020-06-05T13:40:02Z';
  Object.assign(pending.detail, { lastStatus: 'PENDING', desiredStatus: 'RUNNING', version: 1 });
  for (const field of [
    'stoppingAt',
    'executionStoppedAt',
    'stoppedAt',
    'stoppedReason',
    'stopCode',
    'startedAt',
  ]) {
    delete pending.detail[field];
  }
  return [pending, stopped];
}

/**
 * A second task of the Fargate cluster, created just before midnight two days after the first: its events
 * arrive on the next day, but it is listed under its createdAt day. The cluster then has two active days,
 * whose order in the stored set would follow the delivery order.
 */
function midnightTaskEvents(): RawEvent[] {
  const taskArn = 'arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/0a1b2c3d4e5f40718293a4b5c6d7e8f9';
  const times: [string, number, string, Record<string, string>][] = [
    ['lifecycle-fargate-4-running', 4, '2020-01-26T00:00:30Z', {}],
    [
      'lifecycle-fargate-6-stopped',
      6,
      '2020-01-26T00:10:00Z',
      {
        stoppingAt: '2020-01-26T00:09:00.000Z',
        executionStoppedAt: '2020-01-26T00:09:30.000Z',
        stoppedAt: '2020-01-26T00:09:59.000Z',
      },
    ],
  ];
  return times.map(([name, version, time, stops], index) => {
    const event = loadEvent(name);
    event.id = `5e0c7a1d-2b3f-4c5d-8e9f-00000000000${index}`;
    event.time = time;
    Object.assign(event.detail, {
      taskArn,
      version,
      createdAt: '2020-01-25T23:59:00.000Z',
      startedAt: '2020-01-26T00:00:20.000Z',
      ...stops,
    });
    return event;
  });
}

const serviceActions = [
  loadEvent('service-action_service_steady_state_awsdocs'),
  loadEvent('deployment-state-change_service_deployment_completed_awsdocs'),
];

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db.stop();
});

async function freshTable(): Promise<string> {
  tables += 1;
  const tableName = `idempotence-${tables}`;
  await createTracerTable(db.client, tableName);
  return tableName;
}

function recorderFor(tableName: string, client: DynamoDBClient = db.client) {
  const deps = dynamoRecorderDeps({
    client,
    tableName,
    nowMs: NOW_MS,
    retentionDays: RETENTION_DAYS,
    taskDefinitions,
    services: new Map([['default/nginx-local', nginxServiceEvents]]),
  });
  return { deps, handler: makeRecorderHandler(deps) };
}

/** Delivers events through the handler in SQS batches of the given sizes (cycled), one batch at a time. */
async function deliver(tableName: string, events: readonly RawEvent[], batchSizes: readonly number[] = [1]) {
  const { handler, deps } = recorderFor(tableName);
  let next = 0;
  for (let batch = 0; next < events.length; batch += 1) {
    const size = batchSizes[batch % batchSizes.length] ?? 1;
    const bodies = events.slice(next, next + size).map((e) => JSON.stringify(e));
    const response = await handler(sqsBatch(bodies, next));
    expect(response).toEqual({ batchItemFailures: [] });
    next += size;
  }
  return deps;
}

/** The whole table, with string sets sorted: a set has no order, and DynamoDB returns any. */
async function tableContents(tableName: string): Promise<Record<string, AttributeValue>[]> {
  return (await scanTable(db.client, tableName)).map((item) =>
    Object.fromEntries(
      Object.entries(item).map(([name, value]) => [name, value.SS ? { SS: [...value.SS].sort() } : value]),
    ),
  );
}

/**
 * Every event three times, in an order fast-check chooses, and SQS batch sizes from 1 to 10. The order is
 * drawn as labels (`<event id>@<version>`), so that a counterexample reads as a delivery sequence.
 */
function redeliveries(events: readonly RawEvent[]) {
  const byLabel = new Map(events.map((e) => [`${String(e.id)}@${String(e.detail.version ?? '-')}`, e]));
  const labels = [...byLabel.keys()];
  const deliveries = [...labels, ...labels, ...labels];
  return {
    arbitrary: fc.record({
      order: fc.shuffledSubarray(deliveries, { minLength: deliveries.length, maxLength: deliveries.length }),
      batchSizes: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 5 }),
    }),
    eventsOf: (order: readonly string[]): RawEvent[] =>
      order.flatMap((label) => {
        const event = byLabel.get(label);
        return event ? [event] : [];
      }),
  };
}

describe('recorder idempotence', () => {
  it('stores a task the same whatever the order and number of deliveries', async () => {
    // Prepare
    const reference = await freshTable();
    await deliver(reference, lifecycle);
    const expected = await tableContents(reference);
    const single = redeliveries(lifecycle);

    // Act and assess
    await fc.assert(
      fc.asyncProperty(single.arbitrary, async ({ order, batchSizes }) => {
        const tableName = await freshTable();
        await deliver(tableName, single.eventsOf(order), batchSizes);
        expect(await tableContents(tableName)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('stores several interleaved tasks and service events the same whatever the delivery order', async () => {
    // Prepare
    const events = [
      ...lifecycle,
      ...midnightTaskEvents(),
      ...serviceTaskEvents(),
      ...oomTaskEvents(),
      ...serviceActions,
    ];
    const reference = await freshTable();
    await deliver(reference, events);
    const expected = await tableContents(reference);
    const interleaved = redeliveries(events);

    // Act and assess
    await fc.assert(
      fc.asyncProperty(interleaved.arbitrary, async ({ order, batchSizes }) => {
        const tableName = await freshTable();
        await deliver(tableName, interleaved.eventsOf(order), batchSizes);
        expect(await tableContents(tableName)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps what a trace needs from the in-order delivery, including a revision ECS deleted', async () => {
    // Prepare
    const tableName = await freshTable();
    const events = [
      ...lifecycle,
      ...midnightTaskEvents(),
      ...serviceTaskEvents(),
      ...oomTaskEvents(),
      ...serviceActions,
    ];

    // Act
    const deps = await deliver(tableName, events);

    // Assess
    const history = new DynamoDbTaskHistory({
      client: db.client,
      tableName,
      retentionDays: RETENTION_DAYS,
      clock: { nowMs: () => NOW_MS },
    });
    const oom = await history.getTask(FIXTURE_CLUSTERS.Features, '5b8a1f0e2d7c4e9a8b6f3c1d0e2a4b6c');
    expect(oom?.summary.version).toBe(5);
    expect(oom?.failure?.kind).toBe('out-of-memory');
    expect(
      await deps.taskDefinitions.getTaskDefinition(
        'arn:aws:ecs:eu-west-1:0123456789:task-definition/webapp:15',
      ),
    ).toMatchObject({
      status: 'unavailable',
    });
    expect(
      await deps.serviceEvents.listServiceEvents(FIXTURE_CLUSTERS.default, 'nginx-local', 0, NOW_MS),
    ).toHaveLength(3);
    expect(deps.taskDefinitionSource.described.sort()).toEqual(
      [FARGATE_TD, NGINX_TD, 'arn:aws:ecs:eu-west-1:0123456789:task-definition/webapp:15'].sort(),
    );
    const fargate = await history.listTasks({ cluster: FIXTURE_CLUSTERS.FargateCluster, limit: 10 });
    expect(fargate.items.map((t) => t.summary.taskId)).toEqual([
      '0a1b2c3d4e5f40718293a4b5c6d7e8f9',
      'c13b4cb40f1f4fe4a2971f76ae5a47ad',
    ]);
    expect((await history.listClusters()).map((c) => c.clusterArn)).toEqual(
      [
        // DynamoDB orders sort keys (account, region, name) by UTF-8 bytes.
        'arn:aws:ecs:eu-west-1:0123456789:cluster/Features',
        'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster',
        'arn:aws:ecs:ap-northeast-1:123456789012:cluster/default',
      ].sort((a, b) => a.split(':')[4]?.localeCompare(b.split(':')[4] ?? '') ?? 0),
    );
  });
});

describe('recorder write cost', () => {
  it('writes one item for a new transition of a known task definition and cluster', async () => {
    // Prepare
    const tableName = await freshTable();
    const client = new DynamoDBClient({
      endpoint: db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    });
    const writes: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^(PutItem|BatchWriteItem|UpdateItem|DeleteItem)Command$/.test(context.commandName ?? '')) {
          writes.push(context.commandName ?? '');
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const { handler } = recorderFor(tableName, client);
    await handler(sqsBatch([JSON.stringify(lifecycle[0])]));
    const firstEventWrites = writes.length;
    writes.length = 0;

    // Act
    for (const event of lifecycle.slice(1)) await handler(sqsBatch([JSON.stringify(event)]));
    const duplicatesBefore = writes.length;
    for (const event of lifecycle.slice(1)) await handler(sqsBatch([JSON.stringify(event)]));

    // Assess
    // First event of a task: task item + task definition + cluster.
    expect(firstEventWrites).toBe(3);
    expect(writes).toEqual(Array(2 * (lifecycle.length - 1)).fill('UpdateItemCommand'));
    // A duplicate still attempts its conditional update (and is charged for it), and writes nothing.
    expect(writes.length - duplicatesBefore).toBe(lifecycle.length - 1);
    client.destroy();
  });

  it('registers the cluster with one write when a batch of its new tasks arrives at cold start', async () => {
    // Prepare
    const tableName = await freshTable();
    const client = new DynamoDBClient({
      endpoint: db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    });
    const clusterWrites: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: Record<string, AttributeValue> };
        if (input.Key?.pk?.S === 'CLUSTERS') clusterWrites.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize' },
    );
    const { handler } = recorderFor(tableName, client);
    const bodies = Array.from({ length: 8 }, (_, index) => {
      const event = loadEvent('lifecycle-fargate-4-running');
      event.id = `cold-start-${index}`;
      event.detail.taskArn = `arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/${String(index).padStart(32, '0')}`;
      return JSON.stringify(event);
    });

    // Act
    const response = await handler(sqsBatch(bodies));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(clusterWrites).toEqual(['UpdateItemCommand']);
    client.destroy();
  });
});
