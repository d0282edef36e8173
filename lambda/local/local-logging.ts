/**
 * What local mode writes to its terminal. By default one short line per request (`POST /events 200 12ms`)
 * and the warnings and errors as text; at `TRACER_LOG_LEVEL=debug`, everything as JSON lines, the
 * handlers' own logs included, as they would reach CloudWatch Logs in AWS.
 */
import { createLogger, type Logger, type LogLevel } from '../config/logger.js';

/** One request as local mode logs it. */
export interface RequestLogEntry {
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  readonly statusCode: number;
  readonly durationMs: number;
  /** What a write did, such as `{ stored: 3, rejected: 1 }`; the request line leaves out the zeros. */
  readonly details?: Readonly<Record<string, number>>;
}

/** Where the request lines and the other logs of local mode go. */
export interface LocalLogging {
  readonly logger: Logger;
  readonly logRequest: (entry: RequestLogEntry) => void;
}

/**
 * A request as one short line: method, path, status and time, then what a write did.
 * @example requestLine({ method: 'GET', path: '/health', statusCode: 200, durationMs: 2 }) === 'GET /health 200 2ms'
 */
export function requestLine(entry: RequestLogEntry): string {
  const details = Object.entries(entry.details ?? {})
    .filter(([, value]) => value !== 0)
    .map(([key, value]) => `${key}=${value}`);
  const head = `${entry.method} ${entry.path} ${entry.statusCode} ${entry.durationMs}ms`;
  return details.length > 0 ? `${head} ${details.join(' ')}` : head;
}

/**
 * The logging of `npm start` at a level: `debug` is JSON for everything; `info` (the default) is a line per
 * request plus warnings and errors as text; `warn` and `error` leave the requests out.
 * @example const { logger, logRequest } = createLocalLogging('info', (line) => process.stderr.write(`${line}\n`));
 */
export function createLocalLogging(level: LogLevel, write: (line: string) => void): LocalLogging {
  if (level === 'debug') {
    const logger = createLogger({ service: 'tracer-local' }, { level, write });
    return {
      logger,
      logRequest: ({ details, ...entry }) => logger.info('request', { ...entry, ...details }),
    };
  }
  // The handlers log every event and request at info; here the request line says it in one line.
  const logger = createLogger(
    { service: 'tracer-local' },
    { level: level === 'info' ? 'warn' : level, write, format: 'text' },
  );
  return {
    logger,
    logRequest: level === 'info' ? (entry) => write(requestLine(entry)) : () => {},
  };
}
