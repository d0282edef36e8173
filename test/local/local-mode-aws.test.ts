/**
 * Local mode when AWS credentials are configured: logs come from the local store first and from CloudWatch
 * Logs (a loopback fake, reached through AWS_ENDPOINT_URL_CLOUDWATCH_LOGS) for the rest, and ECS describes
 * task definitions (aws-sdk-client-mock). The samples answer exactly as they do offline.
 */
import { readFileSync } from 'node:fs';
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import { type LocalServer, startLocalServer } from '../../lambda/local/local-server.js';
import { CloudWatchLogsFake, FAKE_CREDENTIALS } from '../fakes/cloudwatch-logs-fake.js';
import { loadEvent } from '../support/fixtures.js';
import { loadReference, REFERENCE_TASK_IDS } from '../support/reference-fixtures.js';
import { call, removeDir, tempDir } from './local-harness.js';

const NOW_MS = Date.parse('2024-06-01T00:00:00Z');
const FARGATE_TASK_ID = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';
const FARGATE_TASK_DEFINITION = 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1';
const ENV_KEYS = [
  'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;

const ecs = mockClient(ECSClient);
let logs: CloudWatchLogsFake;
let dataDir: string;
let server: LocalServer;
const savedEnv = new Map<string, string | undefined>();

beforeAll(async () => {
  logs = await CloudWatchLogsFake.start();
  logs.createLogGroup('/ecs/sample-fargate');
  logs.putLogEvents('/ecs/sample-fargate', `ecs/FargateApp/${FARGATE_TASK_ID}`, [
    { timestamp: Date.parse('2020-01-23T17:57:59.000Z'), message: 'from CloudWatch Logs' },
  ]);
  for (const key of ENV_KEYS) savedEnv.set(key, process.env[key]);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.endpoint,
    AWS_REGION: 'us-west-2',
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
  });
  ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: FARGATE_TASK_DEFINITION }).resolves({
    taskDefinition: {
      taskDefinitionArn: FARGATE_TASK_DEFINITION,
      containerDefinitions: [
        {
          name: 'FargateApp',
          essential: true,
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/sample-fargate', 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
    },
  });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ reason: 'MISSING' }] });
  dataDir = await tempDir();
  server = await startLocalServer({
    port: 0,
    dataDir,
    logger: silentLogger,
    clock: { nowMs: () => NOW_MS },
    env: process.env,
  });
});

afterAll(async () => {
  await server?.close();
  await logs?.stop();
  await removeDir(dataDir);
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('local mode with AWS credentials', () => {
  it('says it uses AWS, and why', async () => {
    // Act
    const health = await call(server.url, 'GET', '/health');

    // Assess
    expect(server.aws).toEqual({
      used: true,
      detection: { configured: true, via: 'access keys in the environment' },
    });
    expect(health.json).toMatchObject({ logs: 'local streams first, then CloudWatch Logs' });
  });

  it.each(Object.values(REFERENCE_TASK_IDS))(
    'answers the sample %s exactly as it does offline',
    async (taskId) => {
      // Act
      const text = await call(server.url, 'GET', `/clusters/default/tasks/${taskId}/trace?tz=Asia/Tokyo`);

      // Assess
      expect(text.text).toBe(readFileSync(loadReference(taskId).goldenPath, 'utf8'));
    },
  );

  it('reads the streams it does not hold from CloudWatch Logs, with the log configuration ECS describes', async () => {
    // Prepare
    const posted = await call(
      server.url,
      'POST',
      '/events',
      JSON.stringify(loadEvent('lifecycle-fargate-6-stopped')),
    );
    logs.resetCalls();

    // Act
    const text = await call(
      server.url,
      'GET',
      `/clusters/FargateCluster/tasks/${FARGATE_TASK_ID}/trace?tz=UTC`,
    );

    // Assess
    expect(posted.status).toBe(200);
    expect(text.text).toContain('2020-01-23T17:57:59.000Z\tCONTAINER:FargateApp\tfrom CloudWatch Logs\n');
    expect(logs.calls.map((c) => c.operation)).toContain('GetLogEvents');
    expect(
      ecs.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition),
    ).toEqual([FARGATE_TASK_DEFINITION]);
  });

  it('asks ECS about a task it never recorded, and answers 404 when ECS does not know it either', async () => {
    // Act
    const answer = await call(server.url, 'GET', '/clusters/prod/tasks/0123456789abcdef0123456789abcdef');

    // Assess
    expect(answer.status).toBe(404);
    expect(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toEqual({
      cluster: 'prod',
      tasks: ['0123456789abcdef0123456789abcdef'],
    });
  });
});
