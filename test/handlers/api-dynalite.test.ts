/**
 * End to end on loopback: the recorder stores the reference tasks' events in dynalite (duplicated and out of
 * order, as EventBridge may deliver them), then the API handler answers from the table and from a
 * CloudWatch Logs fake through the real SDK clients, long after ECS forgot the tasks.
 */
import { readFileSync } from 'node:fs';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchLogSource } from '../../lambda/adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { DynamoDbServiceEventStore } from '../../lambda/adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../../lambda/adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import { DynamoDbTransitionStore } from '../../lambda/adapters/dynamodb/dynamodb-transition-store.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import { silentLogger } from '../../lambda/config/logger.js';
import type { TaskListResponse, TaskSummaryResponse, TraceResponse } from '../../lambda/core/api-types.js';
import { type ApiHandler, makeApiHandler } from '../../lambda/handlers/api.js';
import { createRecorderCache, recordEvent } from '../../lambda/use-cases/record-event.js';
import { CloudWatchLogsFake } from '../fakes/cloudwatch-logs-fake.js';
import { FakeServiceEventSource, FakeTaskDefinitionSource, fixedClock } from '../fakes/trace-ports.js';
import { testCursorSeal } from '../support/cursor-seal.js';
import { type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadReferences, REFERENCE_TASK_IDS } from '../support/reference-fixtures.js';

const fixtures = loadReferences();
const NOW = Math.max(...fixtures.map((f) => f.nowMs));
const RETENTION_DAYS = 90;

let db: DynaliteHandle;
let logs: CloudWatchLogsFake;
let handler: ApiHandler;

/** A fixed shuffle, so a failure reproduces. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

beforeAll(async () => {
  db = await startDynalite();
  logs = await CloudWatchLogsFake.start();
  const table: DynamoDbTableOptions = {
    client: db.client,
    tableName: db.tableName,
    retentionDays: RETENTION_DAYS,
    clock: fixedClock(NOW),
  };

  // Record: every event twice, in a shuffled order.
  const recorder = {
    transitions: new DynamoDbTransitionStore(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    taskDefinitionSource: new FakeTaskDefinitionSource(fixtures[0]?.taskDefinitions),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new FakeServiceEventSource(fixtures.flatMap((f) => f.serviceEvents)),
    clock: fixedClock(NOW),
    logger: silentLogger,
    cache: createRecorderCache(),
  };
  const deliveries = shuffled(
    fixtures.flatMap((f) => [...f.events, ...f.events]),
    7,
  );
  for (const event of deliveries) await recordEvent(recorder, event);

  for (const fixture of fixtures) {
    for (const group of fixture.logGroups) logs.createLogGroup(group);
    for (const stream of fixture.streams) logs.putLogEvents(stream.logGroup, stream.logStream, stream.events);
  }

  // Query: ECS has long forgotten the tasks and the service is gone; only the table and the logs remain.
  handler = makeApiHandler({
    cursorSeal: testCursorSeal,
    history: new DynamoDbTaskHistory(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new FakeServiceEventSource(undefined),
    logs: new CloudWatchLogSource({ clientFor: () => new CloudWatchLogsClient(logs.clientConfig()) }),
    clock: fixedClock(NOW),
    retentionDays: RETENTION_DAYS,
    home: { account: '123456789012', region: 'ap-northeast-1' },
    logger: silentLogger,
  });
}, 60_000);

afterAll(async () => {
  await logs?.stop();
  await db?.stop();
});

describe('the trace API over dynalite and the CloudWatch Logs fake', () => {
  it.each(fixtures.map((f) => [f.taskId, f] as const))(
    'returns the golden trace of %s',
    async (taskId, fixture) => {
      // Act
      const response = await handler({
        httpMethod: 'GET',
        path: `/clusters/default/tasks/${taskId}/trace`,
        queryStringParameters: { tz: 'Asia/Tokyo' },
      });

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(readFileSync(fixture.goldenPath, 'utf8'));
    },
  );

  it('counts the CloudWatch Logs calls of a JSON trace', async () => {
    logs.resetCalls();
    const response = await handler({
      httpMethod: 'GET',
      path: `/clusters/default/tasks/${REFERENCE_TASK_IDS.serviceReplaced}/trace`,
      queryStringParameters: { format: 'json' },
    });
    const body = JSON.parse(response.body) as TraceResponse;
    // Two windows, each a page of events and the call whose token comes back unchanged.
    expect(body.logCalls).toBe(4);
    expect(logs.callCount('GetLogEvents')).toBe(4);
    expect(body.task.failure).toMatchObject({ failed: false });
  });

  it('lists the cluster and its tasks, newest first, and the failed ones alone', async () => {
    const clusters = JSON.parse((await handler({ httpMethod: 'GET', path: '/clusters' })).body);
    expect(clusters.clusters.map((c: { clusterName: string }) => c.clusterName)).toEqual(['default']);

    const tasks = JSON.parse(
      (await handler({ httpMethod: 'GET', path: '/clusters/default/tasks' })).body,
    ) as TaskListResponse;
    expect(tasks.tasks.map((t) => t.taskId)).toEqual([
      REFERENCE_TASK_IDS.serviceReplaced,
      REFERENCE_TASK_IDS.failedPull,
      REFERENCE_TASK_IDS.userStopped,
    ]);

    const failed = JSON.parse(
      (
        await handler({
          httpMethod: 'GET',
          path: '/clusters/default/tasks',
          queryStringParameters: { failed: 'true' },
        })
      ).body,
    ) as TaskListResponse;
    expect(failed.tasks.map((t) => t.taskId)).toEqual([REFERENCE_TASK_IDS.failedPull]);
  });

  it('returns the newest summary of a task whose events arrived out of order', async () => {
    const response = await handler({
      httpMethod: 'GET',
      path: `/clusters/default/tasks/${REFERENCE_TASK_IDS.userStopped}`,
    });
    expect(JSON.parse(response.body) as TaskSummaryResponse).toMatchObject({
      lastStatus: 'STOPPED',
      version: 5,
      stopCode: 'UserInitiated',
      containers: [{ name: 'nginx', exitCode: 0, essential: true }],
    });
  });

  it('answers 404 for a task that was never recorded', async () => {
    const response = await handler({
      httpMethod: 'GET',
      path: '/clusters/default/tasks/0123456789abcdef0123456789abcdef/trace',
    });
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error.message).toBe(
      'task 0123456789abcdef0123456789abcdef not found in cluster default (tracer keeps tasks for 90 days)',
    );
  });
});
