import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchLogSource,
  GET_LOG_EVENTS_MAX_LIMIT,
} from '../../lambda/adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { LogUnavailableError } from '../../lambda/core/errors.js';
import type { LogStreamRequest } from '../../lambda/use-cases/ports.js';
import { CloudWatchLogsFake, type FakeLogEvent } from '../fakes/cloudwatch-logs-fake.js';

const GROUP = '/ecs/app';
const STREAM = 'ecs/app/0123456789abcdef0123456789abcdef';
const T0 = Date.parse('2024-05-01T12:00:00.000Z');

let fake: CloudWatchLogsFake;

function events(
  count: number,
  options: { startMs?: number; stepMs?: number; size?: number } = {},
): FakeLogEvent[] {
  const { startMs = T0, stepMs = 1, size = 20 } = options;
  return Array.from({ length: count }, (_, i) => ({
    timestamp: startMs + i * stepMs,
    message: `line ${i} `.padEnd(size, 'x'),
  }));
}

function request(overrides: Partial<LogStreamRequest> = {}): LogStreamRequest {
  return {
    containerName: 'app',
    logGroup: GROUP,
    logStream: STREAM,
    startMs: T0,
    endMs: T0 + 86_400_000,
    ...overrides,
  };
}

/** The adapter with real SDK clients pointed at the fake. Three attempts keep the throttling tests short. */
function source(
  maxAttempts = 3,
  options: { maxCalls?: number; pageLimit?: number } = {},
): CloudWatchLogSource {
  return new CloudWatchLogSource({
    clientFor: (region) =>
      new CloudWatchLogsClient(fake.clientConfig({ region: region ?? 'us-east-1', maxAttempts })),
    ...options,
  });
}

async function unavailable(promise: Promise<unknown>): Promise<LogUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof LogUnavailableError))
    throw new Error(`expected LogUnavailableError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  fake = await CloudWatchLogsFake.start();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

describe('CloudWatchLogSource paging', () => {
  it('reads to the end in pages of 10,000 events and stops when the forward token repeats', async () => {
    // Prepare
    fake.putLogEvents(GROUP, STREAM, events(25_000));

    // Act
    const result = await source().readLogStream(request());

    // Assess
    expect(result.events).toHaveLength(25_000);
    expect(result.events[24_999]).toEqual({
      timestampMs: T0 + 24_999,
      message: 'line 24999 '.padEnd(20, 'x'),
    });
    expect(result.truncated).toBe(false);
    // Three pages with events, then the call whose token comes back unchanged.
    expect(result.calls).toBe(4);
    expect(fake.callCount('GetLogEvents')).toBe(4);
    const inputs = fake.calls.map((c) => c.input);
    expect(inputs[0]).toEqual({
      logGroupName: GROUP,
      logStreamName: STREAM,
      startTime: T0,
      endTime: T0 + 86_400_001,
      startFromHead: true,
      limit: GET_LOG_EVENTS_MAX_LIMIT,
    });
    expect(fake.calls.map((c) => c.output?.events)).toEqual([10_000, 10_000, 5_000, 0]);
    expect(new Set(inputs.slice(1).map((i) => i.nextToken)).size).toBe(3);
    expect(fake.calls[3]?.output?.nextForwardToken).toBe(inputs[3]?.nextToken);
  });

  it('asks for more pages when the 1 MB page limit cuts pages short', async () => {
    // Prepare: 500-byte messages make a page of about 1,900 events.
    fake.putLogEvents(GROUP, STREAM, events(10_000, { size: 500 }));

    // Act
    const result = await source().readLogStream(request());

    // Assess
    expect(result.events).toHaveLength(10_000);
    expect(result.calls).toBe(Math.ceil(10_000 / Math.floor(1_048_576 / 526)) + 1);
  });

  it('reads both ends of the window and nothing outside it', async () => {
    fake.putLogEvents(GROUP, STREAM, [
      { timestamp: T0 - 1, message: 'before' },
      { timestamp: T0, message: 'first' },
      { timestamp: T0 + 1000, message: 'last' },
      { timestamp: T0 + 1001, message: 'after' },
    ]);
    const result = await source().readLogStream(request({ endMs: T0 + 1000 }));
    expect(result.events.map((e) => e.message)).toEqual(['first', 'last']);
  });

  it('reads an empty window in two calls', async () => {
    fake.putLogEvents(GROUP, STREAM, events(3, { startMs: T0 - 10_000 }));
    const result = await source().readLogStream(request());
    expect(result).toEqual({ events: [], calls: 2, truncated: false });
  });

  it('goes on through empty pages that carry a new token', async () => {
    // Prepare
    fake.putLogEvents(GROUP, STREAM, events(15_000));
    fake.emptyPagesNext(3);

    // Act
    const result = await source().readLogStream(request());

    // Assess
    expect(result.events).toHaveLength(15_000);
    expect(result.calls).toBe(3 + 2 + 1);
  });

  it('stops at maxEvents and says where the read was cut', async () => {
    // Prepare
    fake.putLogEvents(GROUP, STREAM, events(25, { stepMs: 1000 }));

    // Act
    const result = await source().readLogStream(request({ maxEvents: 10 }));

    // Assess
    expect(result.events).toHaveLength(10);
    expect(result.truncated).toBe(true);
    expect(result.resumeAfterMs).toBe(T0 + 9_000);
    // One event more than asked for tells a cut read from a finished one.
    expect(fake.calls[0]?.input.limit).toBe(11);
  });

  it('is not truncated when the stream holds exactly maxEvents', async () => {
    fake.putLogEvents(GROUP, STREAM, events(10));
    const result = await source().readLogStream(request({ maxEvents: 10 }));
    expect(result.events).toHaveLength(10);
    expect(result.truncated).toBe(false);
  });

  it('reports a read that kept getting new tokens as truncated after maxCalls', async () => {
    fake.putLogEvents(GROUP, STREAM, events(10));
    fake.emptyPagesNext(10);
    const result = await source(3, { maxCalls: 4 }).readLogStream(request());
    expect(result).toEqual({ events: [], calls: 4, truncated: true });
  });

  it('starts no more calls than the request allows, even below its own limit', async () => {
    // Prepare
    fake.putLogEvents(GROUP, STREAM, events(10));
    fake.emptyPagesNext(10);

    // Act
    const result = await source(3, { maxCalls: 4 }).readLogStream(request({ maxCalls: 2 }));

    // Assess
    expect(result).toEqual({ events: [], calls: 2, truncated: true });
  });

  it('uses one client per awslogs-region', async () => {
    // Prepare
    fake.putLogEvents(GROUP, STREAM, events(1));
    const regions: Array<string | undefined> = [];
    const logs = new CloudWatchLogSource({
      clientFor: (region) => {
        regions.push(region);
        return new CloudWatchLogsClient(fake.clientConfig({ region: region ?? 'us-east-1' }));
      },
    });

    // Act
    await logs.readLogStream(request({ region: 'eu-west-1' }));
    await logs.readLogStream(request({ region: 'eu-west-1' }));
    await logs.readLogStream(request({ region: 'ap-northeast-1' }));
    await logs.readLogStream(request());

    // Assess
    expect(regions).toEqual(['eu-west-1', 'ap-northeast-1', undefined]);
  });
});

describe('CloudWatchLogSource FireLens records', () => {
  const OURS = 'arn:aws:ecs:eu-central-1:111111111111:task/test/c1d3e8a2f6b74a0e9d2c5b8a7f4e1d36';
  const NEIGHBOUR = 'arn:aws:ecs:eu-central-1:111111111111:task/test/5f0b2d7e9a8c4b1f8e3d6a2c7b9e0f14';
  const FIRELENS_GROUP = '/ecs/example-api';
  const SHARED_STREAM = 'app';

  /** Records as Fluent Bit's cloudwatch_logs output writes them: one JSON object per event. */
  function records(taskArn: string, count: number, startMs = T0): FakeLogEvent[] {
    return Array.from({ length: count }, (_, i) => ({
      timestamp: startMs + i * 10,
      message: JSON.stringify({
        container_id: 'c1d3e8a2f6b74a0e9d2c5b8a7f4e1d36-527074092',
        container_name: 'app',
        source: i % 2 === 0 ? 'stdout' : 'stderr',
        log: `${taskArn === OURS ? 'ours' : 'theirs'} ${i}`,
        ecs_cluster: 'test',
        ecs_task_arn: taskArn,
        ecs_task_definition: 'example-api-v1:21',
      }),
    }));
  }

  it("unwraps this task's records into their log field and keeps the other fields, in the output's region", async () => {
    // Prepare
    fake.putLogEvents(FIRELENS_GROUP, SHARED_STREAM, [...records(OURS, 2), ...records(NEIGHBOUR, 2, T0 + 5)]);
    const regions: Array<string | undefined> = [];
    const logs = new CloudWatchLogSource({
      clientFor: (region) => {
        regions.push(region);
        return new CloudWatchLogsClient(fake.clientConfig({ region: region ?? 'us-east-1' }));
      },
    });

    // Act
    const result = await logs.readLogStream(
      request({
        logGroup: FIRELENS_GROUP,
        logStream: SHARED_STREAM,
        region: 'eu-central-1',
        records: { format: 'firelens-json', taskArn: OURS, shared: true },
      }),
    );

    // Assess
    expect(result.events.map((e) => e.message)).toEqual(['ours 0', 'ours 1']);
    expect(result.events[1]).toEqual({
      timestampMs: T0 + 10,
      message: 'ours 1',
      fields: {
        container_id: 'c1d3e8a2f6b74a0e9d2c5b8a7f4e1d36-527074092',
        container_name: 'app',
        source: 'stderr',
        ecs_cluster: 'test',
        ecs_task_arn: OURS,
        ecs_task_definition: 'example-api-v1:21',
      },
    });
    expect(regions).toEqual(['eu-central-1']);
  });

  it("leaves lines that name no task out of a shared stream, and keeps them in the task's own stream", async () => {
    // Prepare
    const lines = [{ timestamp: T0, message: 'a plain line' }, ...records(OURS, 1, T0 + 1)];
    fake.putLogEvents(FIRELENS_GROUP, SHARED_STREAM, lines);
    fake.putLogEvents(FIRELENS_GROUP, 'own', lines);
    const read = (logStream: string, shared: boolean) =>
      source().readLogStream(
        request({
          logGroup: FIRELENS_GROUP,
          logStream,
          records: { format: 'firelens-json', taskArn: OURS, shared },
        }),
      );

    // Act
    const shared = await read(SHARED_STREAM, true);
    const own = await read('own', false);

    // Assess
    expect(shared.events.map((e) => e.message)).toEqual(['ours 0']);
    expect(own.events.map((e) => e.message)).toEqual(['a plain line', 'ours 0']);
  });

  it("counts only this task's records against maxEvents, reading a shared stream in full pages", async () => {
    // Prepare: this task's 30 records among 3,000 of a busier neighbour.
    fake.putLogEvents(FIRELENS_GROUP, SHARED_STREAM, [
      ...records(NEIGHBOUR, 3_000),
      ...records(OURS, 30, T0 + 3),
    ]);

    // Act
    const result = await source().readLogStream(
      request({
        logGroup: FIRELENS_GROUP,
        logStream: SHARED_STREAM,
        maxEvents: 20,
        records: { format: 'firelens-json', taskArn: OURS, shared: true },
      }),
    );

    // Assess
    expect(result.events).toHaveLength(20);
    expect(result.events.every((e) => e.message.startsWith('ours'))).toBe(true);
    expect(result.truncated).toBe(true);
    expect(result.resumeAfterMs).toBe(T0 + 3 + 19 * 10);
    expect(fake.calls[0]?.input.limit).toBe(GET_LOG_EVENTS_MAX_LIMIT);
  });
});

describe('CloudWatchLogSource retries', () => {
  it('retries throttling and then reads everything, counting every attempt', async () => {
    // Prepare
    fake.putLogEvents(GROUP, STREAM, events(5));
    fake.failNext('GetLogEvents', { type: 'ThrottlingException', message: 'Rate exceeded' }, 2);

    // Act
    const result = await source(3).readLogStream(request());

    // Assess
    expect(result.events).toHaveLength(5);
    expect(result.calls).toBe(4);
    expect(fake.callCount('GetLogEvents')).toBe(4);
  });

  it('fails as throttled when throttling outlasts the retries', async () => {
    fake.putLogEvents(GROUP, STREAM, events(5));
    fake.failNext('GetLogEvents', { type: 'ThrottlingException', message: 'Rate exceeded' }, 5);
    const error = await unavailable(source(2).readLogStream(request()));
    expect(error.reason).toBe('throttled');
    expect(error.message).toBe(
      `CloudWatch Logs kept throttling reads of log stream ${STREAM} in log group ${GROUP}; try again in a minute`,
    );
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('CloudWatchLogSource deadline', () => {
  it('asks for no further page once the time left has run out, keeping the pages it read', async () => {
    // Prepare: time for two calls.
    fake.putLogEvents(GROUP, STREAM, events(25));
    let calls = 0;
    const timeLeftMs = () => (calls++ < 2 ? 1_000 : 0);

    // Act
    const result = await source(3, { pageLimit: 10 }).readLogStream(request({ timeLeftMs }));

    // Assess
    expect(result).toMatchObject({ truncated: true, stoppedEarly: true, calls: 2 });
    expect(result.events).toHaveLength(20);
    expect(result.resumeAfterMs).toBe(T0 + 19);
    expect(fake.callCount('GetLogEvents')).toBe(2);
  });

  it('abandons a call that outlives the deadline, keeping the pages read before it', async () => {
    // Prepare: the second call hangs, and it has 50 ms.
    fake.putLogEvents(GROUP, STREAM, events(25));
    fake.holdNext(1, 1);
    let calls = 0;
    const timeLeftMs = () => (calls++ < 1 ? 10_000 : 50);

    // Act
    const result = await source(3, { pageLimit: 10 }).readLogStream(request({ timeLeftMs }));

    // Assess
    expect(fake.heldCount).toBe(1);
    expect(result).toMatchObject({ truncated: true, stoppedEarly: true, resumeAfterMs: T0 + 9 });
    expect(result.events.map((e) => e.message)).toEqual(events(10).map((e) => e.message));
  });

  it('reads as before with time to spare', async () => {
    fake.putLogEvents(GROUP, STREAM, events(25));
    const result = await source(3, { pageLimit: 10 }).readLogStream(request({ timeLeftMs: () => 60_000 }));
    expect(result).toMatchObject({ truncated: false, calls: 4 });
    expect(result.stoppedEarly).toBeUndefined();
    expect(result.events).toHaveLength(25);
  });
});

describe('CloudWatchLogSource faults', () => {
  it('keeps the pages read before a fault, with the reason, instead of failing the read', async () => {
    // Prepare: the second page keeps being throttled.
    fake.putLogEvents(GROUP, STREAM, events(25));
    fake.failNext('GetLogEvents', { type: 'ThrottlingException', message: 'Rate exceeded' }, 5, 1);

    // Act
    const result = await source(2, { pageLimit: 10 }).readLogStream(request());

    // Assess
    expect(result).toMatchObject({ truncated: true, resumeAfterMs: T0 + 9 });
    expect(result.events).toHaveLength(10);
    expect(result.failure).toBeInstanceOf(LogUnavailableError);
    expect(result.failure?.reason).toBe('throttled');
    expect(result.stoppedEarly).toBeUndefined();
  });

  it('fails with log-group-not-found for a missing group', async () => {
    const error = await unavailable(source().readLogStream(request({ logGroup: '/ecs/missing' })));
    expect(error.reason).toBe('log-group-not-found');
    expect(error.message).toBe('log group /ecs/missing does not exist');
  });

  it('fails with log-stream-not-found for a missing stream', async () => {
    fake.createLogGroup(GROUP);
    const error = await unavailable(source().readLogStream(request()));
    expect(error.reason).toBe('log-stream-not-found');
    expect(error.message).toBe(`log stream ${STREAM} does not exist in log group ${GROUP}`);
    expect(fake.callCount('DescribeLogGroups')).toBe(0);
  });

  it.each([
    ['the group exists', true, 'log-stream-not-found'],
    ['the group is gone', false, 'log-group-not-found'],
  ])(
    'asks DescribeLogGroups what is missing when the message does not say, and %s',
    async (_name, groupExists, reason) => {
      // Prepare
      if (groupExists) fake.createLogGroup(GROUP);
      fake.createLogGroup(`${GROUP}-other`);
      fake.failNext('GetLogEvents', { type: 'ResourceNotFoundException', message: 'Resource not found.' });

      // Act
      const error = await unavailable(source().readLogStream(request()));

      // Assess
      expect(error.reason).toBe(reason);
      expect(fake.calls.find((c) => c.operation === 'DescribeLogGroups')?.input).toEqual({
        logGroupNamePrefix: GROUP,
        limit: 1,
      });
    },
  );

  it('fails with access-denied, naming the log group and stream but keeping what IAM said out of the message', async () => {
    fake.putLogEvents(GROUP, STREAM, events(1));
    fake.failNext('GetLogEvents', {
      type: 'AccessDeniedException',
      message:
        'User: arn:aws:sts::123456789012:assumed-role/tracer-api/fn is not authorized to perform: logs:GetLogEvents',
    });
    const error = await unavailable(source().readLogStream(request()));
    expect(error.reason).toBe('access-denied');
    expect(error.message).toBe(
      `access to log stream ${STREAM} in log group ${GROUP} was denied (AccessDeniedException)`,
    );
    expect(error.message).not.toMatch(/arn:aws|123456789012/);
    expect(String((error.cause as Error).message)).toContain('assumed-role/tracer-api/fn');
  });

  it('fails with error for anything else, naming the exception but not its message', async () => {
    fake.putLogEvents(GROUP, STREAM, events(1));
    fake.failNext('GetLogEvents', {
      type: 'InvalidParameterException',
      message: 'startTime is after endTime',
    });
    const error = await unavailable(source().readLogStream(request()));
    expect(error.reason).toBe('error');
    expect(error.message).toBe(
      `reading log stream ${STREAM} in log group ${GROUP} failed (InvalidParameterException)`,
    );
    expect((error.cause as Error).message).toBe('startTime is after endTime');
  });
});
