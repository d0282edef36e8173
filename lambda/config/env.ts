/**
 * Environment-variable names shared by the CDK constructs that set them and the handlers that read them.
 * `lib/` imports this module and nothing else from `lambda/`.
 */
import { type HomeScope, isAccountId, UNKNOWN_HOME } from '../core/cluster-id.js';
import type { LogLevel } from './logger.js';

export const EnvName = {
  TABLE_NAME: 'TRACER_TABLE_NAME',
  RETENTION_DAYS: 'TRACER_RETENTION_DAYS',
  TOPIC_ARN: 'TRACER_TOPIC_ARN',
  API_URL: 'TRACER_API_URL',
  NOTIFY_SETTLE_SECONDS: 'TRACER_NOTIFY_SETTLE_SECONDS',
  NOTIFY_FILTERS: 'TRACER_NOTIFY_FILTERS',
  NOTIFY_FORMAT: 'TRACER_NOTIFY_FORMAT',
  LOG_LEVEL: 'TRACER_LOG_LEVEL',
  /** The Secrets Manager secret whose value keys the HMAC of the API's cursors. */
  CURSOR_SECRET_ARN: 'TRACER_CURSOR_SECRET_ARN',
  /**
   * The account the stack runs in (with AWS_REGION, its home): records kept before accounts were recorded
   * belong to it, and its own tasks are read with the function's own credentials.
   */
  HOME_ACCOUNT: 'TRACER_HOME_ACCOUNT',
  /**
   * The name prefix of the read role in each source account: the role of region R is `<prefix>-<R>`. The
   * query and notifier functions assume it to read another account's logs and ECS descriptions.
   */
  READ_ROLE_PREFIX: 'TRACER_READ_ROLE_PREFIX',
} as const;

/** The read role name prefix the source stacks use unless told otherwise. */
export const DEFAULT_READ_ROLE_PREFIX = 'tracer-read';

export type EnvName = (typeof EnvName)[keyof typeof EnvName];

/** Raised at cold start when the function's environment lacks a setting that the stack always provides. */
export class MissingEnvError extends Error {
  override readonly name = 'MissingEnvError';
  constructor(readonly variable: string) {
    super(
      `environment variable ${variable} is not set; the stack sets it, so this function was deployed by hand`,
    );
  }
}

/**
 * Reads a required environment variable and fails loudly when it is missing or empty.
 * @example const table = requireEnv(EnvName.TABLE_NAME);
 */
export function requireEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new MissingEnvError(name);
  return value;
}

/**
 * Reads an optional environment variable; an empty value counts as absent.
 * @example const topic = optionalEnv(EnvName.TOPIC_ARN);
 */
export function optionalEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Reads an optional positive integer, with a default and a clear error for anything else.
 * @example const days = intEnv(EnvName.RETENTION_DAYS, 90);
 */
export function intEnv(name: EnvName, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = optionalEnv(name, env);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`environment variable ${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

/**
 * EnvName.HOME_ACCOUNT, or undefined when the stack did not set it.
 * @throws Error for a value that is not 12 digits.
 */
export function homeAccountEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const account = optionalEnv(EnvName.HOME_ACCOUNT, env)?.trim();
  if (account !== undefined && !isAccountId(account)) {
    throw new Error(
      `environment variable ${EnvName.HOME_ACCOUNT} must be an AWS account id (12 digits), got "${account}"`,
    );
  }
  return account;
}

/**
 * The stack's home: EnvName.HOME_ACCOUNT and AWS_REGION (which Lambda always sets). Records kept before
 * accounts were recorded belong to it. The stack sets the account on every function; without it (a
 * function deployed by hand) the home account is UNKNOWN_HOME_ACCOUNT, so that nothing fails, and such
 * records are listed under that account until the variable is set.
 * @throws Error for a home account that is not 12 digits.
 * @example const home = homeScopeEnv(); // { account: '123456789012', region: 'us-east-1' }
 */
export function homeScopeEnv(env: NodeJS.ProcessEnv = process.env): HomeScope {
  const account = homeAccountEnv(env) ?? UNKNOWN_HOME.account;
  // Lambda always sets AWS_REGION; outside it (a test) the region is unknown too.
  const region = env.AWS_REGION?.trim() || UNKNOWN_HOME.region;
  return { account, region };
}

/** How long tracer keeps a task's records unless the stack says otherwise. */
export const DEFAULT_RETENTION_DAYS = 90;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * Reads an optional setting that must be one of `allowed` (case-insensitive), with a default.
 * @example const format = oneOfEnv(EnvName.NOTIFY_FORMAT, ['text', 'chatbot'], 'text');
 */
export function oneOfEnv<T extends string>(
  name: EnvName,
  allowed: readonly T[],
  fallback: T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const raw = optionalEnv(name, env);
  if (raw === undefined) return fallback;
  const value = allowed.find((candidate) => candidate === raw.trim().toLowerCase());
  if (!value) {
    throw new Error(`environment variable ${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return value;
}

/**
 * The functions' log level (EnvName.LOG_LEVEL), `info` unless set.
 * @example const logger = createLogger({ service: 'api' }, { level: logLevelEnv() });
 */
export function logLevelEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  return oneOfEnv(EnvName.LOG_LEVEL, LOG_LEVELS, 'info', env);
}

/**
 * The retention period in days (EnvName.RETENTION_DAYS), at least 1: items expire that many days after
 * their task was last seen, and a task not found is explained with it.
 * @example const days = retentionDaysEnv(); // 90 unless set
 */
export function retentionDaysEnv(
  env: NodeJS.ProcessEnv = process.env,
  fallback: number = DEFAULT_RETENTION_DAYS,
): number {
  const days = intEnv(EnvName.RETENTION_DAYS, fallback, env);
  if (days < 1) {
    throw new Error(`environment variable ${EnvName.RETENTION_DAYS} must be at least 1, got ${days}`);
  }
  return days;
}
