/**
 * The local stand-in for CloudWatch Logs behind the `LogSource` port: container log events posted to the
 * local server (and the samples), kept in memory and in a JSON Lines file on disk.
 */
import { type FileHandle, mkdir, open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LogUnavailableError, TracerError } from '../core/errors.js';
import type { LogEvent, LogSource, LogStreamRequest, LogStreamResult } from '../use-cases/ports.js';

/** The log events of one stream, as `POST /logs` takes them once validated. */
export interface LocalLogBatch {
  readonly logGroup: string;
  readonly logStream: string;
  readonly events: readonly LogEvent[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A line of the store's file as `append` wrote it, or undefined for a damaged one. Nothing but the shape is
 * checked: what was acknowledged once is read back as it was.
 */
function storedBatchOf(value: unknown): LocalLogBatch | undefined {
  if (!isObject(value) || typeof value.logGroup !== 'string' || typeof value.logStream !== 'string') {
    return undefined;
  }
  if (!Array.isArray(value.events)) return undefined;
  const events: LogEvent[] = [];
  for (const event of value.events as unknown[]) {
    if (!isObject(event) || typeof event.message !== 'string') return undefined;
    if (typeof event.timestampMs !== 'number' || !Number.isFinite(event.timestampMs)) return undefined;
    events.push({ timestampMs: event.timestampMs, message: event.message });
  }
  return { logGroup: value.logGroup, logStream: value.logStream, events };
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
 * Reads answer like CloudWatch Logs: a missing group or stream is a `LogUnavailableError`.
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
      let batch: LocalLogBatch | undefined;
      try {
        batch = storedBatchOf(JSON.parse(line));
      } catch {
        batch = undefined;
      }
      if (batch) this.insert(batch);
      else this.unreadable += 1;
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
      const event = all[i] as LogEvent;
      if (event.timestampMs > request.endMs) break;
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
