import { describe, expect, it } from 'vitest';
import { readRoleArn, scopeOfEcsArn, taskScopeOf } from '../../lambda/core/read-role.js';

describe('readRoleArn', () => {
  it.each([
    ['us-west-2', 'arn:aws:iam::222233334444:role/tracer-read-us-west-2'],
    ['cn-north-1', 'arn:aws-cn:iam::222233334444:role/tracer-read-cn-north-1'],
    ['us-gov-west-1', 'arn:aws-us-gov:iam::222233334444:role/tracer-read-us-gov-west-1'],
  ])('names the read role of region %s in its partition', (region, arn) => {
    expect(readRoleArn({ account: '222233334444', region }, 'tracer-read')).toBe(arn);
  });
});

describe('taskScopeOf', () => {
  it('takes the account and region from the task ARN', () => {
    expect(
      taskScopeOf({
        taskArn: 'arn:aws:ecs:ap-northeast-1:222233334444:task/prod/0123',
        account: '111122223333',
        region: 'us-east-1',
      }),
    ).toEqual({ account: '222233334444', region: 'ap-northeast-1' });
  });

  it('falls back to the fields of the event when the ARN cannot be read', () => {
    expect(taskScopeOf({ taskArn: 'not-an-arn', account: '111122223333', region: 'us-east-1' })).toEqual({
      account: '111122223333',
      region: 'us-east-1',
    });
  });
});

describe('scopeOfEcsArn', () => {
  it.each([
    [
      'arn:aws:ecs:us-west-2:222233334444:task-definition/app:3',
      { account: '222233334444', region: 'us-west-2' },
    ],
    ['arn:aws:ecs:eu-west-1:222233334444:cluster/prod', { account: '222233334444', region: 'eu-west-1' }],
    [
      'arn:aws-cn:ecs:cn-north-1:222233334444:cluster/prod',
      { account: '222233334444', region: 'cn-north-1' },
    ],
    ['prod', undefined],
    ['app:3', undefined],
  ])('reads the account and region of %s', (arn, scope) => {
    expect(scopeOfEcsArn(arn)).toEqual(scope);
  });
});
