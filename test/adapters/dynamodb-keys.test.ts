import { describe, expect, it } from 'vitest';
import {
  CLUSTERS_PK,
  LEADING_KEY_PATTERNS,
  legacyNotificationPk,
  notificationPk,
  servicePk,
  taskDefinitionPk,
  taskPk,
} from '../../lambda/adapters/dynamodb/keys.js';

/** IAM StringLike: `*` any characters. */
const matches = (value: string, pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);

const ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/app:7';

describe('LEADING_KEY_PATTERNS', () => {
  const keys = {
    task: taskPk('prod', 'abc'),
    notification: notificationPk('prod', 'abc'),
    cluster: CLUSTERS_PK,
    taskDefinition: taskDefinitionPk(ARN),
    serviceEvent: servicePk('prod', 'web'),
  } as const;

  it.each(Object.entries(keys))('matches the %s partition keys and no other kind', (kind, key) => {
    // Assess
    const matching = Object.entries(LEADING_KEY_PATTERNS)
      .filter(([, pattern]) => matches(key, pattern))
      .map(([name]) => name);
    expect(matching).toEqual([kind]);
  });

  it('keeps ledger items out of the task partitions, and reads the earlier ones from there', () => {
    expect(notificationPk('prod', 'abc')).toBe('N#prod#abc');
    expect(legacyNotificationPk('prod', 'abc')).toBe(taskPk('prod', 'abc'));
  });
});
