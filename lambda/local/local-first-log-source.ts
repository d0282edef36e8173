/**
 * Local mode's logs: streams posted to the local server first, CloudWatch Logs for the rest when AWS
 * credentials are configured.
 */
import { LogUnavailableError } from '../core/errors.js';
import type { LogSource, LogStreamRequest, LogStreamResult } from '../use-cases/ports.js';
import type { LocalLogStore } from './local-log-store.js';

/**
 * Reads a stream from the local store when it holds it, and otherwise from `fallback` (CloudWatch Logs).
 * When the fallback cannot serve a stream of a log group that exists locally, the local store's answer
 * (this stream does not exist) is the one reported: it is the same answer with or without credentials.
 */
export class LocalFirstLogSource implements LogSource {
  constructor(
    private readonly local: LocalLogStore,
    private readonly fallback?: LogSource,
  ) {}

  async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
    if (!this.fallback || this.local.has(request.logGroup, request.logStream)) {
      return this.local.readLogStream(request);
    }
    try {
      return await this.fallback.readLogStream(request);
    } catch (error) {
      const localVerdict =
        error instanceof LogUnavailableError &&
        error.reason !== 'throttled' &&
        this.local.hasLogGroup(request.logGroup);
      if (localVerdict) return this.local.readLogStream(request);
      throw error;
    }
  }
}
