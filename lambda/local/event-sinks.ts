/**
 * Where `tracer import` writes: the tracer table through the recorder's own code, or a local server's
 * `POST /events`, which runs the same code.
 */
import { mapWithConcurrency } from '../core/concurrency.js';
import { InvalidTaskEventError, TracerError } from '../core/errors.js';
import type { EventOutcome, EventSink } from '../use-cases/import-history.js';
import { type RecordEventDeps, type RecordEventResult, recordEvent } from '../use-cases/record-event.js';
import {
  isEventBridgeShaped,
  type PostedEventResult,
  type PostedEventsAnswer,
  rejectionOf,
} from './local-event-intake.js';

/** Events recorded at once: as many as the recorder Lambda records from one SQS batch. */
export const RECORDER_SINK_CONCURRENCY = 8;

function outcomeOf(result: RecordEventResult): EventOutcome {
  if (result.type === 'service-event') return { status: 'stored', type: 'service-event' };
  if (result.type === 'container-instance-change' || result.type === 'ec2-instance-notice') {
    return { status: 'stored', type: 'host-event' };
  }
  const duplicate = result.transition === 'duplicate' && result.summary === 'stale';
  return { status: duplicate ? 'duplicate' : 'stored', type: 'task-state-change' };
}

/** Records events into the tracer table with the recorder's use case, as EventBridge deliveries would be. */
export class RecorderEventSink implements EventSink {
  constructor(
    private readonly deps: RecordEventDeps,
    private readonly concurrency: number = RECORDER_SINK_CONCURRENCY,
  ) {}

  async record(events: readonly unknown[]): Promise<EventOutcome[]> {
    return mapWithConcurrency(events, this.concurrency, async (event) => {
      try {
        return outcomeOf(await recordEvent(this.deps, event));
      } catch (error) {
        if (!(error instanceof InvalidTaskEventError)) throw error;
        return { status: 'rejected', reason: error.reason } satisfies EventOutcome;
      }
    });
  }
}

/** The local server answered in a way the import cannot use. */
export class EndpointImportError extends TracerError {}

export interface EndpointEventSinkOptions {
  /** The local server's base URL, `http://127.0.0.1:8787`. */
  readonly endpoint: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Attempts of one batch when the server fails or cannot be reached. @default 3 */
  readonly maxAttempts?: number;
  /** @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Posts events to a local server's `POST /events`, and reads back what became of each one. */
export class EndpointEventSink implements EventSink {
  private readonly url: string;
  private readonly fetch: typeof fetch;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: EndpointEventSinkOptions) {
    this.url = new URL(
      'events',
      options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`,
    ).href;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async record(events: readonly unknown[]): Promise<EventOutcome[]> {
    const outcomes = new Array<EventOutcome>(events.length);
    // Only EventBridge-shaped objects are posted: the server reads them back one for one, whereas it
    // would unwrap an array or a log event into several.
    const posted: number[] = [];
    events.forEach((event, index) => {
      if (isEventBridgeShaped(event)) posted.push(index);
      else outcomes[index] = { status: 'rejected', reason: rejectionOf(event) };
    });
    if (posted.length === 0) return outcomes;
    const answer = await this.post(JSON.stringify(posted.map((index) => events[index])));
    if (answer.results.length !== posted.length) {
      throw new EndpointImportError(
        `the server at ${this.url} answered ${answer.results.length} results for ${posted.length} events`,
      );
    }
    answer.results.forEach((result, i) => {
      const index = posted[i] as number;
      outcomes[index] =
        result.status === 'stored' || result.status === 'duplicate'
          ? { status: result.status, type: importTypeOf(result.type) }
          : { status: 'rejected', reason: result.reason ?? 'rejected by the server' };
    });
    return outcomes;
  }

  private async post(body: string): Promise<PostedEventsAnswer> {
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(250 * 2 ** (attempt - 2));
      let response: Response;
      try {
        response = await this.fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      } catch (error) {
        const cause =
          error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        lastProblem = `cannot reach ${this.url} (${cause}); is the local server running (npm start)?`;
        continue;
      }
      const text = await response.text();
      // 400 means that no event of the batch was valid: its results say why, one by one.
      if (response.status === 200 || response.status === 400) {
        const answer = parseAnswer(text);
        if (answer) return answer;
        throw new EndpointImportError(
          `the server at ${this.url} is not a tracer local server (unexpected answer to POST /events)`,
        );
      }
      lastProblem = `the server at ${this.url} answered ${response.status}: ${errorMessageOf(text)}`;
      if (response.status < 500) break;
    }
    throw new EndpointImportError(lastProblem);
  }
}

function importTypeOf(type: PostedEventResult['type']): 'task-state-change' | 'service-event' | 'host-event' {
  if (type === 'container-instance-change' || type === 'ec2-instance-notice') return 'host-event';
  return type ?? 'task-state-change';
}

function parseAnswer(text: string): PostedEventsAnswer | undefined {
  try {
    const value = JSON.parse(text) as Partial<PostedEventsAnswer>;
    return Array.isArray(value.results) ? (value as PostedEventsAnswer) : undefined;
  } catch {
    return undefined;
  }
}

function errorMessageOf(text: string): string {
  try {
    const value = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof value.error?.message === 'string') return value.error.message;
  } catch {
    // Not tracer's JSON error shape: quote the start of the text.
  }
  return text.slice(0, 200);
}
