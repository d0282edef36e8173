/**
 * Tasks of two accounts traced side by side through the real log and ECS adapters: the SDK clients are
 * mocked, and each answer depends on the account whose credentials the client signs with, as AWS does.
 * The stack's own account signs with the function's credentials, the source account with those of its
 * read role.
 */
import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandInput,
  ECSClient,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountClients } from '../../lambda/adapters/account-clients.js';
import { CloudWatchLogSource } from '../../lambda/adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { EcsServiceEventSource } from '../../lambda/adapters/ecs/ecs-service-event-source.js';
import { EcsTaskDefinitionSource } from '../../lambda/adapters/ecs/ecs-task-definition-source.js';
import {
  ReadRoleCredentials,
  type TemporaryCredentials,
} from '../../lambda/adapters/sts/read-role-credentials.js';
import type { TaskTransition } from '../../lambda/core/model.js';
import type { TraceLine } from '../../lambda/core/trace.js';
import { type BuildTraceDeps, buildTaskTrace } from '../../lambda/use-cases/build-trace.js';
import {
  fixedClock,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../fakes/trace-ports.js';

const HOME = { account: '111122223333', region: 'us-east-1' };
const SOURCE = { account: '222233334444', region: 'us-west-2' };
const ROLE = 'arn:aws:iam::222233334444:role/tracer-read-us-west-2';
const HOME_CREDENTIALS = { accessKeyId: 'AKIDHOME', secretAccessKey: 'home-secret' };
const STARTED_MS = Date.parse('2026-12-03T07:00:10.000Z');
const NOW_MS = Date.parse('2026-12-03T07:30:00.000Z');

/** The account a client's credentials belong to: the key of an assumed role says which. */
async function accountOf(client: { config: { credentials: () => Promise<{ accessKeyId: string }> } }) {
  const { accessKeyId } = await client.config.credentials();
  if (accessKeyId === HOME_CREDENTIALS.accessKeyId) return HOME.account;
  const assumed = /^ASIA-(\d{12})-/.exec(accessKeyId);
  if (!assumed) throw new Error(`the fake knows no credentials ${accessKeyId}`);
  return assumed[1] as string;
}

function denied(name: string): Error {
  return Object.assign(new Error('User: arn:aws:sts::111122223333:assumed-role/secret is not authorized'), {
    name,
    $fault: 'client',
    $metadata: {},
  });
}

function task(scope: { account: string; region: string }, taskId: string): TaskTransition {
  const at = (ms: number) => new Date(STARTED_MS + ms).toISOString();
  return {
    eventId: `event-${taskId}`,
    eventTime: at(60_000),
    region: scope.region,
    account: scope.account,
    clusterArn: `arn:aws:ecs:${scope.region}:${scope.account}:cluster/prod`,
    clusterName: 'prod',
    taskArn: `arn:aws:ecs:${scope.region}:${scope.account}:task/prod/${taskId}`,
    taskId,
    version: 3,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    group: 'service:web',
    launchType: 'FARGATE',
    taskDefinitionArn: `arn:aws:ecs:${scope.region}:${scope.account}:task-definition/web:7`,
    createdAt: at(-10_000),
    startedAt: at(0),
    stoppedAt: at(60_000),
    containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 1 }],
  };
}

const HOME_TASK = task(HOME, 'a0000000000000000000000000000001');
const SOURCE_TASK = task(SOURCE, 'b0000000000000000000000000000002');

const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);

interface World {
  deps: BuildTraceDeps;
  readonly assumed: string[];
  /** The accounts and regions ECS and CloudWatch Logs were asked in, in order. */
  readonly asked: string[];
  refuseRole?: string;
}

function world(): World {
  const assumed: string[] = [];
  const asked: string[] = [];
  const w: World = { assumed, asked, deps: undefined as unknown as BuildTraceDeps };
  const assume = async (roleArn: string): Promise<TemporaryCredentials> => {
    assumed.push(roleArn);
    if (w.refuseRole) throw denied(w.refuseRole);
    const account = /::(\d{12}):role\//.exec(roleArn)?.[1] ?? '';
    return {
      accessKeyId: `ASIA-${account}-${assumed.length}`,
      secretAccessKey: 'assumed-secret',
      sessionToken: 'token',
      expiration: new Date(NOW_MS + 3_600_000),
    };
  };
  const credentials = new ReadRoleCredentials({ assume, clock: fixedClock(NOW_MS) });
  const accounts = new AccountClients({
    homeAccount: HOME.account,
    homeRegion: HOME.region,
    readRolePrefix: 'tracer-read',
    credentials: (roleArn) => credentials.credentials(roleArn),
    createEcs: (access) => new ECSClient({ region: HOME.region, credentials: HOME_CREDENTIALS, ...access }),
    createLogs: (access) =>
      new CloudWatchLogsClient({ region: HOME.region, credentials: HOME_CREDENTIALS, ...access }),
  });

  ecs
    .on(DescribeTaskDefinitionCommand)
    .callsFake(async (input: DescribeTaskDefinitionCommandInput, client) => {
      const account = await accountOf(client());
      const region = await client().config.region();
      asked.push(`ecs ${account} ${region}`);
      // Each account holds only its own revision.
      if (!input.taskDefinition?.includes(`:${account}:`)) throw denied('ClientException');
      return {
        taskDefinition: {
          taskDefinitionArn: input.taskDefinition,
          containerDefinitions: [
            {
              name: 'app',
              essential: true,
              logConfiguration: {
                logDriver: 'awslogs',
                options: {
                  'awslogs-group': '/ecs/web',
                  'awslogs-stream-prefix': 'ecs',
                  'awslogs-region': region,
                },
              },
            },
          ],
        },
      };
    });
  ecs.on(DescribeServicesCommand).resolves({ services: [] });
  logs.on(GetLogEventsCommand).callsFake(async (input: GetLogEventsCommandInput, client) => {
    const account = await accountOf(client());
    asked.push(`logs ${account} ${await client().config.region()}`);
    if (input.nextToken) return { events: [], nextForwardToken: input.nextToken, $metadata: {} };
    const taskId = input.logStreamName?.split('/').pop();
    const owner = [HOME_TASK, SOURCE_TASK].find((t) => t.taskId === taskId);
    // A stream is found only in the account that holds it.
    if (owner?.account !== account)
      throw Object.assign(denied('ResourceNotFoundException'), {
        message: 'The specified log stream does not exist.',
      });
    return {
      events: [{ timestamp: STARTED_MS + 1_000, message: `hello from account ${account}` }],
      nextForwardToken: 'f/end',
      $metadata: {},
    };
  });

  const history = new InMemoryTaskHistory();
  history.recordTransition(HOME_TASK);
  history.recordTransition(SOURCE_TASK);
  w.deps = {
    history,
    taskDefinitions: new InMemoryTaskDefinitionStore(),
    taskDefinitionSource: new EcsTaskDefinitionSource({
      client: accounts.ecs(),
      accounts,
      clock: fixedClock(NOW_MS),
    }),
    serviceEvents: new InMemoryServiceEventStore(),
    serviceEventSource: new EcsServiceEventSource({ client: accounts.ecs(), accounts }),
    logs: new CloudWatchLogSource({ accounts }),
    clock: fixedClock(NOW_MS),
  };
  return w;
}

const messages = (lines: readonly TraceLine[], source: string) =>
  lines.filter((l) => l.source === source).map((l) => l.message);
const logLines = (lines: readonly TraceLine[]) => lines.filter((l) => l.kind === 'log').map((l) => l.message);
const notices = (lines: readonly TraceLine[]) =>
  messages(lines, 'TRACER').filter((m) => !m.startsWith('Diagnosis'));
const trace = (w: World, t: TaskTransition) =>
  buildTaskTrace(w.deps, {
    cluster: { account: t.account, region: t.region, name: t.clusterName },
    taskId: t.taskId,
    durationMs: 60_000,
  });

beforeEach(() => {
  ecs.reset();
  logs.reset();
});
afterEach(() => {
  ecs.reset();
  logs.reset();
});

describe('tracing tasks of two accounts', () => {
  it('reads the source account task through its read role, and the own account task with the function credentials', async () => {
    // Prepare
    const w = world();

    // Act
    const own = await trace(w, HOME_TASK);
    const source = await trace(w, SOURCE_TASK);

    // Assess
    expect(logLines(own.lines)).toEqual(['hello from account 111122223333']);
    expect(logLines(source.lines)).toEqual(['hello from account 222233334444']);
    expect(notices(own.lines)).toEqual([]);
    expect(notices(source.lines)).toEqual([]);
    expect(w.assumed).toEqual([ROLE]);
    expect([...new Set(w.asked)]).toEqual([
      'ecs 111122223333 us-east-1',
      'logs 111122223333 us-east-1',
      'ecs 222233334444 us-west-2',
      'logs 222233334444 us-west-2',
    ]);
  });

  it('assumes the read role once for all reads of the source account', async () => {
    // Prepare
    const w = world();

    // Act
    await trace(w, SOURCE_TASK);
    await trace(w, SOURCE_TASK);

    // Assess
    expect(w.assumed).toEqual([ROLE]);
  });

  it.each(['AccessDenied', 'NoSuchEntity'])(
    'shows a TRACER notice that names the role when STS answers %s, and still traces the task',
    async (refusal) => {
      // Prepare
      const w = world();
      w.refuseRole = refusal;

      // Act
      const source = await trace(w, SOURCE_TASK);
      const own = await trace(w, HOME_TASK);

      // Assess
      const said = notices(source.lines).join('\n');
      expect(said).toContain(`the read role ${ROLE} could not be assumed (${refusal})`);
      expect(said).not.toContain('assumed-role/secret');
      expect(messages(source.lines, 'TASK').length).toBeGreaterThan(0);
      expect(logLines(own.lines)).toEqual(['hello from account 111122223333']);
    },
  );

  it('names the role in the notice when the role may not read the logs or describe the service', async () => {
    // Prepare
    const w = world();
    logs.on(GetLogEventsCommand).rejects(denied('AccessDeniedException'));
    ecs.on(DescribeServicesCommand).rejects(denied('AccessDeniedException'));

    // Act
    const source = await trace(w, SOURCE_TASK);

    // Assess
    expect(notices(source.lines)).toEqual(
      expect.arrayContaining([
        `logs of container app could not be read: access to log stream ecs/app/${SOURCE_TASK.taskId} in log group /ecs/web was denied to the read role ${ROLE} (AccessDeniedException)`,
        `recent events of service web could not be read from ECS (the read role ${ROLE} was denied (AccessDeniedException)); recorded events are shown`,
      ]),
    );
    expect(notices(source.lines).join('\n')).not.toContain('assumed-role/secret');
  });

  it('names the role when it may not describe the task definition', async () => {
    // Prepare
    const w = world();
    ecs.on(DescribeTaskDefinitionCommand).rejects(denied('AccessDeniedException'));

    // Act
    const source = await trace(w, SOURCE_TASK);

    // Assess
    expect(notices(source.lines)).toContain(
      `task definition web:7 could not be described (the read role ${ROLE} was denied (AccessDeniedException)), so the logs of its containers cannot be located`,
    );
  });
});
