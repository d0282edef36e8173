import { describe, expect, it } from 'vitest';
import { classifyFailure, type FailureClassification } from '../../lambda/core/failure.js';
import type { HostHistory } from '../../lambda/core/instance.js';
import type { TaskSummary } from '../../lambda/core/model.js';
import { notifyDecision } from '../../lambda/core/notification.js';
import { loadSummary } from '../support/notify-fixtures.js';

const ec2Task = (changes: Partial<TaskSummary>): TaskSummary => ({
  ...loadSummary('failure-user-stop-ec2.json'),
  ...changes,
});
const quietHost: HostHistory = { drained: false, agentDisconnected: false, deregistered: false };
const spotWarning = {
  eventId: 'spot',
  time: '2020-06-05T12:16:45.000Z',
  ec2InstanceId: 'i-0a1b2c3d4e5f60789',
  notice: 'spot-interruption-warning' as const,
};
const schedulerStop = {
  stopCode: 'ServiceSchedulerInitiated',
  stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
};

describe('classifyFailure: stops the host caused', () => {
  it.each<[string, Partial<TaskSummary>, HostHistory | undefined, Partial<FailureClassification>]>([
    [
      'a scheduler stop on a DRAINING instance',
      schedulerStop,
      { ...quietHost, drained: true, ec2InstanceId: 'i-0a1b2c3d4e5f60789' },
      { failed: false, kind: 'host-drained', stopCode: 'ServiceSchedulerInitiated' },
    ],
    [
      'a stop whose reason says the instance drains, without recorded history',
      { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Container instance is DRAINING' },
      undefined,
      { failed: false, kind: 'host-drained' },
    ],
    [
      "a scheduler stop after the host's Spot interruption warning",
      schedulerStop,
      { ...quietHost, drained: true, spotWarning },
      { failed: false, kind: 'spot-interruption' },
    ],
    [
      "Fargate Spot's SpotInterruption stop code",
      { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' },
      undefined,
      { failed: false, kind: 'spot-interruption' },
    ],
    [
      'a host that ECS says terminated',
      { stopCode: undefined, stoppedReason: 'Host EC2 (instance i-0123456789abcdef0) stopped/terminated.' },
      undefined,
      { failed: true, kind: 'instance-terminated' },
    ],
    [
      'a container instance deregistered under the task',
      { stopCode: 'TerminationNotice', stoppedReason: 'Task stopped due to termination notice' },
      { ...quietHost, deregistered: true },
      { failed: true, kind: 'instance-terminated' },
    ],
    [
      'an agent that disconnected before an unknown stop',
      { stopCode: undefined, stoppedReason: 'Task stopped by ECS' },
      { ...quietHost, agentDisconnected: true, ec2InstanceId: 'i-0a1b2c3d4e5f60789' },
      { failed: true, kind: 'agent-disconnected' },
    ],
  ])('names %s', (_label, changes, host, expected) => {
    // Act
    const result = classifyFailure(ec2Task(changes), undefined, host);

    // Assess
    expect(result).toMatchObject(expected);
  });

  it('keeps a user stop a user stop, whatever the host did', () => {
    const result = classifyFailure(ec2Task({ stopCode: 'UserInitiated' }), undefined, {
      ...quietHost,
      agentDisconnected: true,
      deregistered: true,
    });

    expect(result?.kind).toBe('not-failed');
  });

  it('keeps a container killed by the stop timeout a failure on a draining host', () => {
    const task = loadSummary('failure-user-stop-ec2.json');
    const killed = ec2Task({
      ...schedulerStop,
      containers: task.containers.map((c) => ({ ...c, exitCode: 137 })),
    });

    expect(classifyFailure(killed, undefined, { ...quietHost, drained: true })?.kind).toBe(
      'essential-container-exited',
    );
  });
});

describe('notifyDecision for host-caused stops', () => {
  const drained = classifyFailure(ec2Task(schedulerStop), undefined, { ...quietHost, drained: true });
  if (!drained) throw new Error('expected a classification');

  it('does not notify a drain by default', () => {
    expect(notifyDecision(drained, ec2Task(schedulerStop), {})).toEqual({
      notify: false,
      reason: 'tasks moved off a drained container instance are not notified (notifyHostDrains is off)',
    });
  });

  it('notifies a drain with notifyHostDrains, or when failureKinds names it', () => {
    expect(notifyDecision(drained, ec2Task(schedulerStop), { notifyHostDrains: true }).notify).toBe(true);
    expect(notifyDecision(drained, ec2Task(schedulerStop), { failureKinds: ['host-drained'] }).notify).toBe(
      true,
    );
  });

  it('notifies a terminated host and a lost agent as failures', () => {
    const lost = classifyFailure(
      ec2Task({ stopCode: undefined, stoppedReason: 'Task stopped by ECS' }),
      undefined,
      {
        ...quietHost,
        agentDisconnected: true,
      },
    );
    if (!lost) throw new Error('expected a classification');

    expect(notifyDecision(lost, ec2Task({}), {}).notify).toBe(true);
  });
});
