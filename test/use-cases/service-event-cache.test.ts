import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import type { ServiceEvent } from '../../lambda/core/model.js';
import { makeRecorderHandler } from '../../lambda/handlers/recorder.js';
import type { ServiceEventSource } from '../../lambda/use-cases/ports.js';
import { createRecorderCache } from '../../lambda/use-cases/record-event.js';
import {
  CachedServiceEventSource,
  SERVICE_EVENTS_TTL_MS,
} from '../../lambda/use-cases/service-event-cache.js';
import {
  FakeTaskDefinitionSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTransitionStore,
} from '../fakes/in-memory-recorder.js';
import { FakeClock } from '../fakes/notify-fakes.js';
import { loadEventJson } from '../support/notify-fixtures.js';
import { sqsBatch } from '../support/recorder.js';

const T0 = Date.parse('2021-12-03T02:23:10.000Z');

const event = (id: string, createdAt: string): ServiceEvent => ({
  clusterName: 'default',
  serviceName: 'nginx-local',
  eventId: id,
  createdAt,
  message: `(service nginx-local) event ${id}`,
  source: 'describe-services',
});

/** DescribeServices that counts its calls; `null` events stand for a service that is gone. */
class CountingSource implements ServiceEventSource {
  calls = 0;
  failNext = false;
  constructor(private readonly events: ServiceEvent[] | null = [event('e1', '2021-12-03T02:22:28.938Z')]) {}
  async recentServiceEvents(): Promise<ServiceEvent[] | undefined> {
    this.calls += 1;
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }
    return this.events ? [...this.events] : undefined;
  }
}

describe('CachedServiceEventSource', () => {
  it('asks ECS once for a service within the time it keeps an answer, and again after it', async () => {
    const clock = new FakeClock(T0);
    const ecs = new CountingSource();
    const cached = new CachedServiceEventSource(ecs, clock);

    await cached.recentServiceEvents('default', 'nginx-local');
    clock.advance(SERVICE_EVENTS_TTL_MS - 1);
    const kept = await cached.recentServiceEvents('default', 'nginx-local');
    clock.advance(1);
    await cached.recentServiceEvents('default', 'nginx-local');

    expect(kept).toEqual([event('e1', '2021-12-03T02:22:28.938Z')]);
    expect(ecs.calls).toBe(2);
  });

  it('shares one call among callers that ask at the same time', async () => {
    const ecs = new CountingSource();
    const cached = new CachedServiceEventSource(ecs, new FakeClock(T0));

    const answers = await Promise.all(
      Array.from({ length: 8 }, () => cached.recentServiceEvents('default', 'nginx-local')),
    );

    expect(ecs.calls).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  it('asks again for a caller that needs an answer newer than the one it keeps', async () => {
    const clock = new FakeClock(T0);
    const ecs = new CountingSource();
    const cached = new CachedServiceEventSource(ecs, clock);

    await cached.recentServiceEvents('default', 'nginx-local');
    clock.advance(1_000);
    await cached.recentServiceEvents('default', 'nginx-local', { notBeforeMs: T0 });
    await cached.recentServiceEvents('default', 'nginx-local', { notBeforeMs: T0 + 500 });
    await cached.recentServiceEvents('default', 'nginx-local', { notBeforeMs: T0 + 500 });

    expect(ecs.calls).toBe(2);
  });

  it('keeps services apart, a service that is gone included', async () => {
    const ecs = new CountingSource(null);
    const cached = new CachedServiceEventSource(ecs, new FakeClock(T0));

    expect(await cached.recentServiceEvents('default', 'a')).toBeUndefined();
    await cached.recentServiceEvents('default', 'b');
    await cached.recentServiceEvents('other', 'a');
    await cached.recentServiceEvents('default', 'a');

    expect(ecs.calls).toBe(3);
  });

  it('does not keep a failure', async () => {
    const ecs = new CountingSource();
    ecs.failNext = true;
    const cached = new CachedServiceEventSource(ecs, new FakeClock(T0));

    await expect(cached.recentServiceEvents('default', 'nginx-local')).rejects.toThrow('Rate exceeded');
    expect(await cached.recentServiceEvents('default', 'nginx-local')).toHaveLength(1);
    expect(ecs.calls).toBe(2);
  });

  it('forgets the service asked for longest ago past its bound', async () => {
    const ecs = new CountingSource();
    const cached = new CachedServiceEventSource(ecs, new FakeClock(T0), { maxServices: 2 });

    for (const service of ['a', 'b', 'c', 'a']) await cached.recentServiceEvents('default', service);

    expect(ecs.calls).toBe(4);
  });
});

describe('the recorder during a burst of stopped tasks of one service', () => {
  it('asks DescribeServices once for the whole batch', async () => {
    // Prepare: ten tasks of one service stop together (a scale-in), in one SQS batch.
    const ecs = new CountingSource();
    const clock = new FakeClock(T0);
    const serviceEvents = new InMemoryServiceEventStore();
    const template = loadEventJson('failure-scale-in.json');
    const detail = template.detail as Record<string, unknown>;
    const bodies = Array.from({ length: 10 }, (_, i) => {
      const taskId = `${String(i).padStart(2, '0')}${'a'.repeat(30)}`;
      const taskArn = String(detail.taskArn).replace(/[^/]+$/, taskId);
      return JSON.stringify({ ...template, id: `event-${i}`, detail: { ...detail, taskArn } });
    });
    const handler = makeRecorderHandler({
      transitions: new InMemoryTransitionStore(),
      taskDefinitions: new InMemoryTaskDefinitionStore(),
      taskDefinitionSource: new FakeTaskDefinitionSource(),
      serviceEvents,
      serviceEventSource: new CachedServiceEventSource(ecs, clock),
      clock,
      logger: silentLogger,
      cache: createRecorderCache(),
    });

    // Act
    const response = await handler(sqsBatch(bodies));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecs.calls).toBe(1);
  });
});
