import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LogUnavailableError } from '../core/errors.js';
import type { LogEvent, LogSource, LogStreamRequest, LogStreamResult } from '../use-cases/ports.js';

/** Log events posted to the local server: `{ logGroup, logStream, events: [{ timestampMs|timestamp, message }] }`. */
export interface LocalLogBatch {
  readonly logGroup: string;
  readonly logStream: string;
  readonly events: readonly LogEvent[];
}

/**
 * The local stand-in for CloudWatch Logs behind the same `LogSource` port. It keeps streams in memory,
 * sorted by time, and appends every accepted batch to a JSON Lines file before acknowledging it, so a
 * restart replays exactly what was accepted.
 */
export class LocalLogStore implements LogSource {
  private readonly groups = new Map<string, Map<string, LogEvent[]>>();

  private constructor(private readonly file: string | undefined) {}

  /** Opens the store, replaying the file when there is one. Without a file it keeps nothing across restarts. */
  static async open(file?: string): Promise<LocalLogStore> {
    const store = new LocalLogStore(file);
    if (file) {
      await mkdir(dirname(file), { recursive: true });
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        try {
          store.insert(JSON.parse(line) as LocalLogBatch);
        } catch {
          // A torn last line from a crash mid-write is skipped; every complete line was acknowledged.
        }
      }
    }
    return store;
  }

  /** True when the stream exists locally. */
  has(logGroup: string, logStream: string): boolean {
    return this.groups.get(logGroup)?.has(logStream) ?? false;
  }

  /** Persists then indexes a batch. */
  async append(batch: LocalLogBatch): Promise<void> {
    if (this.file) await appendFile(this.file, `${JSON.stringify(batch)}\n`);
    this.insert(batch);
  }

  private insert(batch: LocalLogBatch): void {
    let streams = this.groups.get(batch.logGroup);
    if (!streams) {
      streams = new Map();
      this.groups.set(batch.logGroup, streams);
    }
    const events = streams.get(batch.logStream) ?? [];
    events.push(...batch.events.map((e) => ({ timestampMs: e.timestampMs, message: e.message })));
    events.sort((a, b) => a.timestampMs - b.timestampMs);
    streams.set(batch.logStream, events);
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
    const inWindow = all.filter((e) => e.timestampMs >= request.startMs && e.timestampMs <= request.endMs);
    const max = request.maxEvents ?? Number.POSITIVE_INFINITY;
    if (inWindow.length <= max) return { events: inWindow, calls: 1, truncated: false };
    const events = inWindow.slice(0, max);
    const last = events[events.length - 1];
    return last
      ? { events, calls: 1, truncated: true, resumeAfterMs: last.timestampMs }
      : { events, calls: 1, truncated: true };
  }
}
