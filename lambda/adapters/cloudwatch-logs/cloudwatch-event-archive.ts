/**
 * ECS events archived in a CloudWatch Logs group, as an EventBridge rule with a CloudWatch Logs target
 * writes them (the pattern AWS documents for keeping stopped-task history): one log event per EventBridge
 * event, whose message is the event's JSON.
 */
import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { AccessDeniedError, ThrottledError, TracerError } from '../../core/errors.js';

/** The largest page FilterLogEvents returns: 10,000 events (or 1 MB). */
export const FILTER_LOG_EVENTS_MAX_LIMIT = 10_000;

/** The log group does not exist in the region. */
export class LogGroupNotFoundError extends TracerError {
  constructor(
    readonly logGroupName: string,
    options?: { cause?: unknown },
  ) {
    super(`log group ${logGroupName} does not exist in this region; check its name and --region`, options);
  }
}

/** One archived log event. */
export interface ArchivedLogEvent {
  readonly logStreamName: string;
  /** CloudWatch Logs' id of the log event. */
  readonly eventId: string;
  readonly timestampMs: number;
  readonly message: string;
}

export interface ArchiveReadRequest {
  readonly logGroupName: string;
  /** Only log events at or after this time (epoch ms). */
  readonly sinceMs?: number;
  /** Only log events at or before this time (epoch ms). */
  readonly untilMs?: number;
}

export interface CloudWatchEventArchiveOptions {
  readonly client: CloudWatchLogsClient;
  /** Events asked for per call. @default FILTER_LOG_EVENTS_MAX_LIMIT */
  readonly pageLimit?: number;
  /** Called after each page with the number of calls made so far, for progress. */
  readonly onPage?: (calls: number) => void;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/**
 * Reads a log group's events with FilterLogEvents, every page in turn, until there is no next token (or
 * the token repeats, which would otherwise loop forever). Pages may be empty before the end: FilterLogEvents
 * stops after a time budget and hands out a token to go on.
 */
export class CloudWatchEventArchive {
  private readonly pageLimit: number;

  constructor(private readonly options: CloudWatchEventArchiveOptions) {
    this.pageLimit = Math.min(
      Math.max(1, options.pageLimit ?? FILTER_LOG_EVENTS_MAX_LIMIT),
      FILTER_LOG_EVENTS_MAX_LIMIT,
    );
  }

  /**
   * Every log event of the group in the time range, page by page as they come.
   * @throws LogGroupNotFoundError, AccessDeniedError (logs:FilterLogEvents), ThrottledError when throttling
   *   outlasts the SDK's retries.
   */
  async *readEvents(request: ArchiveReadRequest): AsyncGenerator<ArchivedLogEvent> {
    let token: string | undefined;
    let calls = 0;
    for (;;) {
      let page: FilterLogEventsCommandOutput;
      try {
        page = await this.options.client.send(
          new FilterLogEventsCommand({
            logGroupName: request.logGroupName,
            limit: this.pageLimit,
            ...(request.sinceMs !== undefined ? { startTime: request.sinceMs } : {}),
            ...(request.untilMs !== undefined ? { endTime: request.untilMs } : {}),
            ...(token ? { nextToken: token } : {}),
          }),
        );
      } catch (error) {
        throw this.translate(error, request.logGroupName);
      }
      calls += 1;
      this.options.onPage?.(calls);
      for (const event of page.events ?? []) {
        if (event.message === undefined || event.timestamp === undefined) continue;
        yield {
          logStreamName: event.logStreamName ?? '',
          eventId: event.eventId ?? '',
          timestampMs: event.timestamp,
          message: event.message,
        };
      }
      const next = page.nextToken;
      if (!next || next === token) return;
      token = next;
    }
  }

  private translate(error: unknown, logGroupName: string): Error {
    const name = errorName(error);
    if (name === 'ResourceNotFoundException')
      return new LogGroupNotFoundError(logGroupName, { cause: error });
    if (name === 'AccessDeniedException' || name === 'AccessDenied') {
      return new AccessDeniedError(
        `access to log group ${logGroupName} was denied: the caller needs logs:FilterLogEvents`,
        { cause: error },
      );
    }
    if (name === 'ThrottlingException' || name === 'LimitExceededException') {
      return new ThrottledError(
        `CloudWatch Logs kept throttling reads of log group ${logGroupName}; try again later (importing again is safe)`,
        { cause: error },
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}
