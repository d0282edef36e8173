import { describe, expect, it } from 'vitest';
import {
  AmbiguousClusterError,
  clusterArn,
  clusterIdOfArn,
  clusterScope,
  parseAccountId,
  parseClusterScope,
  parseRegionName,
  resolveCluster,
} from '../../lambda/core/cluster-id.js';
import { InvalidInputError } from '../../lambda/core/errors.js';

const home = { account: '111122223333', region: 'us-east-1' };
const prodHome = { ...home, name: 'prod' };
const prodOther = { account: '222233334444', region: 'ap-northeast-1', name: 'prod' };

describe('cluster identity', () => {
  it('round-trips a cluster through its ARN and its key segment', () => {
    expect(clusterArn(prodOther)).toBe('arn:aws:ecs:ap-northeast-1:222233334444:cluster/prod');
    expect(clusterIdOfArn(clusterArn(prodOther))).toEqual(prodOther);
    expect(parseClusterScope(clusterScope(prodOther), home)).toEqual(prodOther);
  });

  it('gives China and GovCloud clusters their partitions', () => {
    expect(clusterArn({ account: '222233334444', region: 'cn-north-1', name: 'a' })).toMatch(/^arn:aws-cn:/);
    expect(clusterArn({ account: '222233334444', region: 'us-gov-west-1', name: 'a' })).toMatch(
      /^arn:aws-us-gov:/,
    );
  });

  it('reads a key segment without account as the home cluster', () => {
    expect(parseClusterScope('prod', home)).toEqual(prodHome);
  });

  it('refuses text that is not a cluster ARN', () => {
    expect(clusterIdOfArn('arn:aws:ecs:us-east-1:222233334444:task/prod/abc')).toBeUndefined();
    expect(clusterIdOfArn('prod')).toBeUndefined();
  });

  it('resolves a unique name, and lists the ARNs of an ambiguous one', () => {
    expect(resolveCluster({ name: 'prod' }, [prodOther], home)).toEqual(prodOther);
    expect(resolveCluster({ name: 'prod', account: '111122223333' }, [prodHome, prodOther], home)).toEqual(
      prodHome,
    );
    expect(resolveCluster({ name: 'prod', region: 'ap-northeast-1' }, [prodHome, prodOther], home)).toEqual(
      prodOther,
    );
    expect(() => resolveCluster({ name: 'prod' }, [prodHome, prodOther], home)).toThrow(
      AmbiguousClusterError,
    );
    try {
      resolveCluster({ name: 'prod' }, [prodOther, prodHome], home);
    } catch (error) {
      expect((error as AmbiguousClusterError).arns).toEqual([clusterArn(prodOther), clusterArn(prodHome)]);
    }
  });

  it('falls back to home for a name nothing recorded, and needs no lookup with account and region', () => {
    expect(resolveCluster({ name: 'new' }, [prodOther], home)).toEqual({ ...home, name: 'new' });
    expect(resolveCluster({ name: 'prod', ...home }, [], home)).toEqual(prodHome);
  });

  it('names the parameter of a bad account or region', () => {
    expect(parseAccountId(' 222233334444 ')).toBe('222233334444');
    expect(() => parseAccountId('12345', '--account')).toThrow(InvalidInputError);
    expect(() => parseAccountId('12345', '--account')).toThrow(
      /^--account: "12345" is not an AWS account id/,
    );
    expect(parseRegionName('ap-northeast-1')).toBe('ap-northeast-1');
    expect(() => parseRegionName('tokyo')).toThrow(/^region: "tokyo" is not an AWS region/);
  });
});
