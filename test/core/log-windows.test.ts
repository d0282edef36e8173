import { describe, expect, it } from 'vitest';
import {
  clipWindows,
  inWindows,
  type LogWindow,
  logStreamName,
  logWindows,
  mergeWindows,
} from '../../lambda/core/log-windows.js';
import type { LifecycleTimestamps } from '../../lambda/core/model.js';

const ms = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;
const NOW = ms('2022-01-01T00:00:00.000Z');

const window = (start: string, end: string): LogWindow => ({ startMs: ms(start), endMs: ms(end) });

const serviceReplaced: LifecycleTimestamps = {
  createdAt: '2021-12-03T02:06:21.633Z',
  pullStartedAt: '2021-12-03T02:06:39.602Z',
  pullStoppedAt: '2021-12-03T02:06:46.366Z',
  startedAt: '2021-12-03T02:06:46.768Z',
  stoppingAt: '2021-12-03T02:22:28.910Z',
  executionStoppedAt: '2021-12-03T02:22:40.527Z',
  stoppedAt: '2021-12-03T02:23:04.873Z',
};

describe('logWindows', () => {
  it.each<[string, LifecycleTimestamps, number, LogWindow[]]>([
    [
      'a stopped task: head and tail around its start and its stop',
      serviceReplaced,
      MINUTE,
      [
        window('2021-12-03T02:05:21.633Z', '2021-12-03T02:07:46.366Z'),
        window('2021-12-03T02:21:28.910Z', '2021-12-03T02:24:04.873Z'),
      ],
    ],
    [
      'a short task whose windows overlap: one merged window',
      {
        createdAt: '2021-11-26T17:29:15.055Z',
        executionStoppedAt: '2021-11-26T17:29:33.527Z',
        stoppingAt: '2021-11-26T17:29:43.569Z',
        stoppedAt: '2021-11-26T17:29:57.070Z',
      },
      MINUTE,
      [window('2021-11-26T17:28:15.055Z', '2021-11-26T17:30:57.070Z')],
    ],
    [
      'a task with no pullStoppedAt: the head ends after startedAt + d',
      {
        createdAt: '2021-01-01T00:00:00.000Z',
        startedAt: '2021-01-01T00:10:00.000Z',
        stoppingAt: '2021-01-01T01:00:00.000Z',
        stoppedAt: '2021-01-01T01:00:10.000Z',
      },
      MINUTE,
      [
        window('2020-12-31T23:59:00.000Z', '2021-01-01T00:11:00.000Z'),
        window('2021-01-01T00:59:00.000Z', '2021-01-01T01:01:10.000Z'),
      ],
    ],
    [
      'a running task: the tail reaches now',
      { createdAt: '2021-12-31T20:00:00.000Z', pullStoppedAt: '2021-12-31T20:00:30.000Z' },
      5 * MINUTE,
      [
        window('2021-12-31T19:55:00.000Z', '2021-12-31T20:05:30.000Z'),
        window('2021-12-31T23:55:00.000Z', '2022-01-01T00:00:00.000Z'),
      ],
    ],
    [
      'a stopped task whose STOPPING transition was never seen: the tail ends at the stop',
      {
        createdAt: '2021-01-01T00:00:00.000Z',
        pullStoppedAt: '2021-01-01T00:00:10.000Z',
        stoppedAt: '2021-01-01T02:00:00.000Z',
      },
      MINUTE,
      [
        window('2020-12-31T23:59:00.000Z', '2021-01-01T00:01:10.000Z'),
        window('2021-01-01T01:59:00.000Z', '2021-01-01T02:01:00.000Z'),
      ],
    ],
    [
      'a zero duration: just the instants',
      serviceReplaced,
      0,
      [
        window('2021-12-03T02:06:21.633Z', '2021-12-03T02:06:46.366Z'),
        window('2021-12-03T02:22:28.910Z', '2021-12-03T02:23:04.873Z'),
      ],
    ],
  ])('reads %s', (_name, task, durationMs, expected) => {
    expect(logWindows(task, durationMs, NOW)).toEqual(expected);
  });

  it('reads the whole life in full mode', () => {
    expect(logWindows(serviceReplaced, MINUTE, NOW, { full: true })).toEqual([
      window('2021-12-03T02:05:21.633Z', '2021-12-03T02:24:04.873Z'),
    ]);
  });

  it('reads a running task up to now in full mode', () => {
    expect(logWindows({ createdAt: '2021-12-31T23:00:00.000Z' }, MINUTE, NOW, { full: true })).toEqual([
      window('2021-12-31T22:59:00.000Z', '2022-01-01T00:00:00.000Z'),
    ]);
  });

  it('falls back to the earliest known timestamp when createdAt is missing', () => {
    const windows = logWindows({ startedAt: '2021-12-31T23:00:00.000Z' }, MINUTE, NOW, { full: true });
    expect(windows[0]?.startMs).toBe(ms('2021-12-31T22:59:00.000Z'));
  });
});

describe('mergeWindows', () => {
  it.each<[string, LogWindow[], LogWindow[]]>([
    [
      'overlapping',
      [
        { startMs: 5, endMs: 9 },
        { startMs: 0, endMs: 6 },
      ],
      [{ startMs: 0, endMs: 9 }],
    ],
    [
      'touching (inclusive ends)',
      [
        { startMs: 0, endMs: 5 },
        { startMs: 6, endMs: 9 },
      ],
      [{ startMs: 0, endMs: 9 }],
    ],
    [
      'apart',
      [
        { startMs: 10, endMs: 20 },
        { startMs: 0, endMs: 5 },
      ],
      [
        { startMs: 0, endMs: 5 },
        { startMs: 10, endMs: 20 },
      ],
    ],
    [
      'nested',
      [
        { startMs: 0, endMs: 20 },
        { startMs: 5, endMs: 6 },
      ],
      [{ startMs: 0, endMs: 20 }],
    ],
    ['inverted (dropped)', [{ startMs: 9, endMs: 1 }], []],
  ])('merges %s windows', (_name, input, expected) => {
    expect(mergeWindows(input)).toEqual(expected);
  });
});

describe('clipWindows and inWindows', () => {
  const windows: LogWindow[] = [
    { startMs: 0, endMs: 10 },
    { startMs: 20, endMs: 30 },
  ];

  it.each([
    [-5, windows],
    [
      5,
      [
        { startMs: 5, endMs: 10 },
        { startMs: 20, endMs: 30 },
      ],
    ],
    [15, [{ startMs: 20, endMs: 30 }]],
    [30, [{ startMs: 30, endMs: 30 }]],
    [31, []],
  ])('keeps what lies at or after %d', (fromMs, expected) => {
    expect(clipWindows(windows, fromMs)).toEqual(expected);
  });

  it.each([
    [0, true],
    [10, true],
    [15, false],
    [30, true],
    [31, false],
  ])('says whether %d is inside', (epochMs, expected) => {
    expect(inWindows(windows, epochMs)).toBe(expected);
  });
});

describe('logStreamName', () => {
  it('names the awslogs stream prefix/container/task', () => {
    expect(logStreamName('ecs', 'nginx', '84b5991528504856a2f003b7da9b2b82')).toBe(
      'ecs/nginx/84b5991528504856a2f003b7da9b2b82',
    );
  });
});
