/**
 * A loopback fake of the CloudWatch Logs JSON protocol (`X-Amz-Target: Logs_20140328.<Operation>`) for the
 * real SDK client: GetLogEvents with the API's paging rules (at most 10,000 events or 1 MB a page, forward
 * tokens that repeat at the end of the stream) and DescribeLogGroups. Tests and the benchmark suite load
 * it with events, count its calls and inject faults (throttling, access denied, empty pages).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudWatchLogsClientConfig } from '@aws-sdk/client-cloudwatch-logs';

/** One log event as CloudWatch Logs stores it. */
export interface FakeLogEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** An error answer, as CloudWatch Logs sends it: the exception name, its message and the HTTP status. */
export interface FakeFault {
  readonly type: string;
  readonly message: string;
  /** @default 400 */
  readonly status?: number;
}

export type FakeOperation = 'GetLogEvents' | 'DescribeLogGroups';

/** One request the fake answered (or refused), with its decoded JSON input and what it answered. */
export interface FakeCall {
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
  status?: number;
  output?: Readonly<Record<string, unknown>>;
}

export interface CloudWatchLogsFakeOptions {
  /** Most events per page. @default 10,000, the API's maximum */
  readonly maxPageEvents?: number;
  /** Most bytes per page, counting each event's UTF-8 message plus 26 bytes, as the API does. @default 1 MiB */
  readonly maxPageBytes?: number;
}

/** The API's byte accounting: message bytes plus 26 bytes of overhead per event. */
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_PAGE_BYTES = 1_048_576;
export const MAX_PAGE_EVENTS = 10_000;

interface Stream {
  events: FakeLogEvent[];
  bytes: number[];
  sorted: boolean;
}

export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake-secret' } as const;

function firstAtOrAfter(events: readonly FakeLogEvent[], timestamp: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as FakeLogEvent).timestamp < timestamp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function forwardToken(position: number, nonce: number): string {
  return `f/${String(position).padStart(56, '0')}/${nonce === 0 ? 's' : `e${nonce}`}`;
}

function parseForwardToken(token: string): number | undefined {
  const m = /^f\/(\d{56})\/(s|e\d+)$/.exec(token);
  return m ? Number(m[1]) : undefined;
}

/**
 * Starts on 127.0.0.1 with a random port.
 * @example const fake = await CloudWatchLogsFake.start(); fake.putLogEvents('/ecs/app', 'ecs/app/1', events);
 */
export class CloudWatchLogsFake {
  private readonly groups = new Map<string, Map<string, Stream>>();
  private readonly faults: Array<{
    operation: FakeOperation;
    fault: FakeFault;
    remaining: number;
    after: number;
  }> = [];
  private emptyPages = 0;
  private holds = 0;
  private holdAfter = 0;
  private readonly held: ServerResponse[] = [];
  private nonce = 0;
  private readonly log: FakeCall[] = [];
  readonly maxPageEvents: number;
  readonly maxPageBytes: number;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    options: CloudWatchLogsFakeOptions,
  ) {
    this.maxPageEvents = options.maxPageEvents ?? MAX_PAGE_EVENTS;
    this.maxPageBytes = options.maxPageBytes ?? MAX_PAGE_BYTES;
  }

  static async start(options: CloudWatchLogsFakeOptions = {}): Promise<CloudWatchLogsFake> {
    let fake: CloudWatchLogsFake | undefined;
    const server = createServer((request, response) => {
      if (!fake) {
        response.writeHead(503).end();
        return;
      }
      fake.handle(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    fake = new CloudWatchLogsFake(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  /** Client settings that point the real SDK client at this fake, with dummy credentials. */
  clientConfig(overrides: CloudWatchLogsClientConfig = {}): CloudWatchLogsClientConfig {
    return { region: 'us-east-1', endpoint: this.endpoint, credentials: FAKE_CREDENTIALS, ...overrides };
  }

  createLogGroup(logGroup: string): void {
    if (!this.groups.has(logGroup)) this.groups.set(logGroup, new Map());
  }

  /** Creates the group and stream when needed and adds the events; the stream is kept in time order. */
  putLogEvents(logGroup: string, logStream: string, events: readonly FakeLogEvent[]): void {
    this.createLogGroup(logGroup);
    const streams = this.groups.get(logGroup) as Map<string, Stream>;
    let stream = streams.get(logStream);
    if (!stream) {
      stream = { events: [], bytes: [], sorted: true };
      streams.set(logStream, stream);
    }
    for (const event of events) {
      const last = stream.events[stream.events.length - 1];
      if (last && event.timestamp < last.timestamp) stream.sorted = false;
      stream.events.push({ timestamp: event.timestamp, message: event.message });
      stream.bytes.push(Buffer.byteLength(event.message, 'utf8') + EVENT_OVERHEAD_BYTES);
    }
  }

  /** Answers the next `times` calls of an operation with an error, after answering `after` calls as usual. */
  failNext(operation: FakeOperation, fault: FakeFault, times = 1, after = 0): void {
    this.faults.push({ operation, fault, remaining: times, after });
  }

  /** Answers the next `count` GetLogEvents calls with an empty page and a new token, as the API may. */
  emptyPagesNext(count: number): void {
    this.emptyPages += count;
  }

  /**
   * Leaves the next `count` GetLogEvents calls unanswered, after answering `after` calls as usual, as
   * requests that hang; `releaseHeld` (or `stop`) ends them.
   */
  holdNext(count: number, after = 0): void {
    this.holds += count;
    this.holdAfter = after;
  }

  /** Calls held so far and not yet released. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Ends the held calls with a 500, so that no connection stays open. */
  releaseHeld(): void {
    for (const response of this.held.splice(0)) {
      if (!response.writableEnded) response.writeHead(500).end();
    }
  }

  /** Calls answered so far, of one operation or of all. */
  callCount(operation?: FakeOperation): number {
    return operation ? this.log.filter((c) => c.operation === operation).length : this.log.length;
  }

  /** The calls answered so far, with their inputs. */
  get calls(): readonly FakeCall[] {
    return this.log;
  }

  resetCalls(): void {
    this.log.length = 0;
  }

  /** Drops every group, stream, fault and call. */
  reset(): void {
    this.groups.clear();
    this.faults.length = 0;
    this.emptyPages = 0;
    this.holds = 0;
    this.holdAfter = 0;
    this.releaseHeld();
    this.log.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('Logs_20140328.') ? target.slice('Logs_20140328.'.length) : target;
      let input: Record<string, unknown> = {};
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        input = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        this.send(response, 400, { __type: 'SerializationException', message: 'body is not JSON' });
        return;
      }
      this.log.push({ operation, input });
      const fault = this.faults.find((f) => f.operation === operation && f.remaining > 0);
      if (fault && fault.after > 0) {
        fault.after -= 1;
      } else if (fault) {
        fault.remaining -= 1;
        if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
        this.send(response, fault.fault.status ?? 400, {
          __type: fault.fault.type,
          message: fault.fault.message,
        });
        return;
      }
      switch (operation) {
        case 'GetLogEvents':
          if (this.holds > 0 && this.holdAfter > 0) {
            this.holdAfter -= 1;
          } else if (this.holds > 0) {
            this.holds -= 1;
            this.held.push(response);
            return;
          }
          this.getLogEvents(input, response);
          return;
        case 'DescribeLogGroups':
          this.describeLogGroups(input, response);
          return;
        default:
          this.send(response, 400, {
            __type: 'UnknownOperationException',
            message: `the fake does not implement ${operation}`,
          });
      }
    });
  }

  private send(response: ServerResponse, status: number, body: Record<string, unknown>): void {
    const call = this.log[this.log.length - 1];
    if (call && call.status === undefined) {
      call.status = status;
      // Pages of events are kept by size only, so a benchmark's million events are not held twice.
      call.output = Array.isArray(body.events) ? { ...body, events: body.events.length } : body;
    }
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `fake-${this.log.length}`,
    });
    response.end(text);
  }

  private getLogEvents(input: Record<string, unknown>, response: ServerResponse): void {
    const logGroup = typeof input.logGroupName === 'string' ? input.logGroupName : '';
    const logStream = typeof input.logStreamName === 'string' ? input.logStreamName : '';
    const streams = this.groups.get(logGroup);
    if (!streams) {
      this.send(response, 400, {
        __type: 'ResourceNotFoundException',
        message: 'The specified log group does not exist.',
      });
      return;
    }
    const stream = streams.get(logStream);
    if (!stream) {
      this.send(response, 400, {
        __type: 'ResourceNotFoundException',
        message: 'The specified log stream does not exist.',
      });
      return;
    }
    if (!stream.sorted) {
      const order = stream.events
        .map((_, i) => i)
        .sort((a, b) => {
          const d =
            (stream.events[a] as FakeLogEvent).timestamp - (stream.events[b] as FakeLogEvent).timestamp;
          return d !== 0 ? d : a - b;
        });
      stream.events = order.map((i) => stream.events[i] as FakeLogEvent);
      stream.bytes = order.map((i) => stream.bytes[i] as number);
      stream.sorted = true;
    }
    const startTime = typeof input.startTime === 'number' ? input.startTime : Number.NEGATIVE_INFINITY;
    const endTime = typeof input.endTime === 'number' ? input.endTime : Number.POSITIVE_INFINITY;
    const lo = firstAtOrAfter(stream.events, startTime);
    // endTime is exclusive in GetLogEvents.
    const hi = Math.max(lo, firstAtOrAfter(stream.events, endTime));
    const limit = Math.min(
      typeof input.limit === 'number' ? input.limit : MAX_PAGE_EVENTS,
      this.maxPageEvents,
    );
    const token = typeof input.nextToken === 'string' ? input.nextToken : undefined;
    let position: number;
    if (token !== undefined) {
      const parsed = parseForwardToken(token);
      if (parsed === undefined) {
        this.send(response, 400, {
          __type: 'InvalidParameterException',
          message: 'The specified nextToken is invalid.',
        });
        return;
      }
      position = parsed;
    } else if (input.startFromHead === true) {
      position = 0;
    } else {
      // Without startFromHead the API starts from the newest events.
      position = Math.max(0, hi - lo - limit);
    }
    if (this.emptyPages > 0) {
      this.emptyPages -= 1;
      this.nonce += 1;
      this.send(response, 200, {
        events: [],
        nextForwardToken: forwardToken(position, this.nonce),
        nextBackwardToken: `b/${String(position).padStart(56, '0')}/s`,
      });
      return;
    }
    const events: Array<{ timestamp: number; message: string; ingestionTime: number }> = [];
    let bytes = 0;
    let index = lo + position;
    while (index < hi && events.length < limit) {
      const size = stream.bytes[index] as number;
      if (events.length > 0 && bytes + size > this.maxPageBytes) break;
      const event = stream.events[index] as FakeLogEvent;
      events.push({
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: event.timestamp + 250,
      });
      bytes += size;
      index += 1;
    }
    const next = index - lo;
    // At the end of the stream the API hands back the token it was given.
    const nextForwardToken = events.length === 0 && token !== undefined ? token : forwardToken(next, 0);
    this.send(response, 200, {
      events,
      nextForwardToken,
      nextBackwardToken: `b/${String(position).padStart(56, '0')}/s`,
    });
  }

  private describeLogGroups(input: Record<string, unknown>, response: ServerResponse): void {
    const prefix = typeof input.logGroupNamePrefix === 'string' ? input.logGroupNamePrefix : '';
    const limit = typeof input.limit === 'number' ? input.limit : 50;
    const names = [...this.groups.keys()].filter((name) => name.startsWith(prefix)).sort();
    this.send(response, 200, {
      logGroups: names.slice(0, limit).map((logGroupName) => ({
        logGroupName,
        arn: `arn:aws:logs:us-east-1:123456789012:log-group:${logGroupName}:*`,
        creationTime: 0,
        storedBytes: 0,
      })),
    });
  }
}
