import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  type GetLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { LogUnavailableError, ReadRoleError } from '../../core/errors.js';
import { toRecordEvent } from '../../core/log-records.js';
import type { ReadScope } from '../../core/read-role.js';
import type {
  ForwardLogRequest,
  ForwardLogResult,
  ForwardLogSource,
  LogEvent,
  LogSource,
  LogStreamRequest,
  LogStreamResult,
} from '../../use-cases/ports.js';
import type { AccountClientSource } from '../account-clients.js';

/** The largest page GetLogEvents returns: 10,000 events (or 1 MB, whichever comes first). */
export const GET_LOG_EVENTS_MAX_LIMIT = 10_000;

/** Retries of the SDK's standard strategy; ThrottlingException is retried with backoff. */
export const CLOUDWATCH_LOGS_MAX_ATTEMPTS = 8;

// A stream that keeps handing out new tokens without events must still end; 5,000 full pages is 50M events.
const DEFAULT_MAX_CALLS = 5_000;

export interface CloudWatchLogSourceOptions {
  /** Builds the client of a region (undefined: the default region). @default - the standard SDK client */
  readonly clientFor?: (region: string | undefined) => CloudWatchLogsClient;
  /**
   * The clients of each task's account: a request's `scope` of another account is read through its read
   * role. Takes the place of `clientFor`.
   * @default - every request is read with `clientFor`'s clients
   */
  readonly accounts?: Pick<AccountClientSource, 'logs' | 'readRoleOf'>;
  /** Events asked for per call. @default 10,000, the API's maximum */
  readonly pageLimit?: number;
  /** Calls per stream before the read is reported truncated. @default 5,000 */
  readonly maxCalls?: number;
}

/** The standard client: AWS_REGION, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS and the credential chain apply. */
export function defaultCloudWatchLogsClient(region: string | undefined): CloudWatchLogsClient {
  return new CloudWatchLogsClient(
    region
      ? { region, maxAttempts: CLOUDWATCH_LOGS_MAX_ATTEMPTS }
      : { maxAttempts: CLOUDWATCH_LOGS_MAX_ATTEMPTS },
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads container logs from CloudWatch Logs with GetLogEvents: the largest pages the API gives, from the
 * head of the window forward, until the forward token repeats (the API's end-of-stream signal; a page may
 * be empty before the end). Each region gets its own client, for `awslogs-region` and the `region` of a
 * FireLens output, and with `accounts` each task's account its own (its read role). FireLens records are
 * unwrapped as they come, and records of other tasks left out, so `maxEvents` counts only the lines of the
 * task asked for.
 */
export class CloudWatchLogSource implements LogSource, ForwardLogSource {
  private readonly clients = new Map<string, CloudWatchLogsClient>();
  private readonly clientFor: (region: string | undefined) => CloudWatchLogsClient;
  private readonly pageLimit: number;
  private readonly maxCalls: number;
  private readonly accounts: Pick<AccountClientSource, 'logs' | 'readRoleOf'> | undefined;

  constructor(options: CloudWatchLogSourceOptions = {}) {
    this.accounts = options.accounts;
    this.clientFor = options.clientFor ?? defaultCloudWatchLogsClient;
    this.pageLimit = Math.min(
      Math.max(1, options.pageLimit ?? GET_LOG_EVENTS_MAX_LIMIT),
      GET_LOG_EVENTS_MAX_LIMIT,
    );
    this.maxCalls = options.maxCalls ?? DEFAULT_MAX_CALLS;
  }

  private client(region: string | undefined, scope: ReadScope | undefined): CloudWatchLogsClient {
    if (this.accounts) return this.accounts.logs(scope, region);
    const key = region ?? '';
    let client = this.clients.get(key);
    if (!client) {
      client = this.clientFor(region);
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * Reads the events of one stream between `startMs` and `endMs` (both inclusive), oldest first. When the
   * request's time runs out, or a page fails after earlier pages returned events, the read ends with what
   * it has (`stoppedEarly`, or `failure` with the reason) instead of losing those events.
   * @throws LogUnavailableError when the group or stream is missing, access is denied, throttling outlasts
   *   the retries, or CloudWatch Logs fails otherwise, before any event was read.
   */
  async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
    const client = this.client(request.region, request.scope);
    const events: LogEvent[] = [];
    const maxEvents = request.maxEvents;
    let token: string | undefined;
    let calls = 0;
    const maxCalls = Math.min(this.maxCalls, request.maxCalls ?? this.maxCalls);
    for (;;) {
      if (calls >= maxCalls) return this.truncated(events, calls);
      const leftMs = request.timeLeftMs?.();
      if (leftMs !== undefined && leftMs <= 0) return this.truncated(events, calls, { stoppedEarly: true });
      // A call that outlives the deadline (a slow page, retries backing off) is abandoned, not awaited.
      const abortSignal = leftMs === undefined ? undefined : AbortSignal.timeout(leftMs);
      // One event more than needed tells a cut read from one that ended exactly at maxEvents. A stream that
      // other tasks share is read in full pages: most of its events are left out.
      const wanted =
        maxEvents === undefined || request.records?.shared ? this.pageLimit : maxEvents - events.length + 1;
      let output: GetLogEventsCommandOutput;
      try {
        output = await client.send(
          new GetLogEventsCommand({
            logGroupName: request.logGroup,
            logStreamName: request.logStream,
            startTime: request.startMs,
            // GetLogEvents excludes endTime itself; the window includes its last millisecond.
            endTime: request.endMs + 1,
            startFromHead: true,
            limit: Math.min(this.pageLimit, wanted),
            ...(token ? { nextToken: token } : {}),
          }),
          abortSignal ? { abortSignal } : {},
        );
      } catch (error) {
        if (abortSignal?.aborted) return this.truncated(events, calls + 1, { stoppedEarly: true });
        const failure = await this.unavailable(error, request, client);
        if (events.length === 0) throw failure;
        return this.truncated(events, calls + 1, { failure });
      }
      // Retried attempts count: they are requests against the account's GetLogEvents quota too.
      calls += output.$metadata.attempts ?? 1;
      for (const event of output.events ?? []) {
        if (event.timestamp === undefined) continue;
        const kept = toRecordEvent(event.timestamp, event.message ?? '', request.records);
        if (kept) events.push(kept);
      }
      if (maxEvents !== undefined && events.length > maxEvents) {
        events.length = maxEvents;
        return this.truncated(events, calls);
      }
      const next = output.nextForwardToken;
      if (!next || next === token) return { events, calls, truncated: false };
      token = next;
    }
  }

  /**
   * What was appended to a stream since the previous forward token (or since `startMs`): one GetLogEvents
   * call, and more only while the pages come back full. The same token back means nothing new.
   * @throws LogUnavailableError as readLogStream does.
   */
  async readForward(request: ForwardLogRequest): Promise<ForwardLogResult> {
    const client = this.client(request.region, request.scope);
    const events: LogEvent[] = [];
    let token = request.token;
    let calls = 0;
    for (;;) {
      let output: GetLogEventsCommandOutput;
      try {
        output = await client.send(
          new GetLogEventsCommand({
            logGroupName: request.logGroup,
            logStreamName: request.logStream,
            startFromHead: true,
            limit: this.pageLimit,
            ...(token ? { nextToken: token } : { startTime: request.startMs }),
          }),
        );
      } catch (error) {
        throw await this.unavailable(
          error,
          { ...request, containerName: '', endMs: request.startMs },
          client,
        );
      }
      calls += output.$metadata.attempts ?? 1;
      const page = output.events ?? [];
      for (const event of page) {
        if (event.timestamp === undefined) continue;
        const kept = toRecordEvent(event.timestamp, event.message ?? '', request.records);
        if (kept) events.push(kept);
      }
      const next = output.nextForwardToken ?? token;
      const more = next !== token && page.length >= this.pageLimit && calls < this.maxCalls;
      token = next;
      if (!more) return token === undefined ? { events, calls } : { events, token, calls };
    }
  }

  private truncated(
    events: LogEvent[],
    calls: number,
    why: Pick<LogStreamResult, 'stoppedEarly' | 'failure'> = {},
  ): LogStreamResult {
    const last = events[events.length - 1];
    return last
      ? { events, calls, truncated: true, resumeAfterMs: last.timestampMs, ...why }
      : { events, calls, truncated: true, ...why };
  }

  private async unavailable(
    error: unknown,
    request: LogStreamRequest,
    client: CloudWatchLogsClient,
  ): Promise<LogUnavailableError> {
    const name = errorName(error);
    const message = errorMessage(error);
    const group = request.logGroup;
    const stream = request.logStream;
    // The role's name is tracer's own setting, safe to show; the AWS message is not.
    if (error instanceof ReadRoleError) {
      return new LogUnavailableError('access-denied', error.message, { cause: error });
    }
    const role = this.accounts?.readRoleOf(request.scope);
    if (name === 'ResourceNotFoundException') {
      const missing = /log group/i.test(message)
        ? 'group'
        : /log stream/i.test(message)
          ? 'stream'
          : await this.whichIsMissing(client, group);
      return missing === 'group'
        ? new LogUnavailableError('log-group-not-found', `log group ${group} does not exist`, {
            cause: error,
          })
        : new LogUnavailableError(
            'log-stream-not-found',
            `log stream ${stream} does not exist in log group ${group}`,
            { cause: error },
          );
    }
    if (
      name === 'AccessDeniedException' ||
      name === 'AccessDenied' ||
      name === 'UnrecognizedClientException'
    ) {
      // The AWS message names the role ARN and account id: it stays in `cause`, out of the client's trace.
      return new LogUnavailableError(
        'access-denied',
        role
          ? `access to log stream ${stream} in log group ${group} was denied to the read role ${role} (${name})`
          : `access to log stream ${stream} in log group ${group} was denied (${name})`,
        { cause: error },
      );
    }
    if (name === 'ThrottlingException' || name === 'Throttling' || name === 'LimitExceededException') {
      return new LogUnavailableError(
        'throttled',
        `CloudWatch Logs kept throttling reads of log stream ${stream} in log group ${group}; try again in a minute`,
        { cause: error },
      );
    }
    return new LogUnavailableError(
      'error',
      `reading log stream ${stream} in log group ${group} failed (${name})`,
      { cause: error },
    );
  }

  /** Only on the not-found path: asks whether the group exists, to name what is missing. */
  private async whichIsMissing(client: CloudWatchLogsClient, group: string): Promise<'group' | 'stream'> {
    try {
      const output = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group, limit: 1 }));
      return output.logGroups?.some((g) => g.logGroupName === group) ? 'stream' : 'group';
    } catch {
      // Without permission to describe groups, the stream is the likelier culprit: groups outlive tasks.
      return 'stream';
    }
  }
}
