import { describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import type { TaskDefinitionInfo, TaskSummary } from '../../lambda/core/model.js';
import { toTaskListItem, toTaskSummaryResponse } from '../../lambda/core/task-view.js';
import { loadReference, REFERENCE_TASK_IDS } from '../support/reference-fixtures.js';

function lastSummary(taskId: string): TaskSummary {
  const events = loadReference(taskId).events;
  const parsed = parseEcsEvent(events[events.length - 1]);
  if (parsed.type !== 'task-state-change') throw new Error('fixture is not a task state change');
  return parsed.transition;
}

const taskDefinition: TaskDefinitionInfo = {
  status: 'described',
  taskDefinitionArn: 'arn:aws:ecs:ap-northeast-1:123456789012:task-definition/nginx-local:3',
  containers: [
    { containerName: 'nginx', logDriver: 'awslogs', logGroup: '/ecs/nginx-local', essential: true },
  ],
  describedAt: '2021-12-03T02:06:22.000Z',
};

describe('toTaskSummaryResponse', () => {
  it('shapes a recorded task as the API summary, with essential flags from the task definition', () => {
    // Prepare
    const summary = lastSummary(REFERENCE_TASK_IDS.serviceReplaced);

    // Act
    const response = toTaskSummaryResponse({ summary }, 'recorded', taskDefinition);

    // Assess
    expect(response).toEqual({
      cluster: 'default',
      taskId: '834a5628bef14f2dbb81c7bc0b272160',
      taskArn: 'arn:aws:ecs:ap-northeast-1:123456789012:task/default/834a5628bef14f2dbb81c7bc0b272160',
      taskDefinition: 'nginx-local:3',
      group: 'service:nginx-local',
      launchType: 'FARGATE',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
      createdAt: '2021-12-03T02:06:21.633Z',
      connectivityAt: '2021-12-03T02:06:24.906Z',
      pullStartedAt: '2021-12-03T02:06:39.602Z',
      pullStoppedAt: '2021-12-03T02:06:46.366Z',
      startedAt: '2021-12-03T02:06:46.768Z',
      stoppingAt: '2021-12-03T02:22:28.910Z',
      executionStoppedAt: '2021-12-03T02:22:40.527Z',
      stoppedAt: '2021-12-03T02:23:04.873Z',
      version: 6,
      containers: [
        { name: 'nginx', image: 'nginx:1.21.4', lastStatus: 'STOPPED', exitCode: 0, essential: true },
      ],
      failure: expect.objectContaining({ failed: false, kind: 'not-failed' }),
      source: 'recorded',
    });
  });

  it('keeps the recorded failure classification and marks live tasks', () => {
    const summary = lastSummary(REFERENCE_TASK_IDS.failedPull);
    const failure = { failed: true as const, kind: 'image-pull' as const, diagnosis: 'd', hint: 'h' };
    const response = toTaskSummaryResponse({ summary, failure }, 'live');
    expect(response.failure).toBe(failure);
    expect(response.source).toBe('live');
    expect(response.containers[0]).not.toHaveProperty('essential');
  });

  it('classifies a stopped task that was recorded without a classification', () => {
    const response = toTaskSummaryResponse(
      { summary: lastSummary(REFERENCE_TASK_IDS.failedPull) },
      'recorded',
    );
    expect(response.failure).toMatchObject({ failed: true, kind: 'image-pull' });
  });

  it('leaves out what the task does not have', () => {
    const summary = lastSummary(REFERENCE_TASK_IDS.userStopped);
    const running: TaskSummary = {
      ...summary,
      lastStatus: 'RUNNING',
      stopCode: undefined,
      stoppedReason: undefined,
      stoppingAt: undefined,
      stoppedAt: undefined,
      taskDefinitionArn: undefined,
    };
    const response = toTaskSummaryResponse({ summary: running }, 'recorded');
    for (const key of ['stopCode', 'stoppedReason', 'stoppedAt', 'taskDefinition', 'failure']) {
      expect(response).not.toHaveProperty(key);
    }
    expect(JSON.stringify(response)).not.toContain('null');
  });
});

describe('toTaskListItem', () => {
  it.each([
    [
      REFERENCE_TASK_IDS.userStopped,
      { taskDefinition: 'nginx:1', stopCode: 'UserInitiated', launchType: 'EC2', group: 'family:nginx' },
      undefined,
    ],
    [
      REFERENCE_TASK_IDS.failedPull,
      { taskDefinition: 'nginx:2', stopCode: 'TaskFailedToStart' },
      'image-pull',
    ],
    [
      REFERENCE_TASK_IDS.serviceReplaced,
      { taskDefinition: 'nginx-local:3', group: 'service:nginx-local', launchType: 'FARGATE' },
      undefined,
    ],
  ])('lists %s with the columns of `tracer CLUSTER`', (taskId, expected, failureKind) => {
    const item = toTaskListItem({ summary: lastSummary(taskId) });
    expect(item).toMatchObject({ taskId, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', ...expected });
    expect(item.createdAt).toMatch(/^2021-/);
    expect(item.stoppedAt).toMatch(/^2021-/);
    expect(item.failureKind).toBe(failureKind);
  });
});
