/** Structured JSON logs written at the boundaries (handlers, local server). The core never logs. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Serialises an error with its cause chain, without leaking it to API clients (logs stay in the account). */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.cause !== undefined) out.cause = describeError(error.cause);
  return out;
}

/** How log entries are written: JSON lines for machines, or short `level: message (field=value)` lines. */
export type LogFormat = 'json' | 'text';

function textValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return /[\s,()=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * One entry as a line of text: `warn: message (field=value, ...)`. The base fields that every entry
 * shares (`service`) are left out; a person reading a terminal knows which program writes there.
 * @example textLine('warn', 'slow', { ms: 3 }) === 'warn: slow (ms=3)'
 */
export function textLine(level: LogLevel, message: string, fields: Record<string, unknown> = {}): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${textValue(value)}`);
  return `${level}: ${message}${pairs.length > 0 ? ` (${pairs.join(', ')})` : ''}`;
}

/**
 * Creates a logger: JSON lines by default, or text lines for a person at a terminal. Lambda sends
 * stdout/stderr to CloudWatch Logs; the CLI and the MCP server pass a stderr writer so that stdout carries
 * only data.
 * @example const log = createLogger({ service: 'recorder' }); log.info('recorded', { taskId });
 */
export function createLogger(
  base: Record<string, unknown> = {},
  options: { level?: LogLevel; write?: (line: string) => void; format?: LogFormat } = {},
): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold) return;
    if (options.format === 'text') {
      const { service: _service, ...rest } = base;
      write(textLine(level, message, { ...rest, ...fields }));
      return;
    }
    const entry: Record<string, unknown> = { level, message, ...base, ...fields };
    for (const [key, value] of Object.entries(entry)) {
      if (value instanceof Error) entry[key] = describeError(value);
    }
    write(JSON.stringify({ time: new Date().toISOString(), ...entry }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}

/** A logger that drops everything, for tests and quiet tools. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
