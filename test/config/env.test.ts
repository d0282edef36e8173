import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETENTION_DAYS,
  EnvName,
  homeScopeEnv,
  intEnv,
  logLevelEnv,
  MissingEnvError,
  oneOfEnv,
  optionalEnv,
  requireEnv,
  retentionDaysEnv,
} from '../../lambda/config/env.js';

describe('requireEnv and optionalEnv', () => {
  it('reads a set variable', () => {
    expect(requireEnv(EnvName.TABLE_NAME, { TRACER_TABLE_NAME: 'tracer' })).toBe('tracer');
    expect(optionalEnv(EnvName.API_URL, { TRACER_API_URL: 'https://x' })).toBe('https://x');
  });

  it.each([{}, { TRACER_TABLE_NAME: '' }, { TRACER_TABLE_NAME: '  ' }])(
    'fails with MissingEnvError for a missing or empty required variable (%j)',
    (env) => {
      expect(() => requireEnv(EnvName.TABLE_NAME, env)).toThrow(MissingEnvError);
      expect(optionalEnv(EnvName.TABLE_NAME, env)).toBeUndefined();
    },
  );
});

describe('intEnv', () => {
  it('reads a non-negative integer, with a default', () => {
    expect(intEnv(EnvName.RETENTION_DAYS, 7, {})).toBe(7);
    expect(intEnv(EnvName.RETENTION_DAYS, 7, { TRACER_RETENTION_DAYS: '0' })).toBe(0);
  });

  it.each(['-1', '1.5', 'ten'])('rejects "%s"', (raw) => {
    expect(() => intEnv(EnvName.RETENTION_DAYS, 7, { TRACER_RETENTION_DAYS: raw })).toThrow(
      `environment variable TRACER_RETENTION_DAYS must be a non-negative integer, got "${raw}"`,
    );
  });
});

describe('oneOfEnv', () => {
  it('reads one of the allowed values, case-insensitively and trimmed, with a default', () => {
    const allowed = ['text', 'chatbot'] as const;
    expect(oneOfEnv(EnvName.NOTIFY_FORMAT, allowed, 'text', {})).toBe('text');
    expect(oneOfEnv(EnvName.NOTIFY_FORMAT, allowed, 'text', { TRACER_NOTIFY_FORMAT: ' ChatBot ' })).toBe(
      'chatbot',
    );
  });

  it('rejects a value that is not allowed, naming the allowed ones', () => {
    expect(() =>
      oneOfEnv(EnvName.NOTIFY_FORMAT, ['text', 'chatbot'], 'text', { TRACER_NOTIFY_FORMAT: 'slack' }),
    ).toThrow('environment variable TRACER_NOTIFY_FORMAT must be one of text, chatbot, got "slack"');
  });
});

describe('logLevelEnv', () => {
  it.each([
    [{}, 'info'],
    [{ TRACER_LOG_LEVEL: 'debug' }, 'debug'],
    [{ TRACER_LOG_LEVEL: 'WARN' }, 'warn'],
    [{ TRACER_LOG_LEVEL: ' error' }, 'error'],
    [{ TRACER_LOG_LEVEL: '' }, 'info'],
  ])('reads the log level from %j', (env, level) => {
    expect(logLevelEnv(env)).toBe(level);
  });

  it('rejects an unknown log level', () => {
    expect(() => logLevelEnv({ TRACER_LOG_LEVEL: 'verbose' })).toThrow(
      'environment variable TRACER_LOG_LEVEL must be one of debug, info, warn, error, got "verbose"',
    );
  });
});

describe('retentionDaysEnv', () => {
  it.each([
    [{}, DEFAULT_RETENTION_DAYS],
    [{ TRACER_RETENTION_DAYS: '1' }, 1],
    [{ TRACER_RETENTION_DAYS: '400' }, 400],
  ])('reads the retention from %j', (env, days) => {
    expect(retentionDaysEnv(env)).toBe(days);
  });

  it('uses the fallback it is given', () => {
    expect(retentionDaysEnv({}, 30)).toBe(30);
  });

  it.each([
    ['0', 'environment variable TRACER_RETENTION_DAYS must be at least 1, got 0'],
    ['-3', 'environment variable TRACER_RETENTION_DAYS must be a non-negative integer, got "-3"'],
    ['a week', 'environment variable TRACER_RETENTION_DAYS must be a non-negative integer, got "a week"'],
  ])('rejects a retention of "%s"', (raw, message) => {
    expect(() => retentionDaysEnv({ TRACER_RETENTION_DAYS: raw })).toThrow(message);
  });
});

describe('homeScopeEnv', () => {
  it('reads the home account and the function region', () => {
    expect(homeScopeEnv({ TRACER_HOME_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1' })).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
    });
  });

  it('falls back to the unknown account and us-east-1 when neither is set, so that nothing fails', () => {
    expect(homeScopeEnv({})).toEqual({ account: '000000000000', region: 'us-east-1' });
  });

  it('rejects a home account that is not an account id', () => {
    expect(() => homeScopeEnv({ TRACER_HOME_ACCOUNT: 'prod' })).toThrow(
      'environment variable TRACER_HOME_ACCOUNT must be an AWS account id (12 digits), got "prod"',
    );
  });
});
