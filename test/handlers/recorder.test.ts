import type { EventBridgeEvent, SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbServiceEventStore } from '../../lambda/adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import { EnvName, MissingEnvError } from '../../lambda/config/env.js';
import { InvalidTaskEventError } from '../../lambda/core/errors.js';
import { handler, makeRecorderHandler, recorderDepsFromEnv } from '../../lambda/handlers/recorder.js';
import type { RecordEventResult } from '../../lambda/use-cases/record-event.js';
import { CapturingLogger } from '../fakes/in-memory-recorder.js';
import { FIXTURE_CLUSTERS } from '../support/clusters.js';
import { createTracerTable, type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadEvent, type RawEvent } from '../support/fixtures.js';
import { dynamoRecorderDeps, sqsBatch } from '../support/recorder.js';

const NOW_MS = Date.parse('2020-01-24T00:00:00Z');
const TASK_ID = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db.stop();
});

async function freshRecorder() {
  tables += 1;
  const tableName = `recorder-${tables}`;
  await createTracerTable(db.client, tableName);
  const logger = new CapturingLogger();
  const deps = dynamoRecorderDeps({ client: db.client, tableName, nowMs: NOW_MS, logger });
  const table = { client: db.client, tableName, retentionDays: 90, clock: { nowMs: () => NOW_MS } };
  return {
    handler: makeRecorderHandler(deps),
    deps,
    logger,
    history: new DynamoDbTaskHistory(table),
    serviceEvents: new DynamoDbServiceEventStore(table),
  };
}

const json = (name: string) => JSON.stringify(loadEvent(name));
/** A fixture as Lambda hands a direct EventBridge invocation to the handler. */
const asEventBridge = (raw: RawEvent) => raw as unknown as EventBridgeEvent<string, unknown>;

describe('recorder handler with an SQS batch', () => {
  it('records every event of a batch into the table', async () => {
    // Prepare
    const { handler, history, serviceEvents } = await freshRecorder();
    const batch = sqsBatch([
      json('lifecycle-fargate-1-provisioning'),
      json('lifecycle-fargate-4-running'),
      json('lifecycle-fargate-6-stopped'),
      json('service-action_service_steady_state_awsdocs'),
    ]);

    // Act
    const response = await handler(batch);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const task = await history.getTask(FIXTURE_CLUSTERS.FargateCluster, TASK_ID);
    expect(task?.summary.lastStatus).toBe('STOPPED');
    expect(task?.failure?.kind).toBe('not-failed');
    expect(
      (await history.listTransitions(FIXTURE_CLUSTERS.FargateCluster, TASK_ID)).map((t) => t.version),
    ).toEqual([1, 4, 6]);
    expect(await history.listClusters()).toEqual([
      {
        account: '111122223333',
        region: 'us-west-2',
        clusterName: 'FargateCluster',
        clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster',
        lastSeenAt: '2020-01-23T00:00:00.000Z',
      },
    ]);
    expect(
      await serviceEvents.listServiceEvents(FIXTURE_CLUSTERS.defaultUsWest2, 'servicetest', 0, NOW_MS),
    ).toHaveLength(1);
  });

  it('reports malformed records as batch item failures and still records the others', async () => {
    // Prepare
    const { handler, history, logger } = await freshRecorder();
    const withoutStatus = loadEvent('lifecycle-fargate-2-pending');
    delete withoutStatus.detail.lastStatus;
    const batch = sqsBatch([
      json('lifecycle-fargate-1-provisioning'),
      '{"this is": not JSON',
      JSON.stringify({
        ...loadEvent('container-instance-state-change_awsdocs'),
        'detail-type': 'ECS Container Instance Weather Report',
      }),
      JSON.stringify(withoutStatus),
      json('lifecycle-fargate-4-running'),
    ]);

    // Act
    const response = (await handler(batch)) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'message-1' },
      { itemIdentifier: 'message-2' },
      { itemIdentifier: 'message-3' },
    ]);
    expect(
      (await history.listTransitions(FIXTURE_CLUSTERS.FargateCluster, TASK_ID)).map((t) => t.version),
    ).toEqual([1, 4]);
    const errors = logger.at('error');
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'rejected a malformed event: the SQS message body is not JSON',
        fields: expect.objectContaining({ messageId: 'message-1', reason: expect.any(String) }),
      }),
      expect.objectContaining({
        message: 'rejected a malformed event',
        fields: expect.objectContaining({
          messageId: 'message-2',
          eventId: '8952ba83-7be2-4ab5-9c32-6687532d15a2',
          reason: 'unsupported detail-type "ECS Container Instance Weather Report"',
        }),
      }),
      expect.objectContaining({
        fields: expect.objectContaining({
          messageId: 'message-3',
          eventId: '3317b2af-7005-947d-b652-f55e762e5702',
          reason: expect.stringMatching(/^detail\.lastStatus: /),
        }),
      }),
    ]);
  });

  it('reports a record that hit a transient fault, so that SQS delivers it again', async () => {
    // Prepare
    const { deps, logger } = await freshRecorder();
    const throttled = Object.assign(new Error('Throughput exceeds the current capacity of your table'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const failing = {
      ...deps,
      transitions: {
        ...deps.transitions,
        recordTransition: async () => {
          throw throttled;
        },
        registerCluster: deps.transitions.registerCluster.bind(deps.transitions),
      },
    };

    // Act
    const response = await makeRecorderHandler(failing)(
      sqsBatch([json('lifecycle-fargate-4-running'), json('service-action_service_steady_state_awsdocs')]),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-0' }] });
    expect(logger.at('error')[0]).toMatchObject({
      message: 'could not record an event; SQS will deliver it again',
      fields: { messageId: 'message-0', eventId: '3317b2af-7005-947d-b652-f55e762e571a', error: throttled },
    });
  });

  it('answers an empty batch with no failures', async () => {
    const { handler } = await freshRecorder();

    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});

describe('recorder handler invoked directly by EventBridge', () => {
  it('records the event and returns what it did', async () => {
    const { handler } = await freshRecorder();

    const result = (await handler(
      asEventBridge(loadEvent('lifecycle-fargate-4-running')),
    )) as RecordEventResult;

    expect(result).toMatchObject({ type: 'task-state-change', transition: 'stored', summary: 'advanced' });
  });

  it('rejects a malformed event, so that Lambda sends it to the on-failure destination', async () => {
    const { handler, logger } = await freshRecorder();
    const raw = loadEvent('lifecycle-fargate-4-running');
    raw.detail.version = 'latest';

    await expect(handler(asEventBridge(raw))).rejects.toThrow(InvalidTaskEventError);
    expect(logger.at('error')[0]?.fields).toMatchObject({ eventId: '3317b2af-7005-947d-b652-f55e762e571a' });
  });

  it('rejects an invocation that is neither an SQS batch nor an EventBridge event', async () => {
    const { handler } = await freshRecorder();

    await expect(handler({ hello: 'world' } as never)).rejects.toThrow(
      /neither an SQS batch nor an EventBridge event/,
    );
  });
});

describe('recorder configuration from the environment', () => {
  const env = { [EnvName.TABLE_NAME]: 'tracer', AWS_REGION: 'us-east-1' };

  it('builds its dependencies from the table name, with a 90-day retention by default', () => {
    const deps = recorderDepsFromEnv(env);

    expect(deps.transitions.constructor.name).toBe('DynamoDbTransitionStore');
  });

  it.each([
    ['without a table name', {}, MissingEnvError],
    ['with a retention of zero days', { ...env, [EnvName.RETENTION_DAYS]: '0' }, /at least 1/],
    [
      'with a retention that is not a number',
      { ...env, [EnvName.RETENTION_DAYS]: 'ninety' },
      /non-negative integer/,
    ],
    ['with an unknown log level', { ...env, [EnvName.LOG_LEVEL]: 'loud' }, /debug, info, warn, error/],
  ])('fails at cold start %s', (_label, environment, error) => {
    expect(() => recorderDepsFromEnv(environment)).toThrow(error);
  });

  it('records through the exported handler with clients built from the environment', async () => {
    // Prepare
    tables += 1;
    const tableName = `recorder-env-${tables}`;
    await createTracerTable(db.client, tableName);
    const saved = { ...process.env };
    Object.assign(process.env, {
      [EnvName.TABLE_NAME]: tableName,
      [EnvName.LOG_LEVEL]: 'error',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'dynalite',
      AWS_SECRET_ACCESS_KEY: 'dynalite',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      // Nothing listens here: an ECS call would fail fast instead of leaving the machine.
      AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:9',
    });
    const raw = loadEvent('lifecycle-fargate-4-running');
    delete raw.detail.taskDefinitionArn;

    try {
      // Act
      const response = await handler(sqsBatch([JSON.stringify(raw)]));

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      const history = new DynamoDbTaskHistory({
        client: db.client,
        tableName,
        retentionDays: 90,
        clock: { nowMs: () => NOW_MS },
      });
      expect((await history.getTask(FIXTURE_CLUSTERS.FargateCluster, TASK_ID))?.summary.version).toBe(4);
    } finally {
      process.env = saved;
    }
  });
});
