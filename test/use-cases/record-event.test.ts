import { describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { InvalidTaskEventError } from '../../lambda/core/errors.js';
import { classifyFailure } from '../../lambda/core/failure.js';
import type { ServiceEvent, TaskDefinitionInfo, TaskTransition } from '../../lambda/core/model.js';
import {
  createRecorderCache,
  type RecordEventDeps,
  recordEvent,
} from '../../lambda/use-cases/record-event.js';
import {
  CapturingLogger,
  FakeServiceEventSource,
  FakeTaskDefinitionSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTransitionStore,
} from '../fakes/in-memory-recorder.js';
import { clusterNamed } from '../support/clusters.js';
import { loadEvent } from '../support/fixtures.js';

const FARGATE_TD = 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1';
const FIVEXL_TD = 'arn:aws:ecs:eu-central-1:111111111111:task-definition/example-api-v1:20';

const describedFargate: TaskDefinitionInfo = {
  status: 'described',
  taskDefinitionArn: FARGATE_TD,
  describedAt: '2020-01-23T17:57:40.000Z',
  containers: [
    {
      containerName: 'FargateApp',
      logDriver: 'awslogs',
      logGroup: '/ecs/sample-fargate',
      streamPrefix: 'ecs',
      essential: true,
    },
  ],
};

function setup(options: { nowIso?: string } = {}) {
  const clock = { nowMs: Date.parse(options.nowIso ?? '2024-03-10T12:00:00Z') };
  const transitions = new InMemoryTransitionStore();
  const taskDefinitions = new InMemoryTaskDefinitionStore();
  const taskDefinitionSource = new FakeTaskDefinitionSource(new Map([[FARGATE_TD, describedFargate]]));
  const serviceEvents = new InMemoryServiceEventStore();
  const serviceEventSource = new FakeServiceEventSource();
  const logger = new CapturingLogger();
  const deps: RecordEventDeps = {
    transitions,
    taskDefinitions,
    taskDefinitionSource,
    serviceEvents,
    serviceEventSource,
    clock: { nowMs: () => clock.nowMs },
    logger,
    cache: createRecorderCache(),
  };
  return {
    deps,
    clock,
    transitions,
    taskDefinitions,
    taskDefinitionSource,
    serviceEvents,
    serviceEventSource,
    logger,
  };
}

function nginxEvent(eventId: string, createdAt: string, message: string): ServiceEvent {
  return {
    clusterName: 'default',
    serviceName: 'nginx-local',
    eventId,
    createdAt,
    message,
    source: 'describe-services',
  };
}

describe('recordEvent on task state changes', () => {
  it('stores a new transition and moves the summary to it', async () => {
    // Prepare
    const { deps, transitions } = setup();

    // Act
    const result = await recordEvent(deps, loadEvent('lifecycle-fargate-4-running'));

    // Assess
    expect(result).toMatchObject({
      type: 'task-state-change',
      clusterName: 'FargateCluster',
      taskId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
      version: 4,
      lastStatus: 'RUNNING',
      transition: 'stored',
      summary: 'advanced',
      taskDefinition: 'described',
    });
    expect(result).not.toHaveProperty('failure');
    expect(transitions.summary('FargateCluster', 'c13b4cb40f1f4fe4a2971f76ae5a47ad')?.summary.version).toBe(
      4,
    );
  });

  it('reports a second delivery as duplicate and stale without changing anything', async () => {
    const { deps, transitions } = setup();
    await recordEvent(deps, loadEvent('lifecycle-fargate-4-running'));
    const before = structuredClone([
      ...transitions.transitions.entries(),
      ...transitions.summaries.entries(),
    ]);

    const result = await recordEvent(deps, loadEvent('lifecycle-fargate-4-running'));

    expect(result).toMatchObject({ transition: 'duplicate', summary: 'stale' });
    expect([...transitions.transitions.entries(), ...transitions.summaries.entries()]).toEqual(before);
  });

  it('keeps the stored state unchanged when an older version arrives late', async () => {
    // Prepare
    const { deps, transitions } = setup();
    await recordEvent(deps, loadEvent('lifecycle-fargate-6-stopped'));
    const before = structuredClone(transitions.summary('FargateCluster', 'c13b4cb40f1f4fe4a2971f76ae5a47ad'));

    // Act
    const result = await recordEvent(deps, loadEvent('lifecycle-fargate-2-pending'));

    // Assess
    expect(result).toMatchObject({ transition: 'stored', summary: 'stale' });
    expect(transitions.summary('FargateCluster', 'c13b4cb40f1f4fe4a2971f76ae5a47ad')).toEqual(before);
    expect(transitions.transitions.size).toBe(2);
  });

  it.each([
    ['task-stopped-oom', 'out-of-memory'],
    ['task-stopped-image-pull', 'image-pull'],
    ['task-stopped-spot-interruption', 'spot-interruption'],
    ['lifecycle-fargate-6-stopped', 'not-failed'],
  ])('classifies the stopped task %s as %s and stores the classification', async (name, kind) => {
    const { deps, transitions } = setup();

    const result = await recordEvent(deps, loadEvent(name));

    expect(result.type === 'task-state-change' && result.failure?.kind).toBe(kind);
    const [stored] = transitions.summaries.values();
    expect(stored?.failure?.kind).toBe(kind);
  });

  it('classifies with the task definition, so that essential flags count', async () => {
    // Prepare
    const { deps, taskDefinitionSource } = setup();
    const info: TaskDefinitionInfo = {
      status: 'described',
      taskDefinitionArn: FIVEXL_TD,
      describedAt: '2024-03-10T12:00:00.000Z',
      containers: [
        { containerName: 'envoy', essential: true },
        { containerName: 'app', essential: false },
      ],
    };
    taskDefinitionSource.answers.set(FIVEXL_TD, info);
    const raw = loadEvent('task-state-change_fargate_stopped_fivexl-fixture');

    // Act
    const result = await recordEvent(deps, raw);

    // Assess
    const expected = classifyFailure(
      parsedTransition('task-state-change_fargate_stopped_fivexl-fixture'),
      info,
    );
    expect(result.type === 'task-state-change' && result.failure).toEqual(expected);
    expect(expected).not.toEqual(
      classifyFailure(parsedTransition('task-state-change_fargate_stopped_fivexl-fixture')),
    );
  });

  it('rejects a malformed event and stores nothing', async () => {
    const { deps, transitions } = setup();
    const raw = loadEvent('lifecycle-fargate-4-running');
    delete raw.detail.lastStatus;

    await expect(recordEvent(deps, raw)).rejects.toThrow(InvalidTaskEventError);
    expect(transitions.calls.recordTransition).toBe(0);
  });

  it('rejects when the store keeps failing, so that the event is retried', async () => {
    const { deps, transitions } = setup();
    transitions.failWith = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
      name: 'ThrottlingException',
    });

    await expect(recordEvent(deps, loadEvent('lifecycle-fargate-4-running'))).rejects.toThrow(
      /allowed throughput/,
    );
  });

  it('records a task without a task definition ARN without describing anything', async () => {
    const { deps, taskDefinitionSource } = setup();
    const raw = loadEvent('lifecycle-fargate-4-running');
    delete raw.detail.taskDefinitionArn;

    const result = await recordEvent(deps, raw);

    expect(result).not.toHaveProperty('taskDefinition');
    expect(taskDefinitionSource.described).toEqual([]);
  });
});

function parsedTransition(name: string): TaskTransition {
  const event = parseEcsEvent(loadEvent(name));
  if (event.type !== 'task-state-change') throw new Error(`${name} is not a task state change`);
  return event.transition;
}

describe('recordEvent resolves the task definition', () => {
  it('describes a revision once and serves later events from memory', async () => {
    const { deps, taskDefinitionSource, taskDefinitions } = setup();

    for (const name of [
      'lifecycle-fargate-1-provisioning',
      'lifecycle-fargate-2-pending',
      'lifecycle-fargate-4-running',
    ]) {
      await recordEvent(deps, loadEvent(name));
    }

    expect(taskDefinitionSource.described).toEqual([FARGATE_TD]);
    expect(taskDefinitions.items.get(FARGATE_TD)).toEqual(describedFargate);
    expect(taskDefinitions.calls.put).toBe(1);
  });

  it('reads a revision another container stored instead of describing it again', async () => {
    // Prepare
    const first = setup();
    await recordEvent(first.deps, loadEvent('lifecycle-fargate-1-provisioning'));
    const second = setup();
    const deps = { ...second.deps, taskDefinitions: first.taskDefinitions };

    // Act
    const result = await recordEvent(deps, loadEvent('lifecycle-fargate-2-pending'));

    // Assess
    expect(result).toMatchObject({ taskDefinition: 'described' });
    expect(second.taskDefinitionSource.described).toEqual([]);
  });

  it('describes a new revision once when its events arrive together', async () => {
    const { deps, taskDefinitionSource } = setup();

    await Promise.all(
      ['lifecycle-fargate-1-provisioning', 'lifecycle-fargate-2-pending', 'lifecycle-fargate-3-pending'].map(
        (name) => recordEvent(deps, loadEvent(name)),
      ),
    );

    expect(taskDefinitionSource.described).toEqual([FARGATE_TD]);
  });

  it('stores the revision again once a day, so that its TTL counts from the last use', async () => {
    const { deps, clock, taskDefinitions, taskDefinitionSource } = setup();
    await recordEvent(deps, loadEvent('lifecycle-fargate-1-provisioning'));

    clock.nowMs += 86_400_000;
    await recordEvent(deps, loadEvent('lifecycle-fargate-2-pending'));
    await recordEvent(deps, loadEvent('lifecycle-fargate-3-pending'));

    expect(taskDefinitions.calls.put).toBe(2);
    expect(taskDefinitionSource.described).toHaveLength(1);
  });

  it('logs a transient describe failure, records the event, and describes again on the next event', async () => {
    // Prepare
    const { deps, taskDefinitionSource, taskDefinitions, transitions, logger } = setup();
    taskDefinitionSource.answers.set(
      FARGATE_TD,
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );

    // Act
    const result = await recordEvent(deps, loadEvent('lifecycle-fargate-6-stopped'));
    taskDefinitionSource.answers.set(FARGATE_TD, describedFargate);
    const next = await recordEvent(deps, loadEvent('lifecycle-fargate-5-deprovisioning'));

    // Assess
    expect(result).toMatchObject({ transition: 'stored', summary: 'advanced' });
    expect(result).not.toHaveProperty('taskDefinition');
    expect(transitions.summary('FargateCluster', 'c13b4cb40f1f4fe4a2971f76ae5a47ad')?.failure?.kind).toBe(
      'not-failed',
    );
    expect(logger.at('warn')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('could not describe the task definition') }),
    ]);
    expect(next).toMatchObject({ taskDefinition: 'described' });
    expect(taskDefinitionSource.described).toEqual([FARGATE_TD, FARGATE_TD]);
    expect(taskDefinitions.items.get(FARGATE_TD)?.status).toBe('described');
  });

  it('records a revision that can no longer be described as unavailable, and still records the task', async () => {
    const { deps, taskDefinitions, transitions, logger } = setup();

    const result = await recordEvent(deps, loadEvent('task-stopped-oom'));

    expect(result).toMatchObject({
      transition: 'stored',
      summary: 'advanced',
      taskDefinition: 'unavailable',
    });
    expect(
      taskDefinitions.items.get('arn:aws:ecs:eu-west-1:0123456789:task-definition/webapp:15'),
    ).toMatchObject({
      status: 'unavailable',
      reason: 'ClientException: Unable to describe task definition.',
    });
    expect([...transitions.summaries.values()][0]?.failure?.kind).toBe('out-of-memory');
    expect(logger.at('warn')[0]?.message).toContain('unavailable');
  });

  it('describes an unavailable revision again on a later day, in case access was granted since', async () => {
    const { deps, clock, taskDefinitionSource, taskDefinitions } = setup();
    taskDefinitionSource.answers.delete(FARGATE_TD);
    await recordEvent(deps, loadEvent('lifecycle-fargate-1-provisioning'));
    taskDefinitionSource.answers.set(FARGATE_TD, describedFargate);

    await recordEvent(deps, loadEvent('lifecycle-fargate-2-pending'));
    clock.nowMs += 86_400_000;
    await recordEvent(deps, loadEvent('lifecycle-fargate-3-pending'));

    expect(taskDefinitionSource.described).toEqual([FARGATE_TD, FARGATE_TD]);
    expect(taskDefinitions.items.get(FARGATE_TD)).toEqual(describedFargate);
  });
});

describe('recordEvent on a revision recorded before tracer kept log options', () => {
  const recordedEarlier: TaskDefinitionInfo = {
    ...describedFargate,
    containers: [{ containerName: 'FargateApp', logDriver: 'awsfirelens', essential: true }],
  };
  const describedNow: TaskDefinitionInfo = {
    ...describedFargate,
    containers: [
      {
        containerName: 'FargateApp',
        logDriver: 'awsfirelens',
        logOptions: { Name: 'datadog', dd_service: 'app' },
        essential: true,
      },
    ],
  };

  it('describes it again and stores the options', async () => {
    // Prepare
    const { deps, taskDefinitions, taskDefinitionSource } = setup();
    await taskDefinitions.putTaskDefinition(recordedEarlier);
    taskDefinitionSource.answers.set(FARGATE_TD, describedNow);

    // Act
    await recordEvent(deps, loadEvent('lifecycle-fargate-1-provisioning'));

    // Assess
    expect(taskDefinitionSource.described).toEqual([FARGATE_TD]);
    expect(taskDefinitions.items.get(FARGATE_TD)).toEqual(describedNow);
  });

  it('keeps the earlier description when ECS no longer describes the revision', async () => {
    // Prepare
    const { deps, taskDefinitions, taskDefinitionSource } = setup();
    await taskDefinitions.putTaskDefinition(recordedEarlier);
    taskDefinitionSource.answers.delete(FARGATE_TD);

    // Act
    const result = await recordEvent(deps, loadEvent('lifecycle-fargate-1-provisioning'));

    // Assess
    expect(result).toMatchObject({ taskDefinition: 'described' });
    expect(taskDefinitions.items.get(FARGATE_TD)).toEqual(recordedEarlier);
  });
});

describe('recordEvent registers the cluster', () => {
  it('registers a cluster once a UTC day of its events, at day precision', async () => {
    // Prepare
    const { deps, transitions } = setup();
    const nextDay = loadEvent('lifecycle-fargate-6-stopped');
    nextDay.time = '2020-01-24T00:00:01Z';
    nextDay.detail.version = 7;

    // Act
    for (const name of [
      'lifecycle-fargate-1-provisioning',
      'lifecycle-fargate-2-pending',
      'lifecycle-fargate-4-running',
    ]) {
      await recordEvent(deps, loadEvent(name));
    }
    await recordEvent(deps, nextDay);
    await recordEvent(deps, loadEvent('lifecycle-fargate-3-pending'));

    // Assess
    expect(transitions.calls.registerCluster).toBe(2);
    expect(transitions.clusters.get('FargateCluster')).toBe('2020-01-24T00:00:00.000Z');
    expect(transitions.activeDays.get('FargateCluster')).toEqual(new Set(['2020-01-23']));
  });

  it('registers the day the task is listed under (its createdAt day), not the day the event arrived', async () => {
    // Prepare
    const { deps, transitions } = setup();
    const late = loadEvent('lifecycle-fargate-6-stopped');
    late.time = '2020-01-26T09:00:00Z';
    const fresh = loadEvent('lifecycle-fargate-1-provisioning');
    fresh.id = 'a-task-created-on-the-26th';
    Object.assign(fresh.detail, {
      taskArn: 'arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/0000000000000000000000000000f00d',
      createdAt: '2020-01-26T08:00:00.000Z',
    });
    fresh.time = '2020-01-26T08:00:00Z';

    // Act
    await recordEvent(deps, late);
    await recordEvent(deps, fresh);
    await recordEvent(deps, loadEvent('lifecycle-fargate-4-running'));

    // Assess
    expect(transitions.activeDays.get('FargateCluster')).toEqual(new Set(['2020-01-23', '2020-01-26']));
    expect(transitions.clusters.get('FargateCluster')).toBe('2020-01-26T00:00:00.000Z');
    expect(transitions.calls.registerCluster).toBe(2);
  });

  it('lists a task under its event day when ECS left createdAt out', async () => {
    // Prepare
    const { deps, transitions } = setup();
    const event = loadEvent('lifecycle-fargate-1-provisioning');
    delete event.detail.createdAt;
    event.time = '2020-02-02T10:00:00Z';

    // Act
    await recordEvent(deps, event);

    // Assess
    expect(transitions.activeDays.get('FargateCluster')).toEqual(new Set(['2020-02-02']));
  });

  it('registers a cluster and day once when several of its events are recorded at the same time', async () => {
    // Prepare
    const { deps, transitions } = setup();
    const events = Array.from({ length: 8 }, (_, index) => {
      const event = loadEvent('lifecycle-fargate-4-running');
      event.id = `concurrent-${index}`;
      event.detail.taskArn = `arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/${String(index).padStart(32, '0')}`;
      return event;
    });

    // Act
    await Promise.all(events.map((event) => recordEvent(deps, event)));

    // Assess
    expect(transitions.calls.registerCluster).toBe(1);
    expect(transitions.summaries.size).toBe(8);
    expect(deps.cache.pendingClusterDays.size).toBe(0);
  });

  it('fails without writing the summary when the cluster cannot be registered, and registers on the retry', async () => {
    // Prepare
    const { deps, transitions } = setup();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const register = transitions.registerCluster.bind(transitions);
    let failures = 1;
    transitions.registerCluster = async (clusterName, seenAt, listedAt) => {
      if (failures-- > 0) throw throttled;
      return register(clusterName, seenAt, listedAt);
    };
    const running = loadEvent('lifecycle-fargate-4-running');

    // Act
    const first = recordEvent(deps, running);
    await expect(first).rejects.toBe(throttled);
    const summaryAfterFailure = transitions.summary('FargateCluster', 'c13b4cb40f1f4fe4a2971f76ae5a47ad');
    const retried = await recordEvent(deps, running);

    // Assess
    expect(summaryAfterFailure).toBeUndefined();
    expect(retried).toMatchObject({ summary: 'advanced' });
    expect(transitions.activeDays.get('FargateCluster')).toEqual(new Set(['2020-01-23']));
  });
});

describe('recordEvent copies service events of a stopped service task', () => {
  const started = nginxEvent(
    'e-started',
    '2021-12-03T02:06:21.664Z',
    '(service nginx-local) has started 1 tasks: (task 834a5628bef14f2dbb81c7bc0b272160).',
  );
  const stopped = nginxEvent(
    'e-stopped',
    '2021-12-03T02:22:28.938Z',
    '(service nginx-local) has stopped 1 running tasks: (task 834a5628bef14f2dbb81c7bc0b272160).',
  );
  const steady = nginxEvent(
    'e-steady',
    '2021-12-03T02:22:38.224Z',
    '(service nginx-local) has reached a steady state.',
  );
  const marginLow = nginxEvent('e-low', '2021-12-03T02:05:21.633Z', 'a minute before creation');
  const tooEarly = nginxEvent('e-early', '2021-12-03T02:05:21.632Z', 'earlier than a minute before creation');
  const tooLate = nginxEvent('e-late', '2021-12-03T02:23:51.312Z', 'later than a minute after the stop');

  it('copies the events from a minute before creation to a minute after the stop', async () => {
    // Prepare
    const { deps, serviceEventSource, serviceEvents } = setup();
    serviceEventSource.services.set('default/nginx-local', [
      steady,
      stopped,
      tooLate,
      started,
      marginLow,
      tooEarly,
    ]);

    // Act
    const result = await recordEvent(deps, loadEvent('task-stopped-service-replaced'));

    // Assess
    expect(result).toMatchObject({ transition: 'stored', serviceEventsCopied: 4 });
    const copied = await serviceEvents.listServiceEvents(
      clusterNamed('default'),
      'nginx-local',
      0,
      Number.MAX_SAFE_INTEGER,
    );
    expect(copied.map((e) => e.eventId)).toEqual(['e-low', 'e-started', 'e-stopped', 'e-steady']);
  });

  it('does not copy again for a duplicate delivery', async () => {
    const { deps, serviceEventSource } = setup();
    serviceEventSource.services.set('default/nginx-local', [started]);
    await recordEvent(deps, loadEvent('task-stopped-service-replaced'));

    const result = await recordEvent(deps, loadEvent('task-stopped-service-replaced'));

    expect(result).not.toHaveProperty('serviceEventsCopied');
    expect(serviceEventSource.calls).toHaveLength(1);
  });

  it('copies nothing for a service that no longer exists', async () => {
    const { deps, serviceEvents } = setup();

    const result = await recordEvent(deps, loadEvent('task-stopped-service-replaced'));

    expect(result).toMatchObject({ serviceEventsCopied: 0 });
    expect(serviceEvents.events.size).toBe(0);
  });

  it.each([
    ['DescribeServices fails', 'source'],
    ['the store fails', 'store'],
  ])('logs and carries on when %s', async (_label, failing) => {
    // Prepare
    const { deps, serviceEventSource, serviceEvents, transitions, logger } = setup();
    const fault = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    serviceEventSource.services.set('default/nginx-local', failing === 'source' ? fault : [started]);
    if (failing === 'store') serviceEvents.failWith = fault;

    // Act
    const result = await recordEvent(deps, loadEvent('task-stopped-service-replaced'));

    // Assess
    expect(result).toMatchObject({ transition: 'stored', summary: 'advanced', serviceEventsCopied: 0 });
    expect(transitions.summaries.size).toBe(1);
    expect(logger.at('warn').map((e) => e.message)).toContain(
      'could not copy the service events of a stopped task',
    );
  });

  it('asks nothing of a task that belongs to no service', async () => {
    const { deps, serviceEventSource } = setup();

    const result = await recordEvent(deps, loadEvent('lifecycle-fargate-6-stopped'));

    expect(result).not.toHaveProperty('serviceEventsCopied');
    expect(serviceEventSource.calls).toEqual([]);
  });

  it('asks nothing while the service task is still running', async () => {
    const { deps, serviceEventSource } = setup();
    const running = loadEvent('task-stopped-service-replaced');
    Object.assign(running.detail, { lastStatus: 'RUNNING', desiredStatus: 'RUNNING', version: 3 });

    await recordEvent(deps, running);

    expect(serviceEventSource.calls).toEqual([]);
  });
});

describe('recordEvent on service events', () => {
  it.each([
    'service-action_service_steady_state_awsdocs',
    'deployment-state-change_service_deployment_failed_awsdocs',
  ])('stores %s as a service event', async (name) => {
    const { deps, serviceEvents, transitions } = setup();

    const result = await recordEvent(deps, loadEvent(name));

    expect(result).toMatchObject({
      type: 'service-event',
      clusterName: 'default',
      serviceName: 'servicetest',
    });
    expect(serviceEvents.events.size).toBe(1);
    expect(transitions.calls.recordTransition).toBe(0);
  });
});
