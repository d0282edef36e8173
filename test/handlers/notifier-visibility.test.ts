import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_VISIBILITY_SECONDS,
  queueUrlFromArn,
  SqsVisibility,
  VisibilityChangeError,
} from '../../lambda/adapters/sqs/sqs-visibility.js';
import { createLogger } from '../../lambda/config/logger.js';
import {
  MAX_RETRY_DELAY_SECONDS,
  makeNotifierHandler,
  type NotifierHandlerDeps,
  RETRY_BASE_DELAY_SECONDS,
  retryDelaySeconds,
} from '../../lambda/handlers/notifier.js';
import {
  NotificationInProgressError,
  SettleDelayPendingError,
  TaskNotRecordedYetError,
} from '../../lambda/use-cases/notify-failure.js';
import { FakeNotificationLedger, FakeNotifier, fakeSleep, fakeTraceWorld } from '../fakes/notify-fakes.js';
import { loadEventJson, loadSummary, NOTIFY_QUEUE_ARN, sqsRecord } from '../support/notify-fixtures.js';

const QUEUE_ARN = NOTIFY_QUEUE_ARN;
const QUEUE_URL = 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/tracer-notify';
const PULL_STOPPED_AT_MS = Date.parse('2021-11-26T17:29:57.070Z');
const SETTLE_MS = 30_000;

const sqs = mockClient(SQSClient);

afterEach(() => {
  sqs.reset();
});

/** Handler deps over in-memory fakes and the real SqsVisibility over a mocked SQS client. */
function visibilityDeps(options: { record?: boolean; nowMs?: number } = {}) {
  const world = fakeTraceWorld(options.nowMs ?? PULL_STOPPED_AT_MS + SETTLE_MS);
  if (options.record ?? true) world.history.record(loadSummary('failure-image-pull.json'));
  const entries: Record<string, unknown>[] = [];
  const logger = createLogger(
    { service: 'notifier' },
    { level: 'debug', write: (line) => entries.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const notifier = new FakeNotifier();
  const deps: NotifierHandlerDeps = {
    trace: world.traceDeps,
    ledger: new FakeNotificationLedger(),
    notifier,
    sleep: fakeSleep(world.clock),
    settings: {},
    settleMs: SETTLE_MS,
    logger,
    visibility: new SqsVisibility({ client: new SQSClient({ region: 'ap-northeast-1' }) }),
  };
  return { deps, entries, notifier };
}

const pullEvent = () => JSON.stringify(loadEventJson('failure-image-pull.json'));

describe('queueUrlFromArn', () => {
  it.each([
    [QUEUE_ARN, QUEUE_URL],
    [
      'arn:aws-cn:sqs:cn-north-1:123456789012:tracer-notify',
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/tracer-notify',
    ],
  ])('derives the queue URL of %s', (arn, url) => {
    expect(queueUrlFromArn(arn)).toBe(url);
  });

  it.each(['', 'arn:aws:sns:ap-northeast-1:123456789012:topic', 'arn:aws:sqs:ap-northeast-1:123456789012'])(
    'rejects "%s", which is not an SQS queue ARN',
    (arn) => {
      expect(() => queueUrlFromArn(arn)).toThrow(/is not an SQS queue ARN/);
    },
  );
});

describe('SqsVisibility', () => {
  it('changes the visibility of the message on its queue, clamped to what SQS allows', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const visibility = new SqsVisibility({ client: new SQSClient({ region: 'ap-northeast-1' }) });

    await visibility.delay({ eventSourceARN: QUEUE_ARN, receiptHandle: 'h1' }, 29.2);
    await visibility.delay({ eventSourceARN: QUEUE_ARN, receiptHandle: 'h2' }, 10 ** 9);

    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'h1', VisibilityTimeout: 30 },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'h2', VisibilityTimeout: MAX_VISIBILITY_SECONDS },
    ]);
  });

  it('fails with VisibilityChangeError, carrying the cause, when SQS refuses', async () => {
    const refusal = Object.assign(new Error('receipt handle has expired'), {
      name: 'ReceiptHandleIsInvalid',
    });
    sqs.on(ChangeMessageVisibilityCommand).rejects(refusal);
    const visibility = new SqsVisibility({ client: new SQSClient({ region: 'ap-northeast-1' }) });

    const failure = visibility.delay({ eventSourceARN: QUEUE_ARN, receiptHandle: 'h1' }, 30);

    await expect(failure).rejects.toBeInstanceOf(VisibilityChangeError);
    await expect(failure).rejects.toMatchObject({ queueUrl: QUEUE_URL, cause: refusal });
  });
});

describe('retryDelaySeconds', () => {
  const nowMs = 1_000_000;

  it.each([
    [1, RETRY_BASE_DELAY_SECONDS],
    [2, RETRY_BASE_DELAY_SECONDS * 2],
    [3, RETRY_BASE_DELAY_SECONDS * 4],
    [6, MAX_RETRY_DELAY_SECONDS],
    [50, MAX_RETRY_DELAY_SECONDS],
    [Number.NaN, RETRY_BASE_DELAY_SECONDS],
  ])('doubles the wait for the recorder with each receive (receive %d: %d s)', (receiveCount, seconds) => {
    expect(retryDelaySeconds(new TaskNotRecordedYetError('default', 'abc', 3), receiveCount, nowMs)).toBe(
      seconds,
    );
  });

  it('waits until the settle point for a message that came early', () => {
    const error = new SettleDelayPendingError('default', 'abc', nowMs + 12_500);

    expect(retryDelaySeconds(error, 1, nowMs)).toBe(13);
  });

  it('waits until the other attempt’s claim expires, at least the base delay', () => {
    expect(
      retryDelaySeconds(new NotificationInProgressError('default', 'abc', nowMs + 120_000), 1, nowMs),
    ).toBe(121);
    expect(
      retryDelaySeconds(new NotificationInProgressError('default', 'abc', nowMs + 1_000), 1, nowMs),
    ).toBe(RETRY_BASE_DELAY_SECONDS);
  });
});

describe('makeNotifierHandler with SqsVisibility', () => {
  it('brings back a task the recorder has not stored yet after a delay that grows with each receive', async () => {
    // Prepare
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const { deps, entries, notifier } = visibilityDeps({ record: false });

    // Act
    const response = await makeNotifierHandler(deps)({
      Records: [sqsRecord('m1', pullEvent(), 1), sqsRecord('m2', pullEvent(), 3)],
    });

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'handle-m1', VisibilityTimeout: RETRY_BASE_DELAY_SECONDS },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'handle-m2', VisibilityTimeout: RETRY_BASE_DELAY_SECONDS * 4 },
    ]);
    expect(entries).toContainEqual(
      expect.objectContaining({
        message: 'will notify on a later delivery',
        error: 'TaskNotRecordedYetError',
        delaySeconds: RETRY_BASE_DELAY_SECONDS,
      }),
    );
    expect(notifier.published).toHaveLength(0);
  });

  it('brings back an early message at its settle point', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const { deps } = visibilityDeps({ nowMs: PULL_STOPPED_AT_MS + 10_000 });

    const response = await makeNotifierHandler({ ...deps, reserveMs: 45_000 })(
      { Records: [sqsRecord('m1', pullEvent())] },
      { getRemainingTimeInMillis: () => 50_000 },
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({
      VisibilityTimeout: 20,
    });
  });

  it('still reports the record when SQS refuses the visibility change, and logs why', async () => {
    sqs
      .on(ChangeMessageVisibilityCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const { deps, entries } = visibilityDeps({ record: false });

    const response = await makeNotifierHandler(deps)({ Records: [sqsRecord('m1', pullEvent())] });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'could not shorten the wait; SQS delivers the record after its visibility timeout',
        messageId: 'm1',
      }),
    );
  });

  it('leaves the visibility of published and malformed records alone', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const { deps, notifier } = visibilityDeps();

    const response = await makeNotifierHandler(deps)({
      Records: [sqsRecord('m1', pullEvent()), sqsRecord('m2', '{not json')],
    });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(notifier.published).toHaveLength(1);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });
});
