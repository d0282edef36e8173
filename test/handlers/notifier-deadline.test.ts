import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lambda/config/logger.js';
import { METRIC_DIMENSION, METRICS_NAMESPACE, MetricName } from '../../lambda/config/metrics.js';
import {
  ANSWER_MARGIN_MS,
  DEFAULT_LEASE_MARGIN_MS,
  type MessageVisibility,
  makeNotifierHandler,
  NOT_STARTED_DELAY_SECONDS,
  type NotifierHandlerDeps,
  RECORD_MIN_MS,
} from '../../lambda/handlers/notifier.js';
import type { Timer } from '../../lambda/handlers/time-limit.js';
import type { Notification, Notifier } from '../../lambda/use-cases/ports.js';
import { FakeNotifier, fakeNotifyDeps, fakeTraceWorld } from '../fakes/notify-fakes.js';
import { loadEventJson, loadSummary, sqsRecord } from '../support/notify-fixtures.js';

const SETTLE_MS = 30_000;
const PULL = loadSummary('failure-image-pull.json');
const PULL_KEY = `${PULL.clusterName}/${PULL.taskId}`;

/** A delivery of a stopped task's event, the reference pull failure unless told otherwise. */
function delivery(messageId: string, event: unknown = loadEventJson('failure-image-pull.json')): SQSRecord {
  return sqsRecord(messageId, JSON.stringify(event));
}

/** Remembers every delay the handler asks SQS for. */
class RecordingVisibility implements MessageVisibility {
  readonly delays: Array<{ receiptHandle: string; seconds: number }> = [];
  async delay(message: Pick<SQSRecord, 'receiptHandle'>, seconds: number): Promise<void> {
    this.delays.push({ receiptHandle: message.receiptHandle, seconds });
  }
}

/** A timer the test fires: the batch answer's deadline arrives when the test says so. */
function manualTimer(): { timer: Timer; fire: () => void; armed: () => number } {
  const pending: Array<() => void> = [];
  return {
    timer: (_ms, signal) =>
      new Promise<void>((resolve) => {
        pending.push(resolve);
        signal.addEventListener(
          'abort',
          () => {
            const index = pending.indexOf(resolve);
            if (index >= 0) pending.splice(index, 1);
            resolve();
          },
          { once: true },
        );
      }),
    fire: () => {
      for (const resolve of pending.splice(0)) resolve();
    },
    armed: () => pending.length,
  };
}

/** A notifier whose first publish never returns, until the test has seen it start. */
class HangingNotifier implements Notifier {
  readonly started: Promise<void>;
  private markStarted: () => void = () => {};
  constructor() {
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }
  publish(_notification: Notification): Promise<void> {
    this.markStarted();
    return new Promise(() => {});
  }
}

function harness(overrides: Partial<NotifierHandlerDeps> = {}) {
  const world = fakeTraceWorld(Date.parse(PULL.stoppedAt ?? '') + SETTLE_MS);
  world.history.record(PULL);
  const entries: Record<string, unknown>[] = [];
  const visibility = new RecordingVisibility();
  const { deps: notifyDeps, ledger, notifier } = fakeNotifyDeps(world, { settleMs: SETTLE_MS });
  const deps: NotifierHandlerDeps = {
    ...notifyDeps,
    logger: createLogger({}, { write: (line) => entries.push(JSON.parse(line) as Record<string, unknown>) }),
    visibility,
    ...overrides,
  };
  return { world, entries, visibility, ledger, notifier, deps };
}

describe('the notifier near its timeout', () => {
  it('hands back the records it has no time to start, unclaimed, to come back at once', async () => {
    // Prepare
    const { deps, visibility, ledger, notifier, entries } = harness();

    // Act
    const response = await makeNotifierHandler(deps)(
      { Records: [delivery('m1'), delivery('m2')] },
      { getRemainingTimeInMillis: () => RECORD_MIN_MS - 1 },
    );

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    expect(visibility.delays).toEqual([
      { receiptHandle: 'handle-m1', seconds: NOT_STARTED_DELAY_SECONDS },
      { receiptHandle: 'handle-m2', seconds: NOT_STARTED_DELAY_SECONDS },
    ]);
    expect(ledger.entries.size).toBe(0);
    expect(notifier.published).toHaveLength(0);
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'left records for a later delivery: too little time to start them',
        messageIds: ['m1', 'm2'],
      }),
    );
  });

  it('finishes the records it has time for and hands back the rest', async () => {
    // Prepare: each read of the recorded task takes 15 s of the invocation's 60.
    const { deps, world, visibility, notifier } = harness();
    const history = world.traceDeps.history;
    const endMs = world.clock.nowMs() + 60_000;
    const slowDeps: NotifierHandlerDeps = {
      ...deps,
      trace: {
        ...deps.trace,
        history: {
          ...history,
          getTask: async (cluster, task) => {
            world.clock.advance(15_000);
            return history.getTask(cluster, task);
          },
        },
      },
    };

    // Act: the same stopped task three times; the first publishes, the second finds it sent.
    const response = await makeNotifierHandler(slowDeps)(
      { Records: [delivery('m1'), delivery('m2'), delivery('m3')] },
      { getRemainingTimeInMillis: () => endMs - world.clock.nowMs() },
    );

    // Assess
    expect(notifier.published).toHaveLength(1);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
    expect(visibility.delays).toEqual([{ receiptHandle: 'handle-m3', seconds: NOT_STARTED_DELAY_SECONDS }]);
  });

  it('answers before its timeout with a record in hand, keeps that claim, counts it, and the retry after the claim expires publishes once', async () => {
    // Prepare: SNS does not answer, and the invocation has 25 s.
    const hanging = new HangingNotifier();
    const { deps, world, visibility, ledger, entries } = harness({ notifier: hanging });
    const { timer, fire, armed } = manualTimer();
    const remainingMs = 25_000;
    const handler = makeNotifierHandler({ ...deps, timer });

    // Act: the deadline of the batch answer arrives while the publish hangs.
    const answering = handler(
      { Records: [delivery('m1'), delivery('m2', loadEventJson('failure-oom.json'))] },
      { getRemainingTimeInMillis: () => remainingMs, functionName: 'tracer-notifier' },
    );
    await hanging.started;
    expect(armed()).toBe(1);
    fire();
    const response = await answering;

    // Assess: both records go back; the one in hand waits until its claim has expired.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    const leaseSeconds = Math.ceil((remainingMs + DEFAULT_LEASE_MARGIN_MS) / 1000) + 1;
    expect(visibility.delays).toEqual([
      { receiptHandle: 'handle-m1', seconds: leaseSeconds },
      { receiptHandle: 'handle-m2', seconds: NOT_STARTED_DELAY_SECONDS },
    ]);
    const claim = ledger.entries.get(PULL_KEY);
    expect(claim).toEqual({
      state: 'claimed',
      leaseUntilMs: world.clock.nowMs() + remainingMs + DEFAULT_LEASE_MARGIN_MS,
    });
    const line = entries.find((e) => e.messageId === 'm1' && e.level === 'error');
    expect(line).toMatchObject({
      message: 'ran out of time with a record in hand; a later delivery notifies once its claim expires',
      [METRIC_DIMENSION]: 'tracer-notifier',
      [MetricName.NOTIFICATIONS_NOT_SENT]: 1,
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [[METRIC_DIMENSION]],
            Metrics: [{ Name: MetricName.NOTIFICATIONS_NOT_SENT, Unit: 'Count' }],
          },
        ],
      },
    });

    // Act: the redelivery while the claim holds waits; the one after it expires publishes.
    const notifier = new FakeNotifier();
    const retry = makeNotifierHandler({ ...deps, notifier });
    const context = { getRemainingTimeInMillis: () => 100_000 };
    const early = await retry({ Records: [delivery('m1')] }, context);
    world.clock.set((claim?.leaseUntilMs ?? 0) + 1);
    const late = await retry({ Records: [delivery('m1')] }, context);

    // Assess
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(late.batchItemFailures).toEqual([]);
    expect(notifier.published).toHaveLength(1);
    expect(ledger.entries.get(PULL_KEY)?.state).toBe('sent');
  });

  it('counts a notification that SNS refused in the NotificationsNotSent metric of its log line', async () => {
    const { deps, entries, notifier } = harness();
    notifier.failuresLeft = 1;

    const response = await makeNotifierHandler(deps)(
      { Records: [delivery('m1')] },
      { getRemainingTimeInMillis: () => 100_000, functionName: 'tracer-notifier' },
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(entries).toContainEqual(
      expect.objectContaining({
        message: 'could not notify; SQS will deliver the event again',
        [METRIC_DIMENSION]: 'tracer-notifier',
        [MetricName.NOTIFICATIONS_NOT_SENT]: 1,
      }),
    );
  });

  it('returns at once with the time to spare, leaving no timer behind', async () => {
    const { deps, notifier } = harness();
    const { timer, armed } = manualTimer();

    const response = await makeNotifierHandler({ ...deps, timer })(
      { Records: [delivery('m1')] },
      { getRemainingTimeInMillis: () => ANSWER_MARGIN_MS + RECORD_MIN_MS },
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(notifier.published).toHaveLength(1);
    expect(armed()).toBe(0);
  });
});
