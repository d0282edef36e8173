import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import { InvalidTaskEventError } from '../../lambda/core/errors.js';
import {
  createRecorderCache,
  type RecordEventDeps,
  recordEvent,
} from '../../lambda/use-cases/record-event.js';
import {
  FakeServiceEventSource,
  FakeTaskDefinitionSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTransitionStore,
} from '../fakes/in-memory-recorder.js';
import { InMemoryInstanceStore } from '../fakes/instance-store.js';
import { loadEvent } from '../support/fixtures.js';

function setup(instances: InMemoryInstanceStore | null = new InMemoryInstanceStore()) {
  const deps: RecordEventDeps = {
    transitions: new InMemoryTransitionStore(),
    taskDefinitions: new InMemoryTaskDefinitionStore(),
    taskDefinitionSource: new FakeTaskDefinitionSource(),
    serviceEvents: new InMemoryServiceEventStore(),
    serviceEventSource: new FakeServiceEventSource(),
    clock: { nowMs: () => Date.parse('2024-03-10T12:00:00Z') },
    logger: silentLogger,
    cache: createRecorderCache(),
    ...(instances ? { instances } : {}),
  };
  return { deps, instances };
}

describe('recordEvent: the host side', () => {
  it('records a container instance state change and which EC2 instance it runs on, once per container', async () => {
    // Prepare
    const { deps, instances } = setup();
    const mapping = vi.spyOn(instances as InMemoryInstanceStore, 'recordEc2Mapping');
    const event = loadEvent('container-instance-state-change_awsdocs');

    // Act
    const first = await recordEvent(deps, event);
    await recordEvent(deps, event);

    // Assess
    expect(first).toEqual({
      type: 'container-instance-change',
      eventId: '8952ba83-7be2-4ab5-9c32-6687532d15a2',
      clusterName: 'default',
      containerInstanceId: 'b54a2a04-046f-4331-9d74-3f6d7f6ca315',
      status: 'ACTIVE',
      stored: 'stored',
    });
    expect(mapping).toHaveBeenCalledTimes(1);
    expect(instances?.changes.get('default#b54a2a04-046f-4331-9d74-3f6d7f6ca315')?.size).toBe(1);
  });

  it('records a Spot interruption warning under its EC2 instance', async () => {
    const { deps, instances } = setup();

    const result = await recordEvent(deps, loadEvent('ec2-spot-instance-interruption-warning_awsdocs'));

    expect(result).toMatchObject({
      type: 'ec2-instance-notice',
      ec2InstanceId: 'i-1234567890abcdef0',
      stored: 'stored',
    });
    expect(instances?.notices.get('i-1234567890abcdef0')?.size).toBe(1);
  });

  it('acknowledges host events without storing them when no host store is wired', async () => {
    const { deps } = setup(null);

    const result = await recordEvent(deps, loadEvent('ec2-instance-rebalance-recommendation_awsdocs'));

    expect(result).toMatchObject({ type: 'ec2-instance-notice', stored: 'not-recorded' });
  });

  it('rejects a container instance event that names no container instance', async () => {
    const { deps } = setup();
    const event = loadEvent('container-instance-state-change_awsdocs');
    event.detail.containerInstanceArn = undefined;
    event.resources = [];

    await expect(recordEvent(deps, event)).rejects.toBeInstanceOf(InvalidTaskEventError);
  });
});
