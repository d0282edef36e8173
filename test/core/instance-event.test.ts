import { describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { InvalidTaskEventError } from '../../lambda/core/errors.js';
import type { ContainerInstanceChange, Ec2InstanceNotice } from '../../lambda/core/instance.js';
import { loadEvent, type RawEvent } from '../support/fixtures.js';

function parseChange(raw: unknown): ContainerInstanceChange {
  const event = parseEcsEvent(raw);
  if (event.type !== 'container-instance-change')
    throw new Error(`expected a container instance change, got ${event.type}`);
  return event.change;
}

function parseNotice(raw: unknown): Ec2InstanceNotice {
  const event = parseEcsEvent(raw);
  if (event.type !== 'ec2-instance-notice') throw new Error(`expected an EC2 notice, got ${event.type}`);
  return event.notice;
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

const containerInstance = () => loadEvent('container-instance-state-change_awsdocs');

describe('parseEcsEvent on container instance state changes', () => {
  it('keeps the status, the agent connection, the EC2 instance and the version of the reference event', () => {
    // Act
    const change = parseChange(containerInstance());

    // Assess
    expect(change).toEqual({
      eventId: '8952ba83-7be2-4ab5-9c32-6687532d15a2',
      time: '2016-12-06T16:41:06.991Z',
      clusterName: 'default',
      containerInstanceArn:
        'arn:aws:ecs:us-east-1:111122223333:container-instance/b54a2a04-046f-4331-9d74-3f6d7f6ca315',
      containerInstanceId: 'b54a2a04-046f-4331-9d74-3f6d7f6ca315',
      version: 14801,
      status: 'ACTIVE',
      agentConnected: true,
      ec2InstanceId: 'i-f3a8506b',
    });
  });

  it('tolerates an event that carries only the container instance: what is missing is not stored', () => {
    // Prepare
    const raw = containerInstance();
    raw.detail = {};
    raw.resources = [
      'arn:aws:ecs:eu-west-1:0123456789:container-instance/Features/0c304770a74540689f5bf39622b3d781',
    ];

    // Act
    const change = parseChange(raw);

    // Assess
    expect(change).toEqual({
      eventId: '8952ba83-7be2-4ab5-9c32-6687532d15a2',
      time: '2016-12-06T16:41:06.000Z',
      clusterName: 'Features',
      containerInstanceArn:
        'arn:aws:ecs:eu-west-1:0123456789:container-instance/Features/0c304770a74540689f5bf39622b3d781',
      containerInstanceId: '0c304770a74540689f5bf39622b3d781',
    });
  });

  it('keeps a version that arrives as a string of digits, and null fields as absent', () => {
    const raw = containerInstance();
    Object.assign(raw.detail, { version: '14802', agentConnected: null, status: null, ec2InstanceId: null });

    const change = parseChange(raw);

    expect(change.version).toBe(14802);
    expect(change).not.toHaveProperty('status');
    expect(change).not.toHaveProperty('agentConnected');
    expect(change).not.toHaveProperty('ec2InstanceId');
  });

  it.each<[string, (raw: RawEvent) => void, RegExp]>([
    [
      'without a container instance',
      (r) => {
        r.detail.containerInstanceArn = undefined;
        r.resources = [];
      },
      /^detail\.containerInstanceArn: missing, and resources name no container instance$/,
    ],
    [
      'whose old-format ARN names no cluster, without a clusterArn',
      (r) => {
        r.detail.clusterArn = undefined;
      },
      /^detail\.clusterArn: missing, and the container instance ARN names no cluster$/,
    ],
    [
      'with agentConnected that is not a boolean',
      (r) => (r.detail.agentConnected = 'yes'),
      /^detail\.agentConnected: /,
    ],
    [
      'with a bad updatedAt',
      (r) => (r.detail.updatedAt = 'yesterday'),
      /^detail\.updatedAt: expected an ISO 8601 timestamp$/,
    ],
  ])('rejects a container instance event %s', (_label, change, reason) => {
    const raw = containerInstance();
    change(raw);

    expect(rejection(raw).reason).toMatch(reason);
  });
});

describe('parseEcsEvent on EC2 instance notices', () => {
  it('reads a Spot interruption warning with its instance action', () => {
    expect(parseNotice(loadEvent('ec2-spot-instance-interruption-warning_awsdocs'))).toEqual({
      eventId: '3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
      time: '2021-02-10T05:20:11.000Z',
      ec2InstanceId: 'i-1234567890abcdef0',
      notice: 'spot-interruption-warning',
      instanceAction: 'terminate',
    });
  });

  it('reads a rebalance recommendation, taking the instance from resources when the detail lacks it', () => {
    const raw = loadEvent('ec2-instance-rebalance-recommendation_awsdocs');
    raw.detail = {};

    expect(parseNotice(raw)).toEqual({
      eventId: '6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a',
      time: '2021-02-10T05:18:11.000Z',
      ec2InstanceId: 'i-1234567890abcdef0',
      notice: 'rebalance-recommendation',
    });
  });

  it('rejects an EC2 notice that names no instance', () => {
    const raw = loadEvent('ec2-spot-instance-interruption-warning_awsdocs');
    raw.detail = {};
    raw.resources = [];

    expect(rejection(raw).reason).toBe(
      'detail.instance-id: expected an EC2 instance id (i-...), got nothing',
    );
  });

  it('rejects an EC2 notice whose instance id is not one', () => {
    const raw = loadEvent('ec2-spot-instance-interruption-warning_awsdocs');
    raw.detail['instance-id'] = 'my-box';

    expect(rejection(raw).reason).toBe(
      'detail.instance-id: expected an EC2 instance id (i-...), got "my-box"',
    );
  });

  it('rejects another aws.ec2 detail type, naming it', () => {
    const raw = loadEvent('ec2-spot-instance-interruption-warning_awsdocs');
    raw['detail-type'] = 'EC2 Instance State-change Notification';

    expect(rejection(raw).reason).toBe(
      'unsupported aws.ec2 detail-type "EC2 Instance State-change Notification"',
    );
  });
});
