import { describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { InvalidTaskEventError } from '../../lambda/core/errors.js';
import type { ServiceEvent, TaskTransition } from '../../lambda/core/model.js';
import { MAX_REASON_CHARS } from '../../lambda/core/text.js';
import { eventFixtureNames, loadEvent, type RawEvent } from '../support/fixtures.js';

function parseTransition(raw: unknown): TaskTransition {
  const event = parseEcsEvent(raw);
  if (event.type !== 'task-state-change') throw new Error(`expected a task state change, got ${event.type}`);
  return event.transition;
}

function parseServiceEvent(raw: unknown): ServiceEvent {
  const event = parseEcsEvent(raw);
  if (event.type !== 'service-event') throw new Error(`expected a service event, got ${event.type}`);
  return event.event;
}

function rejection(raw: unknown): InvalidTaskEventError {
  try {
    parseEcsEvent(raw);
  } catch (error) {
    if (error instanceof InvalidTaskEventError) return error;
    throw error;
  }
  throw new Error('expected parseEcsEvent to reject the event');
}

describe('parseEcsEvent on task state changes', () => {
  it.each<[string, Partial<TaskTransition>]>([
    [
      'task-state-change_fargate_running_awsdocs',
      {
        eventId: '3317b2af-7005-947d-b652-f55e762e571a',
        eventTime: '2020-01-23T17:57:58.000Z',
        region: 'us-west-2',
        account: '111122223333',
        clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster',
        clusterName: 'FargateCluster',
        taskArn: 'arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad',
        taskId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
        version: 4,
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
        group: 'family:sample-fargate',
        launchType: 'FARGATE',
        taskDefinitionArn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1',
        availabilityZone: 'us-west-2c',
        cpu: '256',
        memory: '512',
        platformVersion: '1.3.0',
        createdAt: '2020-01-23T17:57:34.402Z',
        connectivityAt: '2020-01-23T17:57:38.453Z',
        pullStartedAt: '2020-01-23T17:57:52.103Z',
        pullStoppedAt: '2020-01-23T17:57:55.103Z',
        startedAt: '2020-01-23T17:57:58.103Z',
        updatedAt: '2020-01-23T17:57:58.103Z',
        containers: [
          {
            name: 'FargateApp',
            image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/hello-repository:latest',
            imageDigest: 'sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6',
            lastStatus: 'RUNNING',
            runtimeId: 'ad64cbc71c7fb31c55507ec24c9f77947132b03d48d9961115cf24f3b7307e1e',
          },
        ],
      },
    ],
    [
      'task-state-change_fargate_stopped_fivexl-fixture',
      {
        clusterName: 'test',
        taskId: 'a6eaf0150a4248dAA1bcbd688121014e',
        version: 7,
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        group: 'service:example-api-v1',
        capacityProviderName: 'FARGATE',
        startedBy: 'ecs-svc/9300480928766973637',
        stoppingAt: '2020-03-16T15:34:59.778Z',
        executionStoppedAt: '2020-03-16T15:34:18.539Z',
        stoppedAt: '2020-03-16T15:37:04.979Z',
      },
    ],
    [
      'task-state-change_ec2_stopped-userinitiated_aws-samples-stopped-tasks-cwlogs',
      {
        clusterName: 'Features',
        launchType: 'EC2',
        capacityProviderName: 'FeaturesASG',
        containerInstanceArn:
          'arn:aws:ecs:eu-west-1:0123456789:container-instance/Features/0c304770a74540689f5bf39622b3d781',
        stopCode: 'UserInitiated',
        // ECS sends some timestamps without milliseconds; tracer stores one format.
        executionStoppedAt: '2020-06-05T12:17:10.000Z',
      },
    ],
    [
      'task-state-change_ec2_legacy-arn_maasglobal-fixture',
      {
        clusterName: 'my-cluster-name',
        taskId: '037d58fc-e5f6-4e95-ac1f-3ce533bb2abb',
        eventTime: '2018-04-30T20:04:33.000Z',
        stoppedReason: 'Essential container in task exited',
      },
    ],
    [
      'lifecycle-fargate-1-provisioning',
      { version: 1, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' },
    ],
    [
      'lifecycle-fargate-6-stopped',
      { version: 6, lastStatus: 'STOPPED', stoppedAt: '2020-01-23T18:12:34.502Z' },
    ],
    [
      'task-stopped-image-pull',
      { stopCode: 'TaskFailedToStart', clusterName: 'default', taskId: '9f654c76cde14c7c85cf54dce087658a' },
    ],
    [
      'task-stopped-spot-interruption',
      { stopCode: 'SpotInterruption', capacityProviderName: 'FARGATE_SPOT' },
    ],
    ['task-stopped-unknown-stop-code', { stopCode: 'FutureStopCode' }],
    ['task-without-containers', { containers: [] }],
  ])('parses %s', (name, expected) => {
    // Prepare
    const raw = loadEvent(name);

    // Act
    const transition = parseTransition(raw);

    // Assess
    expect(transition).toMatchObject(expected);
  });

  it.each(eventFixtureNames('task-').concat(eventFixtureNames('lifecycle-')))(
    'keeps every lifecycle timestamp of %s in one ISO format',
    (name) => {
      const transition = parseTransition(loadEvent(name));
      for (const value of [
        transition.createdAt,
        transition.startedAt,
        transition.stoppedAt,
        transition.eventTime,
      ]) {
        if (value !== undefined) expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    },
  );

  it.each<[string, string, Partial<TaskTransition['containers'][number]>]>([
    [
      'task-stopped-oom',
      'Webapp',
      { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
    ],
    ['task-state-change_fargate_stopped_fivexl-fixture', 'app', { exitCode: 2, lastStatus: 'STOPPED' }],
    ['task-state-change_fargate_stopped_fivexl-fixture', 'envoy', { exitCode: 0 }],
    ['task-stopped-image-pull', 'nginx', { image: 'ngin:latest', lastStatus: 'STOPPED' }],
  ])('parses container %s/%s', (name, containerName, expected) => {
    const transition = parseTransition(loadEvent(name));

    const container = transition.containers.find((c) => c.name === containerName);

    expect(container).toMatchObject(expected);
  });

  it('parses every container of a multi-container task in the order ECS sent them', () => {
    const transition = parseTransition(loadEvent('task-state-change_fargate_stopped_fivexl-fixture'));

    expect(transition.containers.map((c) => c.name)).toEqual(['envoy', 'app']);
  });

  it('leaves exitCode out of a container that never ran', () => {
    const transition = parseTransition(loadEvent('task-stopped-image-pull'));

    expect(transition.containers[0]).not.toHaveProperty('exitCode');
    expect(transition.containers[0]?.reason).toMatch(/^CannotPullContainerError/);
  });

  it('leaves stopCode out when an old event has none', () => {
    const transition = parseTransition(loadEvent('task-state-change_ec2_legacy-arn_maasglobal-fixture'));

    expect(transition).not.toHaveProperty('stopCode');
  });

  it('ignores unknown fields in the envelope, the detail and the containers', () => {
    const transition = parseTransition(loadEvent('task-stopped-unknown-stop-code'));

    expect(transition).not.toHaveProperty('futureField');
    expect(transition.containers[1]).not.toHaveProperty('futureContainerField');
    expect(transition.containers[1]?.name).toBe('app');
  });

  it.each<[string, (detail: Record<string, unknown>) => void, Partial<TaskTransition>]>([
    ['a version sent as a string', (d) => (d.version = '12'), { version: 12 }],
    [
      'cpu and memory sent as numbers',
      (d) => Object.assign(d, { cpu: 1024, memory: 2048 }),
      { cpu: '1024', memory: '2048' },
    ],
    [
      'null optional fields',
      (d) => Object.assign(d, { stopCode: null, group: null, containers: null }),
      { containers: [] },
    ],
  ])('accepts %s', (_label, change, expected) => {
    const raw = loadEvent('lifecycle-fargate-6-stopped');
    change(raw.detail);

    const transition = parseTransition(raw);

    expect(transition).toMatchObject(expected);
  });

  it('takes the cluster from the task ARN when clusterArn is missing', () => {
    const raw = loadEvent('task-state-change_fargate_running_awsdocs');
    delete raw.detail.clusterArn;

    const transition = parseTransition(raw);

    expect(transition.clusterName).toBe('FargateCluster');
    expect(transition.clusterArn).toBe('arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster');
  });

  it('redacts a pre-signed URL in stoppedReason and in a container reason', () => {
    // Prepare
    const raw = loadEvent('task-stopped-image-pull');
    const url =
      'https://prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com/a1b2/layer?' +
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAXAMPLEEXAMPLE1234%2F20211126%2Fap-northeast-1%2Fs3%2Faws4_request' +
      '&X-Amz-Date=20211126T172930Z&X-Amz-Expires=3600&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLETOKEN' +
      '&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    const reason = `CannotPullContainerError: failed to copy: httpReadSeeker: failed open: ${url}: 403 Forbidden`;
    raw.detail.stoppedReason = reason;
    const containers = raw.detail.containers as Record<string, unknown>[];
    (containers[0] as Record<string, unknown>).reason = reason;

    // Act
    const transition = parseTransition(raw);

    // Assess
    for (const text of [transition.stoppedReason ?? '', transition.containers[0]?.reason ?? '']) {
      expect(text).toContain('X-Amz-Signature=[REDACTED]');
      expect(text).toContain('X-Amz-Security-Token=[REDACTED]');
      expect(text).not.toContain('0123456789abcdef0123');
      expect(text).not.toContain('IQoJb3JpZ2luX2VjEXAMPLETOKEN');
      expect(text).toMatch(/^CannotPullContainerError: failed to copy/);
    }
  });

  it('bounds a long stoppedReason with a visible truncation marker', () => {
    const raw = loadEvent('task-stopped-oom');
    raw.detail.stoppedReason = `Essential container in task exited: ${'x'.repeat(20_000)}`;

    const transition = parseTransition(raw);

    expect(transition.stoppedReason?.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect(transition.stoppedReason).toMatch(
      /^Essential container in task exited: x+…\[truncated \d+ chars\]$/,
    );
  });
});

describe('parseEcsEvent on service events', () => {
  it.each<[string, Partial<ServiceEvent>]>([
    [
      'service-action_service_steady_state_awsdocs',
      {
        clusterName: 'default',
        serviceName: 'servicetest',
        eventId: 'af3c496d-f4a8-65d1-70f4-a69d52e9b584',
        createdAt: '2019-11-19T19:27:22.695Z',
        source: 'service-action',
        eventName: 'SERVICE_STEADY_STATE',
        eventType: 'INFO',
        message: '(service servicetest) SERVICE_STEADY_STATE',
      },
    ],
    [
      'service-action_service_task_placement_failure_resource-cpu_awsdocs',
      { eventType: 'ERROR', message: '(service servicetest) SERVICE_TASK_PLACEMENT_FAILURE: RESOURCE:CPU' },
    ],
    [
      'deployment-state-change_service_deployment_failed_awsdocs',
      {
        clusterName: 'default',
        source: 'deployment',
        createdAt: '2020-05-23T11:11:11.000Z',
        message:
          '(service servicetest) SERVICE_DEPLOYMENT_FAILED (deployment ecs-svc/123): ECS deployment circuit breaker: task failed to start.',
      },
    ],
  ])('parses %s', (name, expected) => {
    const serviceEvent = parseServiceEvent(loadEvent(name));

    expect(serviceEvent).toMatchObject(expected);
  });

  it.each(eventFixtureNames('service-action_').concat(eventFixtureNames('deployment-state-change_')))(
    'parses %s as an event of service servicetest',
    (name) => {
      expect(parseServiceEvent(loadEvent(name)).serviceName).toBe('servicetest');
    },
  );

  it('rejects a service event without a service ARN', () => {
    const raw = loadEvent('service-action_service_steady_state_awsdocs');
    raw.resources = [];

    expect(rejection(raw).reason).toBe('resources: no ECS service ARN');
  });
});

describe('parseEcsEvent rejects malformed events', () => {
  const field = (path: string) => (raw: RawEvent) => {
    const [head, tail] = path.split('.');
    if (tail === undefined) delete raw[head as string];
    else delete raw.detail[tail];
  };

  it.each<[string, (raw: RawEvent) => void, RegExp]>([
    ['without id', field('id'), /^id: /],
    ['without time', field('time'), /^time: /],
    ['without detail', field('detail'), /^detail: /],
    ['without detail.taskArn', field('detail.taskArn'), /^detail\.taskArn: /],
    ['without detail.version', field('detail.version'), /^detail\.version: /],
    ['without detail.lastStatus', field('detail.lastStatus'), /^detail\.lastStatus: /],
    ['with a version that is not a number', (r) => (r.detail.version = 'seven'), /^detail\.version: /],
    ['with a negative version', (r) => (r.detail.version = -1), /^detail\.version: /],
    [
      'with a timestamp that is not a date',
      (r) => (r.detail.createdAt = 'yesterday'),
      /^detail\.createdAt: expected an ISO 8601 timestamp/,
    ],
    [
      'with a container without a name',
      (r) => (r.detail.containers = [{ lastStatus: 'RUNNING' }]),
      /^detail\.containers\.0\.name: /,
    ],
    [
      'with an exitCode that is not an integer',
      (r) => (r.detail.containers = [{ name: 'a', exitCode: 'x' }]),
      /exitCode/,
    ],
    ['from another source', (r) => (r.source = 'aws.s3'), /^source: /],
    [
      'from aws.ec2 with an ECS detail type',
      (r) => (r.source = 'aws.ec2'),
      /^unsupported aws\.ec2 detail-type "ECS Task State Change"$/,
    ],
    [
      'with a task ARN that is not a task ARN',
      (r) => (r.detail.taskArn = 'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster'),
      /^detail\.taskArn: ".*" is not an ECS task ARN$/,
    ],
  ])('rejects an event %s', (_label, change, reason) => {
    // Prepare
    const raw = loadEvent('task-state-change_fargate_running_awsdocs');
    change(raw);

    // Act
    const error = rejection(raw);

    // Assess
    expect(error.reason).toMatch(reason);
    expect(error.message).toContain(error.reason);
  });

  it('rejects a legacy task ARN when clusterArn is missing too', () => {
    const raw = loadEvent('task-state-change_ec2_legacy-arn_maasglobal-fixture');
    delete raw.detail.clusterArn;

    const error = rejection(raw);

    expect(error.reason).toBe('detail.clusterArn: missing, and the task ARN names no cluster');
    expect(error.eventId).toBe('76550518-5563-5738-760f-cd7ec1da7049');
  });

  it.each<[string, unknown]>([
    ['a string', 'STOPPED'],
    ['a list', []],
    ['null', null],
  ])('rejects a detail that is %s, naming the field', (_label, detail) => {
    const raw = loadEvent('task-state-change_ec2_legacy-arn_maasglobal-fixture');
    raw.detail = detail as Record<string, unknown>;

    const error = rejection(raw);

    expect(error.reason).toBe('detail: Invalid input: expected an object');
  });

  it('rejects a detail type that tracer does not record, naming it', () => {
    const raw = loadEvent('container-instance-state-change_awsdocs') as Record<string, unknown>;
    raw['detail-type'] = 'ECS Container Instance Weather Report';

    const error = rejection(raw);

    expect(error.reason).toBe('unsupported detail-type "ECS Container Instance Weather Report"');
    expect(error.eventId).toBe('8952ba83-7be2-4ab5-9c32-6687532d15a2');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'ECS Task State Change'],
    ['an array', []],
    ['an empty object', {}],
  ])('rejects %s without an event id', (_label, raw) => {
    const error = rejection(raw);

    expect(error).toBeInstanceOf(InvalidTaskEventError);
    expect(error.eventId).toBeUndefined();
  });
});
