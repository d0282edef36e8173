import { CfnParameter, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ClusterScope } from '../../lib/constructs/ecs-clusters.js';
import { KNOWN_ENV, testApp } from './support.js';

/** A stack with a known environment, so that ARNs built from names resolve to plain strings. */
function knownStack(): Stack {
  return new Stack(testApp(), 'S', { env: KNOWN_ENV });
}

describe('ClusterScope', () => {
  it('watches every cluster when no list is given', () => {
    // GIVEN / WHEN
    const stack = knownStack();
    const scope = ClusterScope.of(stack, undefined);
    // THEN
    expect(scope.isFiltered).toBe(false);
    expect(scope.clusterArns).toBeUndefined();
    expect(scope.serviceArnPrefixes).toBeUndefined();
    expect(stack.resolve(scope.taskArns)).toEqual(['arn:aws:ecs:eu-west-1:111122223333:task/*']);
    expect(stack.resolve(scope.serviceArns)).toEqual(['arn:aws:ecs:eu-west-1:111122223333:service/*']);
  });

  it('turns a cluster name into the ARNs of the stack account and region', () => {
    // GIVEN
    const stack = knownStack();
    // WHEN
    const scope = ClusterScope.of(stack, ['prod']);
    // THEN
    expect(stack.resolve(scope.clusterArns)).toEqual(['arn:aws:ecs:eu-west-1:111122223333:cluster/prod']);
    expect(stack.resolve(scope.serviceArnPrefixes)).toEqual([
      'arn:aws:ecs:eu-west-1:111122223333:service/prod/',
    ]);
    expect(stack.resolve(scope.taskArns)).toEqual(['arn:aws:ecs:eu-west-1:111122223333:task/prod/*']);
    expect(stack.resolve(scope.serviceArns)).toEqual(['arn:aws:ecs:eu-west-1:111122223333:service/prod/*']);
  });

  it('keeps a cluster ARN of another region or partition as given', () => {
    // GIVEN
    const arn = 'arn:aws-cn:ecs:cn-north-1:444455556666:cluster/batch_jobs';
    // WHEN
    const scope = ClusterScope.of(knownStack(), [arn]);
    // THEN
    expect(scope.clusterArns).toEqual([arn]);
    expect(scope.serviceArnPrefixes).toEqual(['arn:aws-cn:ecs:cn-north-1:444455556666:service/batch_jobs/']);
    expect(scope.taskArns).toEqual(['arn:aws-cn:ecs:cn-north-1:444455556666:task/batch_jobs/*']);
  });

  it('lists a cluster once when it is named twice', () => {
    const stack = knownStack();
    const scope = ClusterScope.of(stack, ['prod', 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod', 'prod']);
    expect(scope.clusterArns).toHaveLength(1);
  });

  it('takes a token as a cluster name', () => {
    // GIVEN a name that is only known at deploy time
    const stack = knownStack();
    const name = new CfnParameter(stack, 'ClusterName').valueAsString;
    // WHEN
    const scope = ClusterScope.of(stack, [name]);
    // THEN
    expect(stack.resolve(scope.clusterArns)).toEqual([
      { 'Fn::Join': ['', ['arn:aws:ecs:eu-west-1:111122223333:cluster/', { Ref: 'ClusterName' }]] },
    ]);
  });

  it('rejects an empty list, which would match no event', () => {
    expect(() => ClusterScope.of(knownStack(), [])).toThrow(
      'clusters must name at least one cluster when set; leave it out to watch every cluster',
    );
  });

  it.each([
    ['a name with a space', 'my cluster'],
    ['a name with a slash', 'team/prod'],
    ['a service ARN', 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web'],
    ['an ARN without an account', 'arn:aws:ecs:eu-west-1::cluster/prod'],
    ['a name over 255 characters', 'c'.repeat(256)],
  ])('rejects %s, naming the value', (_, cluster) => {
    expect(() => ClusterScope.of(knownStack(), [cluster])).toThrow(
      `clusters: "${cluster}" is neither a cluster name`,
    );
  });
});
