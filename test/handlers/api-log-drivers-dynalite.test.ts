/**
 * End to end on loopback for tasks whose logs are not plain prefixed awslogs streams: the recorder stores
 * their events and their task definitions (DescribeTaskDefinition through the real ECS adapter) in
 * dynalite, then the API handler reads the FireLens records and the unprefixed awslogs stream from the
 * CloudWatch Logs fake through the real SDK client.
 */
import { readFileSync } from 'node:fs';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchLogSource } from '../../lambda/adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { DynamoDbServiceEventStore } from '../../lambda/adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../../lambda/adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import { DynamoDbTransitionStore } from '../../lambda/adapters/dynamodb/dynamodb-transition-store.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import { EcsTaskDefinitionSource } from '../../lambda/adapters/ecs/ecs-task-definition-source.js';
import { silentLogger } from '../../lambda/config/logger.js';
import type { TraceResponse } from '../../lambda/core/api-types.js';
import { type ApiHandler, makeApiHandler } from '../../lambda/handlers/api.js';
import { createRecorderCache, recordEvent } from '../../lambda/use-cases/record-event.js';
import { CloudWatchLogsFake } from '../fakes/cloudwatch-logs-fake.js';
import { FakeServiceEventSource, fixedClock } from '../fakes/trace-ports.js';
import { testCursorSeal } from '../support/cursor-seal.js';
import { type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { type LogDriverFixture, loadLogDriverFixture } from '../support/log-driver-fixtures.js';

const fixtures: readonly LogDriverFixture[] = [
  loadLogDriverFixture('fireLens'),
  loadLogDriverFixture('ec2WithoutPrefix'),
];
const NOW = Math.max(...fixtures.map((f) => f.nowMs));
// The EC2 task stopped in 2020: a retention long enough to keep both tasks at one "now".
const RETENTION_DAYS = 3650;
const ecs = mockClient(ECSClient);

let db: DynaliteHandle;
let logs: CloudWatchLogsFake;
let handler: ApiHandler;
const regions: Array<string | undefined> = [];

beforeAll(async () => {
  db = await startDynalite();
  logs = await CloudWatchLogsFake.start();
  const table: DynamoDbTableOptions = {
    client: db.client,
    tableName: db.tableName,
    retentionDays: RETENTION_DAYS,
    clock: fixedClock(NOW),
  };
  for (const fixture of fixtures) {
    const arn = fixture.describeTaskDefinition.taskDefinition.taskDefinitionArn as string;
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: arn }).resolves(fixture.describeTaskDefinition);
  }

  const recorder = {
    transitions: new DynamoDbTransitionStore(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    taskDefinitionSource: new EcsTaskDefinitionSource({
      client: new ECSClient({ region: 'eu-central-1' }),
      clock: fixedClock(NOW),
    }),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new FakeServiceEventSource(undefined),
    clock: fixedClock(NOW),
    logger: silentLogger,
    cache: createRecorderCache(),
  };
  for (const fixture of fixtures) {
    for (const event of fixture.events) await recordEvent(recorder, event);
    for (const group of fixture.logGroups) logs.createLogGroup(group);
    for (const stream of fixture.streams) logs.putLogEvents(stream.logGroup, stream.logStream, stream.events);
  }

  handler = makeApiHandler({
    cursorSeal: testCursorSeal,
    history: new DynamoDbTaskHistory(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new FakeServiceEventSource(undefined),
    logs: new CloudWatchLogSource({
      clientFor: (region) => {
        regions.push(region);
        return new CloudWatchLogsClient(logs.clientConfig());
      },
    }),
    clock: fixedClock(NOW),
    retentionDays: RETENTION_DAYS,
    home: { account: '123456789012', region: 'ap-northeast-1' },
    logger: silentLogger,
  });
}, 60_000);

afterAll(async () => {
  ecs.restore();
  await logs?.stop();
  await db?.stop();
});

describe('the trace API for FireLens and unprefixed awslogs tasks', () => {
  it.each(fixtures.map((f) => [f.name, f] as const))(
    'returns the golden trace of the %s task',
    async (_name, fixture) => {
      // Act
      const response = await handler({
        httpMethod: 'GET',
        path: `/clusters/${fixture.clusterName}/tasks/${fixture.taskId}/trace`,
        queryStringParameters: { tz: 'UTC' },
      });

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(readFileSync(fixture.goldenPath, 'utf8'));
    },
  );

  it("keeps the records' fields in the JSON trace and reads in the FireLens output's region", async () => {
    // Prepare
    const fireLens = fixtures[0] as LogDriverFixture;

    // Act
    const response = await handler({
      httpMethod: 'GET',
      path: `/clusters/test/tasks/${fireLens.taskId}/trace`,
      queryStringParameters: { format: 'json' },
    });

    // Assess
    const body = JSON.parse(response.body) as TraceResponse;
    const app = body.lines.filter((l) => l.source === 'CONTAINER:app' && l.kind === 'log');
    expect(app.map((l) => l.message).at(-1)).toBe('process exiting with code 1');
    expect(app.at(-1)?.fields).toMatchObject({ source: 'stderr', container_name: 'app' });
    expect(regions).toContain('eu-central-1');
    expect(response.body).not.toContain('3f2b8c4d6e1a9f7b0c5d2e8a4b6f1c3d');
  });
});
