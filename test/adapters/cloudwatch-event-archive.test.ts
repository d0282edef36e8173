import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  ResourceNotFoundException,
  ServiceUnavailableException,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ArchivedLogEvent,
  type ArchiveReadRequest,
  CloudWatchEventArchive,
  FILTER_LOG_EVENTS_MAX_LIMIT,
  LogGroupNotFoundError,
} from '../../lambda/adapters/cloudwatch-logs/cloudwatch-event-archive.js';
import { AccessDeniedError, ThrottledError } from '../../lambda/core/errors.js';

const logs = mockClient(CloudWatchLogsClient);
const LOG_GROUP = '/aws/events/ecs-task-state';

function logEvent(n: number) {
  return {
    logStreamName: 'stream-a',
    eventId: `event-${n}`,
    timestamp: 1_638_000_000_000 + n,
    ingestionTime: 1_638_000_001_000 + n,
    message: JSON.stringify({ id: `e${n}`, 'detail-type': 'ECS Task State Change' }),
  };
}

async function readAll(
  archive: CloudWatchEventArchive,
  request: ArchiveReadRequest = { logGroupName: LOG_GROUP },
) {
  const events: ArchivedLogEvent[] = [];
  for await (const event of archive.readEvents(request)) events.push(event);
  return events;
}

function sentInputs(): FilterLogEventsCommandInput[] {
  return logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

beforeEach(() => {
  logs.reset();
});

describe('CloudWatchEventArchive', () => {
  it('reads every page, asking for the largest page FilterLogEvents allows', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [logEvent(1), logEvent(2)], nextToken: 't1' })
      .resolvesOnce({ events: [logEvent(3)], nextToken: 't2' })
      .resolvesOnce({ events: [logEvent(4)] });
    const pages: number[] = [];
    const archive = new CloudWatchEventArchive({
      client: new CloudWatchLogsClient({ region: 'ap-northeast-1' }),
      onPage: (calls) => pages.push(calls),
    });

    // Act
    const events = await readAll(archive);

    // Assess
    expect(events.map((e) => e.eventId)).toEqual(['event-1', 'event-2', 'event-3', 'event-4']);
    expect(events[0]).toEqual({
      logStreamName: 'stream-a',
      eventId: 'event-1',
      timestampMs: 1_638_000_000_001,
      message: JSON.stringify({ id: 'e1', 'detail-type': 'ECS Task State Change' }),
    });
    expect(sentInputs()).toEqual([
      { logGroupName: LOG_GROUP, limit: FILTER_LOG_EVENTS_MAX_LIMIT },
      { logGroupName: LOG_GROUP, limit: FILTER_LOG_EVENTS_MAX_LIMIT, nextToken: 't1' },
      { logGroupName: LOG_GROUP, limit: FILTER_LOG_EVENTS_MAX_LIMIT, nextToken: 't2' },
    ]);
    expect(pages).toEqual([1, 2, 3]);
  });

  it('passes the time range as startTime and endTime on every page', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [logEvent(1)], nextToken: 't1' })
      .resolvesOnce({ events: [] });
    const archive = new CloudWatchEventArchive({ client: new CloudWatchLogsClient({ region: 'us-east-1' }) });

    // Act
    await readAll(archive, { logGroupName: LOG_GROUP, sinceMs: 1_000, untilMs: 2_000 });

    // Assess
    expect(sentInputs().map((input) => [input.startTime, input.endTime])).toEqual([
      [1_000, 2_000],
      [1_000, 2_000],
    ]);
  });

  it('goes on past empty pages that still hand out a token, as FilterLogEvents does under its time budget', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [], nextToken: 't1' })
      .resolvesOnce({ events: [], nextToken: 't2' })
      .resolvesOnce({ events: [logEvent(7)] });
    const archive = new CloudWatchEventArchive({ client: new CloudWatchLogsClient({ region: 'us-east-1' }) });

    // Act
    const events = await readAll(archive);

    // Assess
    expect(events.map((e) => e.eventId)).toEqual(['event-7']);
    expect(sentInputs()).toHaveLength(3);
  });

  it('stops when the next token repeats, instead of reading the same page forever', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [logEvent(1)], nextToken: 'same' })
      .resolves({ events: [logEvent(2)], nextToken: 'same' });
    const archive = new CloudWatchEventArchive({ client: new CloudWatchLogsClient({ region: 'us-east-1' }) });

    // Act
    const events = await readAll(archive);

    // Assess
    expect(events.map((e) => e.eventId)).toEqual(['event-1', 'event-2']);
    expect(sentInputs()).toHaveLength(2);
  });

  it('skips log events without a message or a timestamp', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).resolves({
      events: [{ eventId: 'no-message', timestamp: 1 }, { eventId: 'no-time', message: '{}' }, logEvent(3)],
    });
    const archive = new CloudWatchEventArchive({ client: new CloudWatchLogsClient({ region: 'us-east-1' }) });

    // Act
    const events = await readAll(archive);

    // Assess
    expect(events.map((e) => e.eventId)).toEqual(['event-3']);
  });

  it('keeps the page size within what the API allows', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const small = new CloudWatchEventArchive({
      client: new CloudWatchLogsClient({ region: 'us-east-1' }),
      pageLimit: 50,
    });
    const huge = new CloudWatchEventArchive({
      client: new CloudWatchLogsClient({ region: 'us-east-1' }),
      pageLimit: 1_000_000,
    });

    // Act
    await readAll(small);
    await readAll(huge);

    // Assess
    expect(sentInputs().map((input) => input.limit)).toEqual([50, FILTER_LOG_EVENTS_MAX_LIMIT]);
  });

  it('fails with LogGroupNotFoundError for a log group that does not exist', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }),
      );
    const archive = new CloudWatchEventArchive({ client: new CloudWatchLogsClient({ region: 'us-east-1' }) });

    // Act
    const read = readAll(archive);

    // Assess
    await expect(read).rejects.toBeInstanceOf(LogGroupNotFoundError);
    await expect(read).rejects.toThrow(`log group ${LOG_GROUP} does not exist in this region`);
  });

  it.each([
    ['AccessDeniedException', AccessDeniedError, /needs logs:FilterLogEvents/],
    ['ThrottlingException', ThrottledError, /kept throttling/],
    ['LimitExceededException', ThrottledError, /kept throttling/],
  ])('fails with a named error when CloudWatch Logs answers %s', async (name, type, message) => {
    // Prepare
    logs.on(FilterLogEventsCommand).rejects(awsError(name, 'denied or throttled'));
    const archive = new CloudWatchEventArchive({ client: new CloudWatchLogsClient({ region: 'us-east-1' }) });

    // Act
    const read = readAll(archive);

    // Assess
    await expect(read).rejects.toBeInstanceOf(type);
    await expect(read).rejects.toThrow(message);
  });

  it('fails with the SDK error itself for any other fault, after the events it already read', async () => {
    // Prepare
    const fault = new ServiceUnavailableException({ message: 'try later', $metadata: {} });
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [logEvent(1)], nextToken: 't1' })
      .rejects(fault);
    const archive = new CloudWatchEventArchive({ client: new CloudWatchLogsClient({ region: 'us-east-1' }) });
    const seen: string[] = [];

    // Act
    const read = (async () => {
      for await (const event of archive.readEvents({ logGroupName: LOG_GROUP })) seen.push(event.eventId);
    })();

    // Assess
    await expect(read).rejects.toBe(fault);
    expect(seen).toEqual(['event-1']);
  });
});
