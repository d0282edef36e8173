/**
 * A task of a source account, recorded from the event its account forwarded to the central bus, traced
 * with its container logs: the recorder describes its task definition and the trace reads its logs through
 * the account's read role, with credentials from STS. moto_server plays STS, ECS and CloudWatch Logs, and
 * keeps accounts apart as AWS does: what the assumed role's credentials create and read lives in the
 * source account, out of the central account's sight.
 *
 * Needs moto_server (Python's moto) on PATH; skips with that reason where it is missing.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CloudWatchLogSource } from '../../lambda/adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { EcsServiceEventSource } from '../../lambda/adapters/ecs/ecs-service-event-source.js';
import { EcsTaskDefinitionSource } from '../../lambda/adapters/ecs/ecs-task-definition-source.js';
import { systemClock } from '../../lambda/adapters/system-clock.js';
import { EnvName } from '../../lambda/config/env.js';
import type { TaskTransition } from '../../lambda/core/model.js';
import { accountClientsFromEnv } from '../../lambda/handlers/shared-deps.js';
import { buildTaskTrace } from '../../lambda/use-cases/build-trace.js';
import { createRecorderCache, recordEvent } from '../../lambda/use-cases/record-event.js';
import {
  CapturingLogger,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTransitionStore,
} from '../fakes/in-memory-recorder.js';
import { InMemoryTaskHistory } from '../fakes/trace-ports.js';
import { loadEvent } from '../support/fixtures.js';
import { MOTO_SKIP_REASON, type MotoHandle, motoAvailable, startMoto } from '../support/moto.js';

/** moto's own account: credentials it does not know belong to it. */
const CENTRAL_ACCOUNT = '123456789012';
const CENTRAL_REGION = 'us-east-1';
const SOURCE_ACCOUNT = '222233334444';
const SOURCE_REGION = 'us-west-2';
const READ_ROLE = `arn:aws:iam::${SOURCE_ACCOUNT}:role/tracer-read-${SOURCE_REGION}`;
const TASK_ID = 'a6eaf0150a4248dAA1bcbd688121014e';
const LOG_GROUP = '/ecs/example-api-v1';
const CENTRAL_CREDENTIALS = { accessKeyId: 'AKIDCENTRAL', secretAccessKey: 'central-secret' };
const hasMoto = motoAvailable();

/**
 * The fixture's task-stopped event as the source account's forwarding rule delivers it: the source's
 * account, region and task definition, its times moved to the last few minutes.
 */
function forwardedEvent(taskDefinitionArn: string, stoppedAtMs: number): Record<string, unknown> {
  const fixture = loadEvent('failure-essential-exit');
  const shiftMs = stoppedAtMs - Date.parse(String(fixture.detail.stoppedAt));
  const text = JSON.stringify(fixture)
    .replaceAll('111111111111', SOURCE_ACCOUNT)
    .replaceAll('eu-central-1', SOURCE_REGION)
    .replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"/g, (iso) =>
      JSON.stringify(new Date(Date.parse(JSON.parse(iso)) + shiftMs).toISOString()),
    );
  const event = JSON.parse(text) as { detail: Record<string, unknown> };
  event.detail.taskDefinitionArn = taskDefinitionArn;
  return event;
}

describe.skipIf(!hasMoto)('a source account task recorded through the central bus', () => {
  let moto: MotoHandle;
  let taskDefinitionArn: string;
  let stoppedAtMs: number;

  beforeAll(async () => {
    moto = await startMoto();
    // The central functions' environment: their own credentials and region, the emulator's endpoints.
    vi.stubEnv('AWS_REGION', CENTRAL_REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', CENTRAL_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', CENTRAL_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_ENDPOINT_URL_STS', moto.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_ECS', moto.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', moto.endpoint);

    // The source account's own side: a task definition, and the container's log stream.
    const admin = await new STSClient({ region: CENTRAL_REGION, endpoint: moto.endpoint }).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${SOURCE_ACCOUNT}:role/admin`,
        RoleSessionName: 'source-setup',
      }),
    );
    const source = {
      region: SOURCE_REGION,
      endpoint: moto.endpoint,
      credentials: {
        accessKeyId: admin.Credentials?.AccessKeyId ?? '',
        secretAccessKey: admin.Credentials?.SecretAccessKey ?? '',
        sessionToken: admin.Credentials?.SessionToken ?? '',
      },
    };
    const logConfiguration = (prefix: string) => ({
      logDriver: 'awslogs' as const,
      options: {
        'awslogs-group': LOG_GROUP,
        'awslogs-stream-prefix': prefix,
        'awslogs-region': SOURCE_REGION,
      },
    });
    const registered = await new ECSClient(source).send(
      new RegisterTaskDefinitionCommand({
        family: 'example-api-v1',
        containerDefinitions: [
          {
            name: 'envoy',
            image: 'envoy',
            memory: 128,
            essential: false,
            logConfiguration: logConfiguration('envoy'),
          },
          {
            name: 'app',
            image: 'app',
            memory: 128,
            essential: true,
            logConfiguration: logConfiguration('ecs'),
          },
        ],
      }),
    );
    taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn ?? '';
    stoppedAtMs = Date.now() - 60_000;
    const logs = new CloudWatchLogsClient(source);
    const logStreamName = `ecs/app/${TASK_ID}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: LOG_GROUP,
        logStreamName,
        logEvents: [
          { timestamp: stoppedAtMs - 150_000, message: 'listening on :8080 in the source account' },
          { timestamp: stoppedAtMs - 125_000, message: 'panic: lost the database connection' },
        ],
      }),
    );
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await moto?.stop();
  });

  it('traces the task with its logs, read through the assumed read role', async () => {
    // Prepare: the central functions' clients, from the environment the stack gives them.
    const env = { ...process.env, [EnvName.HOME_ACCOUNT]: CENTRAL_ACCOUNT };
    const accounts = accountClientsFromEnv(env, 'acceptance').withLogs(
      (access) => new CloudWatchLogsClient({ maxAttempts: 2, ...access }),
    );
    const taskDefinitions = new InMemoryTaskDefinitionStore();
    const transitions = new InMemoryTransitionStore();
    const logger = new CapturingLogger();
    expect(taskDefinitionArn).toContain(`:${SOURCE_ACCOUNT}:task-definition/`);

    // Act: the recorder takes the forwarded event, then the trace reads it.
    const recorded = await recordEvent(
      {
        transitions,
        taskDefinitions,
        taskDefinitionSource: new EcsTaskDefinitionSource({
          client: accounts.ecs(),
          accounts,
          clock: systemClock,
        }),
        serviceEvents: new InMemoryServiceEventStore(),
        serviceEventSource: new EcsServiceEventSource({ client: accounts.ecs(), accounts }),
        clock: systemClock,
        logger,
        cache: createRecorderCache(),
      },
      forwardedEvent(taskDefinitionArn, stoppedAtMs),
    );
    const history = new InMemoryTaskHistory();
    for (const { summary } of transitions.summaries.values())
      history.recordTransition(summary as TaskTransition);
    const trace = await buildTaskTrace(
      {
        history,
        taskDefinitions,
        serviceEvents: new InMemoryServiceEventStore(),
        logs: new CloudWatchLogSource({ accounts }),
        clock: systemClock,
      },
      {
        cluster: { account: SOURCE_ACCOUNT, region: SOURCE_REGION, name: 'test' },
        taskId: TASK_ID,
        durationMs: 5 * 60_000,
      },
    );

    // Assess
    expect(recorded.type).toBe('task-state-change');
    expect(taskDefinitions.items.get(taskDefinitionArn)?.status).toBe('described');
    expect(trace.task.summary.account).toBe(SOURCE_ACCOUNT);
    expect(trace.lines.filter((l) => l.kind === 'log').map((l) => l.message)).toEqual([
      'listening on :8080 in the source account',
      'panic: lost the database connection',
    ]);
    expect(accounts.readRoleOf({ account: SOURCE_ACCOUNT, region: SOURCE_REGION })).toBe(READ_ROLE);
  }, 60_000);

  it('finds nothing with the central account own credentials: the logs live in the source account', async () => {
    // Prepare: the same read without the read role.
    const logs = new CloudWatchLogSource({
      clientFor: (region) =>
        new CloudWatchLogsClient({
          region: region ?? CENTRAL_REGION,
          credentials: CENTRAL_CREDENTIALS,
          maxAttempts: 1,
        }),
    });

    // Act
    const error = await logs
      .readLogStream({
        containerName: 'app',
        logGroup: LOG_GROUP,
        logStream: `ecs/app/${TASK_ID}`,
        region: SOURCE_REGION,
        startMs: stoppedAtMs - 300_000,
        endMs: stoppedAtMs,
      })
      .catch((e: unknown) => e);

    // Assess
    expect((error as { reason?: string }).reason).toBe('log-group-not-found');
  }, 60_000);
});

describe.skipIf(hasMoto)('a source account task recorded through the central bus', () => {
  it.skip(MOTO_SKIP_REASON, () => {});
});
