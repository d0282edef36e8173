import { SNSClient } from '@aws-sdk/client-sns';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbNotificationLedger } from '../../lambda/adapters/dynamodb/dynamodb-notification-ledger.js';
import { DynamoDbServiceEventStore } from '../../lambda/adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../../lambda/adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import { DynamoDbTransitionStore } from '../../lambda/adapters/dynamodb/dynamodb-transition-store.js';
import type { DynamoDbTableOptions } from '../../lambda/adapters/dynamodb/table-options.js';
import { SnsNotifier } from '../../lambda/adapters/sns/sns-notifier.js';
import { MissingEnvError } from '../../lambda/config/env.js';
import { createLogger, silentLogger } from '../../lambda/config/logger.js';
import { InvalidTaskEventError } from '../../lambda/core/errors.js';
import {
  makeNotifierHandler,
  type NotifierHandlerDeps,
  notifierDepsFromEnv,
} from '../../lambda/handlers/notifier.js';
import { createRecorderCache, recordEvent } from '../../lambda/use-cases/record-event.js';
import {
  awslogsTaskDefinition,
  FakeClock,
  FakeLogSource,
  FakeNotificationLedger,
  FakeNotifier,
  fakeSleep,
  fakeTraceWorld,
} from '../fakes/notify-fakes.js';
import { SnsFake } from '../fakes/sns-query-fake.js';
import { type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadEventJson, loadSummary, sqsRecord } from '../support/notify-fixtures.js';

const TOPIC_ARN = 'arn:aws:sns:ap-northeast-1:123456789012:tracer-failures';
const PULL_STOPPED_AT_MS = Date.parse('2021-11-26T17:29:57.070Z');
const SETTLE_MS = 30_000;

function batch(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A logger that keeps its JSON lines for the test to read. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const logger = createLogger(
    { service: 'notifier' },
    { level: 'debug', write: (line) => entries.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, entries };
}

/** Handler deps over in-memory fakes, with the reference pull failure recorded. */
function fakeDeps(nowMs = PULL_STOPPED_AT_MS + SETTLE_MS) {
  const world = fakeTraceWorld(nowMs);
  world.history.record(loadSummary('failure-image-pull.json'));
  world.history.record(loadSummary('failure-user-stop.json'));
  const notifier = new FakeNotifier();
  const { logger, entries } = capturingLogger();
  const deps: NotifierHandlerDeps = {
    trace: world.traceDeps,
    ledger: new FakeNotificationLedger(),
    notifier,
    sleep: fakeSleep(world.clock),
    settings: {},
    settleMs: SETTLE_MS,
    timeZone: 'Asia/Tokyo',
    logger,
  };
  return { world, notifier, entries, deps };
}

describe('makeNotifierHandler', () => {
  it('publishes a failed task and answers an empty partial batch response', async () => {
    // Prepare
    const { deps, notifier } = fakeDeps();
    const handler = makeNotifierHandler(deps);

    // Act
    const response = await handler(
      batch(sqsRecord('m1', JSON.stringify(loadEventJson('failure-image-pull.json')))),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(notifier.published).toHaveLength(1);
  });

  it('logs a malformed event with its id and reason and reports it failed', async () => {
    const { deps, entries, notifier } = fakeDeps();
    const bad = loadEventJson('failure-image-pull.json');
    delete (bad.detail as Record<string, unknown>).taskArn;

    const response = await makeNotifierHandler(deps)(
      batch(sqsRecord('m1', JSON.stringify(bad)), sqsRecord('m2', '{not json')),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'rejected a malformed event',
        messageId: 'm1',
        eventId: '4a3c2b8e-7f1d-4e0a-9b6c-2d5e8f9a1b3c',
        reason: 'detail.taskArn: Invalid input: missing',
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'rejected a malformed event: the SQS message body is not JSON',
        messageId: 'm2',
      }),
    );
    expect(notifier.published).toHaveLength(0);
  });

  it('asks for a later delivery when the invocation has no time to wait for the settle point', async () => {
    const { deps, entries, notifier } = fakeDeps(PULL_STOPPED_AT_MS + 10_000);
    const handler = makeNotifierHandler({ ...deps, reserveMs: 45_000 });

    const response = await handler(
      batch(sqsRecord('m1', JSON.stringify(loadEventJson('failure-image-pull.json')))),
      {
        getRemainingTimeInMillis: () => 50_000,
      },
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(entries).toContainEqual(
      expect.objectContaining({
        message: 'will notify on a later delivery',
        error: 'SettleDelayPendingError',
      }),
    );
    expect(notifier.published).toHaveLength(0);
  });

  it('waits for the settle point when the invocation has the time', async () => {
    const { deps, notifier, world } = fakeDeps(PULL_STOPPED_AT_MS + 10_000);

    const response = await makeNotifierHandler(deps)(
      batch(sqsRecord('m1', JSON.stringify(loadEventJson('failure-image-pull.json')))),
      { getRemainingTimeInMillis: () => 300_000 },
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(world.clock.nowMs()).toBe(PULL_STOPPED_AT_MS + SETTLE_MS);
    expect(notifier.published).toHaveLength(1);
  });

  it('reports a record whose publish failed, and logs why', async () => {
    const { deps, entries, notifier } = fakeDeps();
    notifier.failuresLeft = 1;

    const response = await makeNotifierHandler(deps)(
      batch(sqsRecord('m1', JSON.stringify(loadEventJson('failure-image-pull.json')))),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'could not notify; SQS will deliver the event again',
      }),
    );
  });

  it('logs the raw error of a trace that could not be built, while the message tells a safe reason', async () => {
    const { deps, entries, notifier } = fakeDeps();
    const history = deps.trace.history;
    let reads = 0;
    // The first read finds the task; the trace's own read fails.
    const failingHistory: typeof history = {
      listTransitions: (clusterName, taskId) => history.listTransitions(clusterName, taskId),
      listTasks: (query) => history.listTasks(query),
      listClusters: () => history.listClusters(),
      getTask: async (clusterName, taskId) => {
        reads += 1;
        if (reads > 1) {
          throw Object.assign(new Error('arn:aws:dynamodb:x:1:table/t is broken'), {
            name: 'InternalServerError',
          });
        }
        return history.getTask(clusterName, taskId);
      },
    };

    const response = await makeNotifierHandler({
      ...deps,
      trace: { ...deps.trace, history: failingHistory },
    })(batch(sqsRecord('m1', JSON.stringify(loadEventJson('failure-image-pull.json')))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(notifier.published[0]?.body).toContain(
      'the full trace could not be built (an AWS service failed)',
    );
    expect(notifier.published[0]?.body).not.toContain('is broken');
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'published what the recorded task says: the trace could not be built',
        error: expect.objectContaining({
          name: 'InternalServerError',
          message: 'arn:aws:dynamodb:x:1:table/t is broken',
        }),
      }),
    );
  });

  it('rejects an invocation that is not an SQS batch', async () => {
    const { deps } = fakeDeps();

    await expect(makeNotifierHandler(deps)({} as SQSEvent)).rejects.toBeInstanceOf(InvalidTaskEventError);
  });
});

describe('notifierDepsFromEnv', () => {
  const env = {
    TRACER_TABLE_NAME: 'tracer',
    TRACER_TOPIC_ARN: TOPIC_ARN,
    AWS_REGION: 'ap-northeast-1',
  };

  it('builds the dependencies from the environment, with defaults', () => {
    const deps = notifierDepsFromEnv(env);

    expect(deps).toMatchObject({ settleMs: 30_000, format: 'text', settings: {} });
    expect(deps.apiUrl).toBeUndefined();
  });

  it('reads the settle delay, the filters, the format and the API URL', () => {
    const deps = notifierDepsFromEnv({
      ...env,
      TRACER_NOTIFY_SETTLE_SECONDS: '45',
      TRACER_NOTIFY_FILTERS: '{"excludeClusters":["dev"],"notifySpotInterruptions":true}',
      TRACER_NOTIFY_FORMAT: 'chatbot',
      TRACER_API_URL: 'https://api.example.com/prod',
    });

    expect(deps).toMatchObject({
      settleMs: 45_000,
      format: 'chatbot',
      apiUrl: 'https://api.example.com/prod',
      settings: { excludeClusters: ['dev'], notifySpotInterruptions: true },
    });
  });

  it.each([
    [{ TRACER_TABLE_NAME: '' }, /TRACER_TABLE_NAME is not set/],
    [{ TRACER_TOPIC_ARN: ' ' }, /TRACER_TOPIC_ARN is not set/],
    [{ TRACER_NOTIFY_FORMAT: 'slack' }, /TRACER_NOTIFY_FORMAT must be one of text, chatbot, got "slack"/],
    [{ TRACER_NOTIFY_SETTLE_SECONDS: '-1' }, /TRACER_NOTIFY_SETTLE_SECONDS must be a non-negative integer/],
    [{ TRACER_NOTIFY_FILTERS: '{"failureKinds":["typo"]}' }, /notifier settings: failureKinds\.0/],
    [{ TRACER_RETENTION_DAYS: '0' }, /TRACER_RETENTION_DAYS must be at least 1/],
  ])('fails loudly at cold start for %j', (override, message) => {
    expect(() => notifierDepsFromEnv({ ...env, ...override })).toThrow(message);
  });

  it('fails with MissingEnvError without a topic', () => {
    expect(() => notifierDepsFromEnv({ TRACER_TABLE_NAME: 'tracer' })).toThrow(MissingEnvError);
  });
});

describe('the failure notifier end to end, against dynalite and a loopback SNS', () => {
  let db: DynaliteHandle;
  const sns = new SnsFake();
  let snsClient: SNSClient;
  let clock: FakeClock;
  let handler: ReturnType<typeof makeNotifierHandler>;

  beforeAll(async () => {
    db = await startDynalite();
    const endpoint = await sns.start();
    snsClient = new SNSClient({
      endpoint,
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    clock = new FakeClock(PULL_STOPPED_AT_MS + 1_000);
    const table: DynamoDbTableOptions = {
      client: db.client,
      tableName: db.tableName,
      retentionDays: 90,
      clock,
    };

    // The recorder stores the events first, as it does in AWS.
    const recorderDeps = {
      transitions: new DynamoDbTransitionStore(table),
      taskDefinitions: new DynamoDbTaskDefinitionStore(table),
      taskDefinitionSource: {
        describeTaskDefinition: async (arn: string) => awslogsTaskDefinition(arn, ['nginx'], '/ecs/nginx'),
      },
      serviceEvents: new DynamoDbServiceEventStore(table),
      serviceEventSource: { recentServiceEvents: async () => [] },
      clock,
      logger: silentLogger,
      cache: createRecorderCache(),
    };
    for (const fixture of ['failure-image-pull.json', 'failure-user-stop.json']) {
      await recordEvent(recorderDeps, loadEventJson(fixture));
    }

    handler = makeNotifierHandler({
      trace: {
        history: new DynamoDbTaskHistory(table),
        taskDefinitions: new DynamoDbTaskDefinitionStore(table),
        serviceEvents: new DynamoDbServiceEventStore(table),
        logs: new FakeLogSource(clock),
        clock,
      },
      ledger: new DynamoDbNotificationLedger(table),
      notifier: new SnsNotifier({ client: snsClient, topicArn: TOPIC_ARN }),
      sleep: fakeSleep(clock),
      settings: {},
      settleMs: SETTLE_MS,
      apiUrl: 'https://tracer.example.com/prod',
      timeZone: 'Asia/Tokyo',
      logger: silentLogger,
    });
  });

  afterAll(async () => {
    snsClient.destroy();
    await sns.stop();
    await db.stop();
  });

  it('publishes exactly one notification for the failed pull and none for the user stop', async () => {
    // Prepare: the pull failure twice (EventBridge delivers at least once), the user stop once.
    const pull = JSON.stringify(loadEventJson('failure-image-pull.json'));
    const userStop = JSON.stringify(loadEventJson('failure-user-stop.json'));
    const deliveries = batch(sqsRecord('m1', pull), sqsRecord('m2', userStop), sqsRecord('m3', pull));

    // Act: the batch, then SQS delivering all of it again.
    const first = await handler(deliveries, { getRemainingTimeInMillis: () => 300_000 });
    const retried = await handler(deliveries, { getRemainingTimeInMillis: () => 300_000 });

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(sns.requests).toHaveLength(1);
    const [request] = sns.requests;
    expect(request?.params.get('TopicArn')).toBe(TOPIC_ARN);
    expect(request?.params.get('Subject')).toBe(
      'Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)',
    );
    const body = request?.params.get('Message') ?? '';
    expect(body.split('\n')[0]).toMatch(
      /^Image pull failed: ECS could not pull docker\.io\/library\/ngin:latest/,
    );
    const reference = [
      '2021-11-27T02:29:15.055+09:00\tTASK\tCreated',
      '2021-11-27T02:29:33.527+09:00\tTASK\tExecution stopped',
      '2021-11-27T02:29:43.569+09:00\tTASK\tStopping',
      '2021-11-27T02:29:43.569+09:00\tTASK\tStoppedReason:CannotPullContainerError: inspect image has been retried 1 time(s): failed to resolve ref "docker.io/library/ngin:latest": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
      '2021-11-27T02:29:43.569+09:00\tTASK\tStoppedCode:TaskFailedToStart',
      '2021-11-27T02:29:57.070+09:00\tTASK\tStopped',
    ];
    const traceLines = body.split('\n').filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));
    expect(traceLines.filter((line) => /\t(TASK)\t/.test(line))).toEqual(reference);
    // The task's last lines: its stop, then the container's final state and tracer's diagnosis.
    expect(traceLines.slice(-3)).toEqual([
      '2021-11-27T02:29:57.070+09:00\tTASK\tStopped',
      expect.stringMatching(
        /^2021-11-27T02:29:57\.070\+09:00\tCONTAINER:nginx\tSTOPPED \(reason: CannotPullContainerError/,
      ),
      expect.stringMatching(
        /^2021-11-27T02:29:57\.070\+09:00\tTRACER\tDiagnosis \(image-pull\): Image pull failed/,
      ),
    ]);
    expect(request?.attributes).toEqual({
      cluster: { dataType: 'String', stringValue: 'default' },
      group: { dataType: 'String', stringValue: 'family:nginx' },
      stopCode: { dataType: 'String', stringValue: 'TaskFailedToStart' },
      failureKind: { dataType: 'String', stringValue: 'image-pull' },
    });
  });
});
