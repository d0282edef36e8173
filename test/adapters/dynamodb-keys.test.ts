import { describe, expect, it } from 'vitest';
import {
  CLUSTERS_PK,
  clusterDayPk,
  clusterSk,
  containerInstancePk,
  ec2InstancePk,
  failedMonthPk,
  LEADING_KEY_PATTERNS,
  LEGACY_NOTIFY_PK,
  notificationPk,
  parseTaskPk,
  servicePk,
  taskDefinitionPk,
  taskPk,
  UNSCOPED_LAYOUT,
} from '../../lambda/adapters/dynamodb/keys.js';

/** IAM StringLike: `*` any characters. */
const matches = (value: string, pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);

const PROD = { account: '123456789012', region: 'us-east-1', name: 'prod' };
const ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/app:7';

describe('LEADING_KEY_PATTERNS', () => {
  const keys = {
    task: taskPk(PROD, 'abc'),
    notification: notificationPk(PROD, 'abc'),
    cluster: CLUSTERS_PK,
    taskDefinition: taskDefinitionPk(ARN),
    serviceEvent: servicePk(PROD, 'web'),
    containerInstance: containerInstancePk(PROD, '0c304770a74540689f5bf39622b3d781'),
    ec2Instance: ec2InstancePk(PROD, 'i-0a1b2c3d4e5f60789'),
  } as const;

  it.each(Object.entries(keys))('matches the %s partition keys and no other kind', (kind, key) => {
    // Assess
    const matching = Object.entries(LEADING_KEY_PATTERNS)
      .filter(([, pattern]) => matches(key, pattern))
      .map(([name]) => name);
    expect(matching).toEqual([kind]);
  });

  it('keeps ledger items out of the task partitions, and reads the earlier ones from there', () => {
    expect(notificationPk(PROD, 'abc')).toBe('N#123456789012:us-east-1:prod#abc');
    expect(LEGACY_NOTIFY_PK('prod', 'abc')).toBe(UNSCOPED_LAYOUT.taskPk('prod', 'abc'));
  });

  it.each(
    Object.entries(UNSCOPED_LAYOUT).filter(
      ([name]) => name.endsWith('Pk') && !['clusterDayPk', 'failedMonthPk'].includes(name),
    ),
  )('keeps the unscoped %s under the same leading key pattern', (name, build) => {
    // Prepare: the unscoped and the scoped key of the same kind.
    const unscoped = (build as (...parts: string[]) => string)('prod', 'abc');
    const kind = Object.entries(LEADING_KEY_PATTERNS).find(([, pattern]) => matches(unscoped, pattern));
    // Assess
    expect(kind, name).toBeDefined();
  });
});

describe('cluster scope in keys', () => {
  it('keeps two clusters named prod in two accounts apart in every key', () => {
    // Prepare
    const other = { account: '222233334444', region: 'us-east-1', name: 'prod' };

    // Assess
    expect(taskPk(PROD, 'abc')).not.toBe(taskPk(other, 'abc'));
    expect(clusterDayPk(PROD, '2024-05-01T00:00:00Z')).toBe('C#123456789012:us-east-1:prod#2024-05-01');
    expect(failedMonthPk(other, '2024-05-01T00:00:00Z')).toBe('F#222233334444:us-east-1:prod#2024-05');
    expect(clusterSk(PROD)).toBe('123456789012:us-east-1:prod');
    expect(ec2InstancePk(other, 'i-0a1b')).toBe('EC2#222233334444:us-east-1:i-0a1b');
  });

  it('reads the cluster name and task id back from a task key, scoped or not', () => {
    expect(parseTaskPk(taskPk(PROD, 'abc'))).toEqual({
      scope: '123456789012:us-east-1:prod',
      clusterName: 'prod',
      taskId: 'abc',
    });
    expect(parseTaskPk(UNSCOPED_LAYOUT.taskPk('prod', 'abc'))).toEqual({
      scope: 'prod',
      clusterName: 'prod',
      taskId: 'abc',
    });
  });
});
