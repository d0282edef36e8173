import { describe, expect, it } from 'vitest';
import {
  answerPostedLogs,
  checkLogBatches,
  InvalidLogBatchError,
  parseLogBatches,
} from '../../lambda/local/local-log-intake.js';

const NOW_MS = Date.parse('2024-06-01T00:00:00Z');
const T0 = Date.parse('2024-05-01T12:00:00Z');
const GROUP = '/ecs/web';
const STREAM = 'ecs/web/abc';

describe('checkLogBatches', () => {
  it('reads epoch milliseconds and ISO 8601 times with a zone, under timestamp or timestampMs', () => {
    // Act
    const checked = checkLogBatches(
      {
        logGroup: GROUP,
        logStream: STREAM,
        events: [
          { timestamp: T0, message: 'a' },
          { timestampMs: T0 + 1, message: 'b' },
          { timestamp: '2024-05-01T21:00:00.002+09:00', message: 'c' },
        ],
      },
      NOW_MS,
    );

    // Assess
    expect(checked.accepted).toEqual([
      {
        logGroup: GROUP,
        logStream: STREAM,
        events: [
          { timestampMs: T0, message: 'a' },
          { timestampMs: T0 + 1, message: 'b' },
          { timestampMs: T0 + 2, message: 'c' },
        ],
      },
    ]);
    expect(checked.results).toEqual([
      { index: 0, position: 'batch 1', status: 'stored', logGroup: GROUP, logStream: STREAM, logEvents: 3 },
    ]);
  });

  it('accepts the good streams of a body and refuses each bad one whole, with its reasons', () => {
    // Act
    const checked = checkLogBatches(
      [
        { logGroup: GROUP, logStream: 'ok', events: [{ timestamp: T0, message: 'fine' }] },
        {
          logGroup: GROUP,
          logStream: 'mixed',
          events: [
            { timestamp: T0, message: 'fine' },
            { timestamp: 1_714_564_800, message: 'seconds' },
          ],
        },
        { logGroup: '', logStream: 'x', events: [{ timestamp: '2024-05-01T12:00:00', message: 3 }] },
        'hello',
      ],
      NOW_MS,
    );

    // Assess
    expect(checked.accepted.map((batch) => batch.logStream)).toEqual(['ok']);
    expect(checked.results).toEqual([
      { index: 0, position: 'batch 1', status: 'stored', logGroup: GROUP, logStream: 'ok', logEvents: 1 },
      {
        index: 1,
        position: 'batch 2',
        status: 'rejected',
        logGroup: GROUP,
        logStream: 'mixed',
        logEvents: 2,
        reason:
          'events[1]: timestamp 1714564800 looks like epoch seconds (2024-05-01T12:00:00.000Z); send epoch milliseconds: 1714564800000',
      },
      {
        index: 2,
        position: 'batch 3',
        status: 'rejected',
        logGroup: '',
        logStream: 'x',
        logEvents: 1,
        reason:
          'logGroup must be a non-empty string; events[0]: timestamp "2024-05-01T12:00:00" has no time zone; add Z for UTC or an offset such as +09:00 (2024-05-01T12:00:00Z); events[0]: message must be a string',
      },
      {
        index: 3,
        position: 'batch 4',
        status: 'rejected',
        logEvents: 0,
        reason: 'expected an object with logGroup, logStream and events',
      },
    ]);
  });

  it.each<[string, unknown, string]>([
    [
      'a stream without events',
      { logGroup: GROUP, logStream: STREAM },
      'events must be an array of { timestamp, message }',
    ],
    [
      'an event that is not an object',
      { logGroup: GROUP, logStream: STREAM, events: [7] },
      'events[0]: expected { timestamp, message }',
    ],
    [
      'a name too long',
      { logGroup: 'g'.repeat(513), logStream: STREAM, events: [] },
      'logGroup must be at most 512 characters',
    ],
    [
      'a message over 1 MiB',
      { logGroup: GROUP, logStream: STREAM, events: [{ timestamp: T0, message: 'x'.repeat(1_048_577) }] },
      "events[0]: message is larger than CloudWatch Logs' 1 MiB limit",
    ],
    [
      'a timestamp in words',
      { logGroup: GROUP, logStream: STREAM, events: [{ timestamp: 'soon', message: 'm' }] },
      'events[0]: timestamp "soon" is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z) or epoch milliseconds',
    ],
  ])('refuses %s', (_name, body, reason) => {
    // Act
    const checked = checkLogBatches(body, NOW_MS);

    // Assess
    expect(checked.accepted).toEqual([]);
    expect(checked.results[0]).toMatchObject({ status: 'rejected', reason });
  });

  it('quotes five problems of a stream, and counts the rest', () => {
    // Prepare
    const body = { logGroup: GROUP, logStream: STREAM, events: Array.from({ length: 8 }, () => 1) };

    // Act
    const reason = checkLogBatches(body, NOW_MS).results[0]?.reason ?? '';

    // Assess
    expect(reason.split('; ')).toHaveLength(6);
    expect(reason.endsWith('; and 3 more problems')).toBe(true);
  });
});

describe('answerPostedLogs', () => {
  const stored = { index: 0, position: 'batch 1', status: 'stored', logEvents: 2 } as const;
  const rejected = { index: 1, position: 'batch 2', status: 'rejected', logEvents: 1, reason: 'r' } as const;

  it.each([
    ['every stream was stored', [stored], 200],
    ['some streams were refused and the others stored', [stored, rejected], 422],
    ['no stream was stored', [rejected], 400],
  ] as const)('answers %s with %i', (_name, results, statusCode) => {
    expect(answerPostedLogs(results).statusCode).toBe(statusCode);
  });

  it('counts the streams and events received, stored and refused', () => {
    expect(answerPostedLogs([stored, rejected]).body).toEqual({
      received: { logStreams: 2, logEvents: 3 },
      stored: { logStreams: 1, logEvents: 2 },
      rejected: { logStreams: 1, logEvents: 1 },
      results: [stored, rejected],
    });
  });
});

describe('parseLogBatches', () => {
  it('fails for a body with any refused stream, naming each', () => {
    // Act
    const parse = () =>
      parseLogBatches(
        [
          { logGroup: GROUP, logStream: 'ok', events: [] },
          { logGroup: GROUP, logStream: STREAM, events: [{ timestamp: 5, message: 'm' }] },
        ],
        NOW_MS,
      );

    // Assess
    expect(parse).toThrow(InvalidLogBatchError);
    expect(parse).toThrow(
      'batch 2: events[0]: timestamp 5 (1970-01-01T00:00:00.005Z) is not a plausible time in epoch milliseconds',
    );
  });
});
