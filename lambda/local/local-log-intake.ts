/**
 * `POST /logs` of the local server: container log events, one stream per item, checked before anything is
 * stored. Each stream is stored whole or refused whole (with every reason), so a refused stream can be sent
 * again once fixed without doubling the lines of the others.
 */
import { TracerError } from '../core/errors.js';
import { parseLogTimestamp } from '../core/log-timestamp.js';
import type { LogEvent } from '../use-cases/ports.js';
import type { LocalLogBatch } from './local-log-store.js';

/** CloudWatch Logs' own bounds on names. */
const MAX_NAME_CHARS = 512;
/** CloudWatch Logs takes log events of up to 1 MiB. */
const MAX_MESSAGE_BYTES = 1_048_576;
/** Problems quoted for one stream; the rest are counted. */
const MAX_PROBLEMS_PER_STREAM = 5;

/** What happened to one stream of a `POST /logs` body. */
export interface PostedLogStreamResult {
  /** 0-based order in the body. */
  readonly index: number;
  /** `batch 2`. */
  readonly position: string;
  readonly status: 'stored' | 'rejected';
  readonly logGroup?: string;
  readonly logStream?: string;
  /** The stream's log events: stored, or refused with it. */
  readonly logEvents: number;
  /** Why the stream was refused: each problem, by event. */
  readonly reason?: string;
}

/** Streams and log events. */
export interface LogCounts {
  readonly logStreams: number;
  readonly logEvents: number;
}

/** The answer of `POST /logs`. */
export interface PostedLogsAnswer {
  readonly received: LogCounts;
  readonly stored: LogCounts;
  readonly rejected: LogCounts;
  readonly results: readonly PostedLogStreamResult[];
}

/** The streams of a body that can be stored, and what becomes of each item. */
export interface CheckedLogs {
  readonly accepted: readonly LocalLogBatch[];
  readonly results: readonly PostedLogStreamResult[];
}

/** Log streams that cannot be stored. */
export class InvalidLogBatchError extends TracerError {
  constructor(readonly problems: readonly string[]) {
    super(`the log batch cannot be stored: ${problems.join('; ')}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameProblem(value: unknown, field: string): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return `${field} must be a non-empty string`;
  if (value.length > MAX_NAME_CHARS) return `${field} must be at most ${MAX_NAME_CHARS} characters`;
  return undefined;
}

function checkStream(
  item: unknown,
  nowMs: number,
): { readonly batch?: LocalLogBatch; readonly problems: string[]; readonly logEvents: number } {
  if (!isObject(item)) {
    return { problems: ['expected an object with logGroup, logStream and events'], logEvents: 0 };
  }
  const problems: string[] = [];
  for (const problem of [nameProblem(item.logGroup, 'logGroup'), nameProblem(item.logStream, 'logStream')]) {
    if (problem) problems.push(problem);
  }
  if (!Array.isArray(item.events)) {
    problems.push('events must be an array of { timestamp, message }');
    return { problems, logEvents: 0 };
  }
  const events: LogEvent[] = [];
  item.events.forEach((event: unknown, index: number) => {
    const at = `events[${index}]: `;
    if (!isObject(event)) {
      problems.push(`${at}expected { timestamp, message }`);
      return;
    }
    const timestamp = parseLogTimestamp(event.timestampMs ?? event.timestamp, nowMs);
    if (!timestamp.ok) problems.push(`${at}${timestamp.reason}`);
    if (typeof event.message !== 'string') problems.push(`${at}message must be a string`);
    else if (Buffer.byteLength(event.message, 'utf8') > MAX_MESSAGE_BYTES) {
      problems.push(`${at}message is larger than CloudWatch Logs' 1 MiB limit`);
    } else if (timestamp.ok) events.push({ timestampMs: timestamp.epochMs, message: event.message });
  });
  if (problems.length > 0) return { problems, logEvents: item.events.length };
  return {
    batch: { logGroup: String(item.logGroup), logStream: String(item.logStream), events },
    problems,
    logEvents: events.length,
  };
}

function summarize(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_PER_STREAM);
  const more = problems.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more problems` : shown.join('; ');
}

/**
 * Checks a `POST /logs` body, `{ logGroup, logStream, events: [{ timestamp, message }] }` or an array of
 * those, stream by stream. `timestamp` (or `timestampMs`) is read by `parseLogTimestamp`.
 * @example checkLogBatches([{ logGroup: '/ecs/web', logStream: 'ecs/web/abc', events: [] }], Date.now()).accepted.length === 1
 */
export function checkLogBatches(body: unknown, nowMs: number): CheckedLogs {
  const items = Array.isArray(body) ? body : [body];
  const accepted: LocalLogBatch[] = [];
  const results = items.map((item: unknown, index): PostedLogStreamResult => {
    const { batch, problems, logEvents } = checkStream(item, nowMs);
    const names = isObject(item)
      ? {
          ...(typeof item.logGroup === 'string' ? { logGroup: item.logGroup } : {}),
          ...(typeof item.logStream === 'string' ? { logStream: item.logStream } : {}),
        }
      : {};
    const base = { index, position: `batch ${index + 1}`, ...names, logEvents };
    if (!batch) return { ...base, status: 'rejected', reason: summarize(problems) };
    accepted.push(batch);
    return { ...base, status: 'stored' };
  });
  return { accepted, results };
}

/**
 * A body whose every stream can be stored, as the shipped samples must be.
 * @throws InvalidLogBatchError listing each refused stream and why.
 * @example parseLogBatches({ logGroup: '/ecs/web', logStream: 'ecs/web/abc', events: [] }, Date.now())
 */
export function parseLogBatches(body: unknown, nowMs: number): LocalLogBatch[] {
  const { accepted, results } = checkLogBatches(body, nowMs);
  const refused = results.filter((result) => result.status === 'rejected');
  if (refused.length > 0) throw new InvalidLogBatchError(refused.map((r) => `${r.position}: ${r.reason}`));
  return [...accepted];
}

/**
 * The answer to a `POST /logs` once the accepted streams are stored, and its status: 200 when every stream
 * was stored, 422 when some were refused and the others stored, 400 when none was stored.
 * @example const { statusCode, body } = answerPostedLogs(checked.results);
 */
export function answerPostedLogs(results: readonly PostedLogStreamResult[]): {
  readonly statusCode: number;
  readonly body: PostedLogsAnswer;
} {
  const count = (of: readonly PostedLogStreamResult[]): LogCounts => ({
    logStreams: of.length,
    logEvents: of.reduce((sum, result) => sum + result.logEvents, 0),
  });
  const stored = results.filter((result) => result.status === 'stored');
  const rejected = results.filter((result) => result.status === 'rejected');
  const statusCode = stored.length === 0 ? 400 : rejected.length === 0 ? 200 : 422;
  return {
    statusCode,
    body: { received: count(results), stored: count(stored), rejected: count(rejected), results },
  };
}
