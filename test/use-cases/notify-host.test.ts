import { describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { type NotifyFailureDeps, notifyFailure } from '../../lambda/use-cases/notify-failure.js';
import { InMemoryInstanceStore } from '../fakes/instance-store.js';
import { FakeNotificationLedger, FakeNotifier, fakeSleep, fakeTraceWorld } from '../fakes/notify-fakes.js';
import { loadLogDriverFixture } from '../support/log-driver-fixtures.js';

const fixture = loadLogDriverFixture('hostDrained');
const taskEvent = fixture.events.find(
  (e) => (e as Record<string, unknown>)['detail-type'] === 'ECS Task State Change',
) as Record<string, unknown>;

function harness(settings: NotifyFailureDeps['settings']) {
  const parsed = parseEcsEvent(taskEvent);
  if (parsed.type !== 'task-state-change') throw new Error('not a task event');
  const world = fakeTraceWorld(Date.parse(parsed.transition.stoppedAt ?? '') + 60_000);
  world.history.record(parsed.transition);
  const notifier = new FakeNotifier();
  const deps: NotifyFailureDeps = {
    trace: { ...world.traceDeps, instances: new InMemoryInstanceStore().recordEvents(fixture.events) },
    ledger: new FakeNotificationLedger(),
    notifier,
    sleep: fakeSleep(world.clock),
    settings,
    settleMs: 0,
    apiUrl: 'https://tracer.example.com/prod',
    timeZone: 'UTC',
  };
  return { deps, notifier };
}

describe('notifyFailure of a task moved off a drained host', () => {
  it('does not notify it by default, naming the setting', async () => {
    // Prepare
    const { deps, notifier } = harness({});

    // Act
    const result = await notifyFailure(deps, { event: taskEvent });

    // Assess
    expect(result).toMatchObject({
      outcome: 'filtered',
      failureKind: 'host-drained',
      reason: 'tasks moved off a drained container instance are not notified (notifyHostDrains is off)',
    });
    expect(notifier.published).toHaveLength(0);
  });

  it('notifies it with notifyHostDrains, with the INSTANCE line in the trace', async () => {
    // Prepare
    const { deps, notifier } = harness({ notifyHostDrains: true });

    // Act
    const result = await notifyFailure(deps, { event: taskEvent });

    // Assess
    expect(result).toMatchObject({ outcome: 'published', failureKind: 'host-drained' });
    expect(notifier.published[0]?.body).toContain('INSTANCE\tDRAINING (i-0a1b2c3d4e5f60789)');
  });
});
