/** Local mode's settings, read from the environment by `npm start`. */
import { EnvName } from '../config/env.js';
import type { LogLevel } from '../config/logger.js';
import { TracerError } from '../core/errors.js';
import {
  DEFAULT_LOCAL_PORT,
  DEFAULT_LOCAL_RETENTION_DAYS,
  type LocalAwsMode,
  type LocalServerOptions,
} from './local-server.js';

/** Environment variables of local mode, beside the shared ones in config/env.ts. */
export const LocalEnvName = {
  PORT: 'PORT',
  DATA_DIR: 'TRACER_DATA_DIR',
  AWS: 'TRACER_LOCAL_AWS',
  SAMPLES: 'TRACER_LOCAL_SAMPLES',
} as const;

/** A setting of local mode that cannot be used. */
export class LocalSettingError extends TracerError {}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function oneOf<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const found = allowed.find((option) => option === raw.toLowerCase());
  if (!found) throw new LocalSettingError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return found;
}

function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new LocalSettingError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return parsed;
}

/**
 * The local server's options from the environment.
 * @throws LocalSettingError naming the variable and the value it got.
 * @example const options = localOptionsFromEnv({ PORT: '0' });
 */
export function localOptionsFromEnv(env: NodeJS.ProcessEnv): LocalServerOptions & { level: LogLevel } {
  const dataDir = value(env, LocalEnvName.DATA_DIR);
  return {
    port: wholeNumber(env, LocalEnvName.PORT, DEFAULT_LOCAL_PORT, 0, 65_535),
    ...(dataDir ? { dataDir } : {}),
    retentionDays: wholeNumber(env, EnvName.RETENTION_DAYS, DEFAULT_LOCAL_RETENTION_DAYS, 1, 36_500),
    aws: oneOf<LocalAwsMode>(env, LocalEnvName.AWS, ['auto', 'on', 'off'], 'auto'),
    samples: oneOf(env, LocalEnvName.SAMPLES, ['on', 'off'], 'on') === 'on',
    level: oneOf<LogLevel>(env, EnvName.LOG_LEVEL, ['debug', 'info', 'warn', 'error'], 'info'),
    env,
  };
}
