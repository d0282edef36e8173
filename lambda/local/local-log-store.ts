/**
 * The local stand-in for CloudWatch Logs behind the `LogSource` port: container log events posted to the
 * local server (and the samples), kept in memory and in a JSON Lines file on disk.
 */
import { type FileHandle, mkdir, open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LogUnavailableError, TracerError } from '../core/errors.js';
import { toRecordEvent } from '../core/log-records.js';
import type { LogEvent, LogSource, LogStreamRequest, LogStreamResult } from '../use-cases/ports.js';

/** The log events of one stream, as `POST /logs` takes them once validated. */
export interface LocalLogBatch {
  readonly logGroup: string;
  readonly logStream: string;
  readonly events: readonly LogEvent[];
}

/** CloudWatch Logs' own bounds on names. */
const MAX_NAME_CHARS = 512;
/** CloudWatch Logs takes log events of up to 1 MiB. */
const MAX_MESSAGE_BYTES = 1_048_576;
/** Problems quoted in one answer; the rest are counted. */
const MAX_PROBLEMS = 20;

/** A `POST /logs` body that cannot be stored; nothing of it was stored. */
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

function timestampOf(event: Record<string, unknown>): number | string {
  const raw = event.timestampMs ?? event.timestamp;
  if (typeof raw === 'number') {
    return Number.isSafeInteger(raw) && raw >= 0 ? raw : 'timestamp must be whole epoch milliseconds';
  }
  if (typeof raw === 'string') {
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? `timestamp "${raw}" is not an ISO 8601 time` : ms;
  }
  return 'timestamp (epoch milliseconds or ISO 8601) is missing';
}

/**
 * Validates a `POST /logs` body: `{ logGroup, logStream, events: [{ timestamp | timestampMs, message }] }`
 * or an array of those. `timestamp` is epoch milliseconds, as CloudWatch Logs has it, or an ISO 8601 time.
 * @throws InvalidLogBatchError listing what is wrong, by position.
 * @example parseLogBatches({ logGroup: '/ecs/web', logStream: 'ecs/web/abc', events: [{ timestamp: 0, message: 'hi' }] })
 */
export function parseLogBatches(body: unknown): LocalLogBatch[] {
  const items = Array.isArray(body) ? body : [body];
  const problems: string[] = [];
  const problem = (text: string) => problems.push(text);
  if (items.length === 0) problem('the body is an empty array');
  const batches: LocalLogBatch[] = [];
  items.forEach((item, index) => {
    const where = Array.isArray(body) ? `batch ${index + 1}: ` : '';
    if (!isObject(item)) {
      problem(`${where}expected an object with logGroup, logStream and events`);
      return;
    }
    const groupProblem = nameProblem(item.logGroup, 'logGroup');
    const streamProblem = nameProblem(item.logStream, 'logStream');
    if (groupProblem) problem(`${where}${groupProblem}`);
    if (streamProblem) problem(`${where}${streamProblem}`);
    if (!Array.isArray(item.events)) {
      problem(`${where}events must be an array of { timestamp, message }`);
      return;
    }
    const events: LogEvent[] = [];
    item.events.forEach((event: unknown, eventIndex: number) => {
      const at = `${where}events[${eventIndex}]: `;
      if (!isObject(event)) {
        problem(`${at}expected { timestamp, message }`);
        return;
      }
      const timestampMs = timestampOf(event);
      if (typeof timestampMs === 'string') problem(`${at}${timestampMs}`);
      if (typeof event.message !== 'string') problem(`${at}message must be a string`);
      else if (Buffer.byteLength(event.message, 'utf8') > MAX_MESSAGE_BYTES) {
        problem(`${at}message is larger than CloudWatch Logs' 1 MiB limit`);
      } else if (typeof timestampMs === 'number') events.push({ timestampMs, message: event.message });
    });
    if (!groupProblem && !streamProblem) {
      batches.push({ logGroup: String(item.logGroup), logStream: String(item.logStream), events });
    }
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    if (problems.length > MAX_PROBLEMS) shown.push(`and ${problems.length - MAX_PROBLEMS} more problems`);
    throw new InvalidLogBatchError(shown);
  }
  return batches;
}

/** The first index whose timestamp is at or after `startMs` (events are sorted by time). */
function lowerBound(events: readonly LogEvent[], startMs: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((events[mid] as LogEvent).timestampMs < startMs) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Log streams kept in memory, sorted by time (ties keep the order they were posted in), and appended to a
 * JSON Lines file before an append resolves, so that a restart replays exactly what was acknowledged.
 * Reads answer like CloudWatch Logs: a missing group or stream is a `LogUnavailableError`, and FireLens
 * records are unwrapped and kept for their task only, as CloudWatchLogSource does.
 */
export class LocalLogStore implements LogSource {
  private readonly groups = new Map<string, Map<string, LogEvent[]>>();
  private handle: FileHandle | undefined;
  /** Complete lines of the file that could not be read back (a damaged file); they are left in place. */
  private unreadable = 0;
  private closed = false;
  /** Appends run one after another, so that lines never interleave. */
  private writing: Promise<void> = Promise.resolve();

  /** Use `LocalLogStore.open`, which replays the file first. */
  private constructor() {}

  /**
   * Opens the store and replays its file. Without a file it keeps nothing across restarts.
   * @example const logs = await LocalLogStore.open('.data/logs.jsonl');
   */
  static async open(file?: string): Promise<LocalLogStore> {
    const store = new LocalLogStore();
    if (file) {
      await mkdir(dirname(file), { recursive: true });
      await store.replay(file);
      store.handle = await open(file, 'a');
    }
    return store;
  }

  private async replay(file: string): Promise<void> {
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const end = content.lastIndexOf(0x0a) + 1;
    // A line without its newline was torn by a crash mid-write and never acknowledged. Cutting it off
    // keeps the next append from being glued to it.
    if (end < content.length) await truncate(file, end);
    for (const line of content.subarray(0, end).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        for (const batch of parseLogBatches(JSON.parse(line))) this.insert(batch);
      } catch {
        this.unreadable += 1;
      }
    }
  }

  /** True when the log group holds at least one stream here. */
  hasLogGroup(logGroup: string): boolean {
    return this.groups.has(logGroup);
  }

  /** True when the stream exists here. */
  has(logGroup: string, logStream: string): boolean {
    return this.groups.get(logGroup)?.has(logStream) ?? false;
  }

  /** Log streams and events held, and the lines of the file that could not be read back. */
  stats(): { readonly logStreams: number; readonly logEvents: number; readonly unreadableLines: number } {
    let logStreams = 0;
    let logEvents = 0;
    for (const streams of this.groups.values()) {
      for (const events of streams.values()) {
        logStreams += 1;
        logEvents += events.length;
      }
    }
    return { logStreams, logEvents, unreadableLines: this.unreadable };
  }

  /**
   * Writes the batches to the file and flushes it to disk, then makes them readable. When it resolves, the
   * batches survive a crash; when it rejects, none of them was acknowledged.
   */
  append(batches: readonly LocalLogBatch[]): Promise<void> {
    // Appends made before close() still complete: close() waits for them.
    if (this.closed) {
      return Promise.reject(new TracerError('the log store is closed; the batches were not stored'));
    }
    const work = this.writing.then(async () => {
      if (this.handle) {
        const lines = batches.map((batch) => `${JSON.stringify(batch)}\n`).join('');
        await this.handle.appendFile(lines, 'utf8');
        await this.handle.datasync();
      }
      for (const batch of batches) this.insert(batch);
    });
    // A failed append must not block the ones after it.
    this.writing = work.catch(() => undefined);
    return work;
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private insert(batch: LocalLogBatch): void {
    let streams = this.groups.get(batch.logGroup);
    if (!streams) {
      streams = new Map();
      this.groups.set(batch.logGroup, streams);
    }
    let events = streams.get(batch.logStream);
    if (!events) {
      events = [];
      streams.set(batch.logStream, events);
    }
    const lastMs = events.at(-1)?.timestampMs ?? Number.NEGATIVE_INFINITY;
    let sorted = true;
    let previousMs = lastMs;
    for (const event of batch.events) {
      if (event.timestampMs < previousMs) sorted = false;
      previousMs = event.timestampMs;
      events.push({ timestampMs: event.timestampMs, message: event.message });
    }
    // Array.prototype.sort is stable: events of equal time keep the order they were posted in.
    if (!sorted) events.sort((a, b) => a.timestampMs - b.timestampMs);
  }

  async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
    const streams = this.groups.get(request.logGroup);
    if (!streams) {
      throw new LogUnavailableError('log-group-not-found', `log group ${request.logGroup} does not exist`);
    }
    const all = streams.get(request.logStream);
    if (!all) {
      throw new LogUnavailableError(
        'log-stream-not-found',
        `log stream ${request.logStream} does not exist in log group ${request.logGroup}`,
      );
    }
    const max = request.maxEvents ?? Number.POSITIVE_INFINITY;
    const events: LogEvent[] = [];
    for (let i = lowerBound(all, request.startMs); i < all.length; i++) {
      const stored = all[i] as LogEvent;
      if (stored.timestampMs > request.endMs) break;
      const event = request.records
        ? toRecordEvent(stored.timestampMs, stored.message, request.records)
        : stored;
      if (!event) continue;
      if (events.length === max) {
        const last = events.at(-1);
        return last
          ? { events, calls: 1, truncated: true, resumeAfterMs: last.timestampMs }
          : { events, calls: 1, truncated: true };
      }
      events.push(event);
    }
    return { events, calls: 1, truncated: false };
  }
}
