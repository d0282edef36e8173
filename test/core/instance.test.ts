import { describe, expect, it } from 'vitest';
import {
  type ContainerInstanceChange,
  containerInstanceIdOf,
  type Ec2InstanceNotice,
  hostHistory,
  instanceLines,
} from '../../lambda/core/instance.js';

const base = {
  clusterName: 'Features',
  containerInstanceArn: 'arn:aws:ecs:eu-west-1:0123456789:container-instance/Features/0c30',
  containerInstanceId: '0c30',
  ec2InstanceId: 'i-0a1b2c3d4e5f60789',
};
const change = (
  version: number,
  time: string,
  fields: Partial<ContainerInstanceChange>,
): ContainerInstanceChange => ({
  ...base,
  eventId: `e${version}`,
  version,
  time,
  ...fields,
});
const span = { fromMs: Date.parse('2020-06-05T12:00:00Z'), toMs: Date.parse('2020-06-05T13:00:00Z') };
const spot: Ec2InstanceNotice = {
  eventId: 'spot-1',
  time: '2020-06-05T12:10:00.000Z',
  ec2InstanceId: 'i-0a1b2c3d4e5f60789',
  notice: 'spot-interruption-warning',
  instanceAction: 'terminate',
};
const changes = [
  change(1, '2020-06-05T11:00:00.000Z', { status: 'ACTIVE', agentConnected: true }),
  change(2, '2020-06-05T12:05:00.000Z', { status: 'ACTIVE', agentConnected: true }),
  change(3, '2020-06-05T12:11:00.000Z', { status: 'DRAINING', agentConnected: true }),
  change(4, '2020-06-05T12:20:00.000Z', { status: 'DRAINING', agentConnected: false }),
  change(5, '2020-06-05T14:00:00.000Z', { status: 'INACTIVE', agentConnected: false }),
];

describe('instanceLines', () => {
  it('prints one line per change of status or agent connection in the span, and each EC2 notice', () => {
    // Act
    const lines = instanceLines({ changes, notices: [spot] }, span);

    // Assess
    expect(lines.map((l) => [new Date(l.epochMs).toISOString(), l.source, l.message])).toEqual([
      [
        '2020-06-05T12:10:00.000Z',
        'INSTANCE',
        'Spot interruption warning (i-0a1b2c3d4e5f60789, action terminate)',
      ],
      ['2020-06-05T12:11:00.000Z', 'INSTANCE', 'DRAINING (i-0a1b2c3d4e5f60789)'],
      ['2020-06-05T12:20:00.000Z', 'INSTANCE', 'agent disconnected'],
    ]);
  });

  it('gives the same lines whatever the order and however often the events arrive', () => {
    const shuffled = [
      changes[3],
      changes[0],
      changes[2],
      changes[2],
      changes[4],
      changes[1],
      changes[3],
    ] as ContainerInstanceChange[];

    expect(instanceLines({ changes: shuffled, notices: [spot, spot] }, span)).toEqual(
      instanceLines({ changes, notices: [spot] }, span),
    );
  });

  it('compares the first change in the span with what came before it, not with ACTIVE', () => {
    const before = [
      change(1, '2020-06-05T11:00:00.000Z', { status: 'DRAINING' }),
      change(2, '2020-06-05T12:30:00.000Z', { status: 'DRAINING' }),
    ];

    expect(instanceLines({ changes: before, notices: [] }, span)).toEqual([]);
  });

  it('marks what DescribeContainerInstances says as the state now, inside the task span', () => {
    const live = [change(9, '2020-06-09T00:00:00.000Z', { status: 'DRAINING', agentConnected: true })];

    const lines = instanceLines({ changes: live, notices: [], live: true }, span);

    expect(lines).toEqual([
      {
        epochMs: span.toMs,
        source: 'INSTANCE',
        message: 'DRAINING (i-0a1b2c3d4e5f60789) (as ECS reports it now)',
        kind: 'instance',
      },
    ]);
  });

  it('says rebalance recommendations', () => {
    const notice: Ec2InstanceNotice = { ...spot, eventId: 'r', notice: 'rebalance-recommendation' };

    expect(instanceLines({ changes: [], notices: [notice] }, span)[0]?.message).toBe(
      'rebalance recommendation (i-0a1b2c3d4e5f60789)',
    );
  });
});

describe('hostHistory', () => {
  it('sums up drains, lost agents, deregistration and Spot warnings within the span', () => {
    expect(hostHistory({ changes, notices: [spot] }, span)).toEqual({
      drained: true,
      agentDisconnected: true,
      deregistered: false,
      spotWarning: spot,
      ec2InstanceId: 'i-0a1b2c3d4e5f60789',
    });
  });
});

describe('containerInstanceIdOf', () => {
  it.each([
    ['arn:aws:ecs:eu-west-1:0123456789:container-instance/Features/0c30', '0c30'],
    ['arn:aws:ecs:us-east-1:111122223333:container-instance/b54a2a04-046f', 'b54a2a04-046f'],
    ['arn:aws:ecs:us-east-1:111122223333:task/b54a', undefined],
  ])('reads %s', (arn, id) => {
    expect(containerInstanceIdOf(arn)).toBe(id);
  });
});
