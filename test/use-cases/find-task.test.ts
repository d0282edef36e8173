import { describe, expect, it } from 'vitest';
import { AccessDeniedError, TaskNotFoundError, ThrottledError } from '../../lambda/core/errors.js';
import { clientSafeReason, findTask } from '../../lambda/use-cases/find-task.js';
import { FakeLiveTaskSource, InMemoryTaskHistory } from '../fakes/trace-ports.js';
import { clusterNamed } from '../support/clusters.js';
import { loadSummary } from '../support/notify-fixtures.js';

const summary = loadSummary('failure-essential-exit.json');

describe('findTask', () => {
  it('answers the recorded task without asking ECS', async () => {
    // Prepare
    const history = new InMemoryTaskHistory();
    history.recordTransition(summary);
    const live = new FakeLiveTaskSource([]);

    // Act
    const found = await findTask({ history, live }, clusterNamed(summary.clusterName), summary.taskId);

    // Assess
    expect(found.source).toBe('recorded');
    expect(found.task.summary.taskArn).toBe(summary.taskArn);
    expect(live.calls).toEqual([]);
  });

  it('answers the task as ECS describes it when tracer did not record it', async () => {
    // Prepare
    const live = new FakeLiveTaskSource([summary]);

    // Act
    const found = await findTask(
      { history: new InMemoryTaskHistory(), live },
      clusterNamed(summary.clusterName),
      summary.taskId,
    );

    // Assess
    expect(found.source).toBe('live');
    expect(found.task.summary.taskArn).toBe(summary.taskArn);
  });

  it('fails with TaskNotFoundError when ECS denies DescribeTasks in a cluster tracer does not watch', async () => {
    // Prepare
    const live = new FakeLiveTaskSource([]);
    live.error = new AccessDeniedError('tracer may not describe tasks in cluster other (ecs:DescribeTasks)');

    // Act
    const failure = findTask(
      { history: new InMemoryTaskHistory(), live },
      clusterNamed('other'),
      summary.taskId,
    );

    // Assess
    await expect(failure).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(failure).rejects.toMatchObject({ cluster: 'other', taskId: summary.taskId });
    expect(live.calls).toEqual([{ clusterName: 'other', taskId: summary.taskId }]);
  });

  it('fails with the throttling error when ECS keeps throttling DescribeTasks', async () => {
    // Prepare
    const live = new FakeLiveTaskSource([]);
    live.error = new ThrottledError('ECS kept throttling DescribeTasks; try again in a minute');

    // Act
    const failure = findTask(
      { history: new InMemoryTaskHistory(), live },
      clusterNamed('default'),
      summary.taskId,
    );

    // Assess
    await expect(failure).rejects.toBeInstanceOf(ThrottledError);
  });

  it('fails with TaskNotFoundError when no live source is wired', async () => {
    // Act
    const failure = findTask({ history: new InMemoryTaskHistory() }, clusterNamed('default'), summary.taskId);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(TaskNotFoundError);
  });
});

describe('clientSafeReason', () => {
  const aws = (name: string, message: string): Error => Object.assign(new Error(message), { name });
  const denial =
    'User: arn:aws:sts::123456789012:assumed-role/tracer-api/fn is not authorized to perform: ecs:DescribeServices';

  it.each([
    ['an IAM denial', aws('AccessDeniedException', denial), 'access denied: AccessDeniedException'],
    ['an EC2-style denial', aws('UnauthorizedOperation', denial), 'access denied: UnauthorizedOperation'],
    [
      'invalid credentials',
      aws('UnrecognizedClientException', 'The security token is invalid'),
      'access denied: UnrecognizedClientException',
    ],
    ["tracer's own denial", new AccessDeniedError('tracer may not describe tasks'), 'access denied'],
    ['throttling', aws('ThrottlingException', 'Rate exceeded'), 'throttled by AWS: ThrottlingException'],
    ["tracer's own throttling", new ThrottledError('ECS kept throttling'), 'throttled by AWS'],
    ['a timeout', aws('TimeoutError', 'socket hang up'), 'AWS could not be reached in time: TimeoutError'],
    [
      'a named service fault',
      aws('ServerException', 'internal error in account 123456789012'),
      'ServerException',
    ],
    ['an unnamed error', new Error('arn:aws:iam::123456789012:role/x'), 'an unexpected error'],
    ['something thrown that is no error', 'arn:aws:iam::123456789012:role/x', 'an unexpected error'],
  ])('classifies %s without its message', (_case, error, reason) => {
    // Act
    const safe = clientSafeReason(error);

    // Assess
    expect(safe).toBe(reason);
    expect(safe).not.toMatch(/123456789012|arn:aws/);
  });
});
