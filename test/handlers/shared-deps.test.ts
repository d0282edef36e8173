import { describe, expect, it } from 'vitest';
import { EnvName, MissingEnvError } from '../../lambda/config/env.js';
import { apiDepsFromEnv } from '../../lambda/handlers/api.js';
import { notifierDepsFromEnv } from '../../lambda/handlers/notifier.js';
import { recorderDepsFromEnv } from '../../lambda/handlers/recorder.js';
import { accountClientsFromEnv, sharedDepsFromEnv } from '../../lambda/handlers/shared-deps.js';

const env = {
  [EnvName.TABLE_NAME]: 'tracer',
  [EnvName.TOPIC_ARN]: 'arn:aws:sns:us-east-1:123456789012:tracer',
  AWS_REGION: 'us-east-1',
  [EnvName.CURSOR_SECRET_ARN]:
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:tracer-cursor-key-AbCdEf',
};

describe('sharedDepsFromEnv', () => {
  it('builds the table options with the retention, and the ECS client', async () => {
    const shared = sharedDepsFromEnv({ ...env, [EnvName.RETENTION_DAYS]: '30' });

    expect(shared.table).toMatchObject({ tableName: 'tracer', retentionDays: 30 });
    expect(shared.retentionDays).toBe(30);
    expect(await shared.table.client.config.maxAttempts()).toBe(8);
    expect(await shared.ecs.config.maxAttempts()).toBe(5);
  });

  it('fails with MissingEnvError without a table name', () => {
    expect(() => sharedDepsFromEnv({})).toThrow(MissingEnvError);
  });
});

describe('accountClientsFromEnv', () => {
  it('reads other accounts through the read role of the default prefix', () => {
    const accounts = accountClientsFromEnv({ ...env, [EnvName.HOME_ACCOUNT]: '111122223333' }, 'api');

    expect(accounts.readRoleOf({ account: '111122223333', region: 'eu-west-1' })).toBeUndefined();
    expect(accounts.readRoleOf({ account: '222233334444', region: 'ap-northeast-1' })).toBe(
      'arn:aws:iam::222233334444:role/tracer-read-ap-northeast-1',
    );
  });

  it('takes the read role prefix from the environment', () => {
    const accounts = accountClientsFromEnv(
      { ...env, [EnvName.HOME_ACCOUNT]: '111122223333', [EnvName.READ_ROLE_PREFIX]: 'org-tracer' },
      'notifier',
    );

    expect(accounts.readRoleOf({ account: '222233334444', region: 'us-west-2' })).toBe(
      'arn:aws:iam::222233334444:role/org-tracer-us-west-2',
    );
  });

  it('reads every account with the function credentials without a home account', () => {
    const accounts = accountClientsFromEnv(env, 'recorder');

    expect(accounts.readRoleOf({ account: '222233334444', region: 'us-west-2' })).toBeUndefined();
  });

  it('rejects a home account that is not 12 digits', () => {
    expect(() => accountClientsFromEnv({ ...env, [EnvName.HOME_ACCOUNT]: '1234' }, 'api')).toThrow(
      'environment variable TRACER_HOME_ACCOUNT must be an AWS account id (12 digits), got "1234"',
    );
  });

  it('rejects a read role prefix that cannot start an IAM role name', () => {
    expect(() =>
      accountClientsFromEnv({ ...env, [EnvName.READ_ROLE_PREFIX]: 'tracer read/role' }, 'api'),
    ).toThrow(
      'environment variable TRACER_READ_ROLE_PREFIX must be 1 to 48 characters of letters, digits and +=,.@_-, got "tracer read/role"',
    );
  });
});

describe('the three handlers read their environment the same way', () => {
  const builders = [
    ['api', apiDepsFromEnv],
    ['recorder', recorderDepsFromEnv],
    ['notifier', notifierDepsFromEnv],
  ] as const;

  it.each(builders)('the %s rejects a retention of zero days', (_name, build) => {
    expect(() => build({ ...env, [EnvName.RETENTION_DAYS]: '0' })).toThrow(
      'environment variable TRACER_RETENTION_DAYS must be at least 1, got 0',
    );
  });

  it.each(builders)('the %s rejects an unknown log level', (_name, build) => {
    expect(() => build({ ...env, [EnvName.LOG_LEVEL]: 'loud' })).toThrow(
      'environment variable TRACER_LOG_LEVEL must be one of debug, info, warn, error, got "loud"',
    );
  });

  it('fails at cold start when the API has no cursor secret', () => {
    const { [EnvName.CURSOR_SECRET_ARN]: _, ...withoutSecret } = env;
    expect(() => apiDepsFromEnv(withoutSecret)).toThrow(MissingEnvError);
  });

  it('tells the API the retention it quotes for a task not found', () => {
    expect(apiDepsFromEnv({ ...env, [EnvName.RETENTION_DAYS]: '14' }).retentionDays).toBe(14);
    expect(apiDepsFromEnv(env).retentionDays).toBe(90);
  });
});
