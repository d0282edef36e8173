import { describe, expect, it } from 'vitest';
import { BOUNDED_STOPPED_EARLY_NOTICE } from '../../lambda/use-cases/bounded-trace.js';
import {
  ClaimExpiringError,
  notifyFailure,
  PUBLISH_RESERVE_MS,
} from '../../lambda/use-cases/notify-failure.js';
import { awslogsTaskDefinition, fakeNotifyDeps, fakeTraceWorld } from '../fakes/notify-fakes.js';
import { loadEventJson, loadSummary } from '../support/notify-fixtures.js';

const SETTLE_MS = 30_000;
const summary = loadSummary('failure-oom.json');
const TASK_KEY = `${summary.clusterName}/${summary.taskId}`;
const APP_STREAM = `ecs/app/${summary.taskId}`;

/**
 * The out-of-memory task after its settle point, its app container logging at start-up and just before
 * the stop. A one-second log window keeps the two apart, so the trace reads them in two windows.
 */
function oomWorld() {
  const event = loadEventJson('failure-oom.json');
  const world = fakeTraceWorld(Date.parse(summary.stoppedAt ?? '') + SETTLE_MS);
  world.history.record(summary);
  const arn = summary.taskDefinitionArn ?? '';
  world.taskDefinitions.definitions.set(arn, awslogsTaskDefinition(arn, ['app'], '/ecs/example-api'));
  world.logs.add('/ecs/example-api', APP_STREAM, [
    { timestampMs: Date.parse('2020-03-16T15:34:05.000Z'), message: 'listening on :8080' },
    { timestampMs: Date.parse('2020-03-16T15:34:59.500Z'), message: 'allocating a 4 GiB buffer' },
  ]);
  const { deps, ledger, notifier } = fakeNotifyDeps(world, { timeZone: 'UTC', traceDurationMs: 1_000 });
  return { event, world, ledger, notifier, deps };
}

describe('notifyFailure within the invocation’s time', () => {
  it('publishes the lines read before time ran out, says so, and closes with how the task ended', async () => {
    // Prepare: each log read takes six seconds, and the reads have five before the publish reserve.
    const { event, world, notifier, deps } = oomWorld();
    world.logs.readCostMs = 6_000;
    const endMs = world.clock.nowMs() + PUBLISH_RESERVE_MS + 5_000;

    // Act
    const result = await notifyFailure(deps, { event, timeLeftMs: () => endMs - world.clock.nowMs() });

    // Assess
    expect(result).toMatchObject({ outcome: 'published', stoppedEarly: true, fellBack: false });
    const body = notifier.published[0]?.body ?? '';
    expect(body).toContain('CONTAINER:app\tlistening on :8080');
    expect(body).not.toContain('allocating a 4 GiB buffer');
    expect(body).toContain(`TRACER\t${BOUNDED_STOPPED_EARLY_NOTICE}`);
    expect(body.indexOf(BOUNDED_STOPPED_EARLY_NOTICE)).toBeLessThan(body.indexOf('TASK\tStopping'));
    expect(body).toContain('TASK\tStopped');
    expect(body).toContain('CONTAINER:app\tSTOPPED (exit code: 137)');
    expect(body).toContain('TRACER\tDiagnosis (out-of-memory)');
    expect(world.logs.requests).toHaveLength(1);
  });

  it('reads everything when there is time', async () => {
    const { event, world, notifier, deps } = oomWorld();
    world.logs.readCostMs = 6_000;
    const endMs = world.clock.nowMs() + PUBLISH_RESERVE_MS + 60_000;

    const result = await notifyFailure(deps, { event, timeLeftMs: () => endMs - world.clock.nowMs() });

    expect(result).toMatchObject({ outcome: 'published' });
    expect(result).not.toHaveProperty('stoppedEarly');
    expect(notifier.published[0]?.body).toContain('allocating a 4 GiB buffer');
  });

  it('keeps its claim but does not publish when the claim is about to expire, and the next claim publishes once', async () => {
    // Prepare: reading the logs takes 55 of the claim's 60 seconds.
    const { event, world, ledger, notifier, deps } = oomWorld();
    world.logs.readCostMs = 27_500;

    // Act
    const late = await notifyFailure(deps, { event, leaseMs: 60_000 }).catch((e: unknown) => e);
    const claim = ledger.entries.get(TASK_KEY);
    world.clock.advance(10_000);
    world.logs.readCostMs = 0;
    const retried = await notifyFailure(deps, { event, leaseMs: 60_000 });

    // Assess
    expect(late).toBeInstanceOf(ClaimExpiringError);
    expect(claim?.state).toBe('claimed');
    expect(retried.outcome).toBe('published');
    expect(notifier.published).toHaveLength(1);
    expect(ledger.entries.get(TASK_KEY)?.state).toBe('sent');
  });
});
