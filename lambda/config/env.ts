/**
 * Environment-variable names shared by the CDK constructs that set them and the handlers that read them.
 * `lib/` imports this module and nothing else from `lambda/`.
 */
export const EnvName = {
  TABLE_NAME: 'TRACER_TABLE_NAME',
  RETENTION_DAYS: 'TRACER_RETENTION_DAYS',
  TOPIC_ARN: 'TRACER_TOPIC_ARN',
  API_URL: 'TRACER_API_URL',
  NOTIFY_SETTLE_SECONDS: 'TRACER_NOTIFY_SETTLE_SECONDS',
  NOTIFY_FILTERS: 'TRACER_NOTIFY_FILTERS',
  NOTIFY_FORMAT: 'TRACER_NOTIFY_FORMAT',
  LOG_LEVEL: 'TRACER_LOG_LEVEL',
} as const;

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
