import { describe, expect, it } from 'vitest';
import type { TaskSummaryResponse, TraceResponse } from '../../lambda/core/api-types.js';
import {
  clusterListInZone,
  instantInZone,
  taskListInZone,
  traceInZone,
} from '../../lambda/core/zoned-json.js';

const CREATED = '2021-11-26T17:29:15.055Z';
const CREATED_MS = Date.parse(CREATED);

const task: TaskSummaryResponse = {
  cluster: 'default',
  taskId: 'abc',
  taskArn: 'arn:aws:ecs:ap-northeast-1:123456789012:task/default/abc',
  lastStatus: 'STOPPED',
  createdAt: CREATED,
  stoppedAt: '2021-11-26T17:29:57.070Z',
  version: 3,
  containers: [],
  source: 'recorded',
};

describe('instantInZone', () => {
  it.each([
    [CREATED, 'Asia/Tokyo', '2021-11-27T02:29:15.055+09:00'],
    [CREATED, 'UTC', CREATED],
    ['2021-07-01T12:00:00Z', 'America/New_York', '2021-07-01T08:00:00.000-04:00'],
    ['not a time', 'Asia/Tokyo', 'not a time'],
  ])('shows %s in %s as %s', (iso, zone, expected) => {
    expect(instantInZone(iso, zone)).toBe(expected);
  });
});

describe('traceInZone', () => {
  it('shows every time of a trace in the zone and keeps epochMs and the rest', () => {
    // Prepare
    const trace: TraceResponse = {
      task,
      lines: [
        { timestamp: CREATED, epochMs: CREATED_MS, source: 'TASK', message: 'Created', kind: 'transition' },
      ],
      logCalls: 2,
      nextCursor: 'c1',
    };

    // Act
    const tokyo = traceInZone(trace, 'Asia/Tokyo');

    // Assess
    expect(tokyo).toEqual({
      task: {
        ...task,
        createdAt: '2021-11-27T02:29:15.055+09:00',
        stoppedAt: '2021-11-27T02:29:57.070+09:00',
      },
      lines: [
        {
          timestamp: '2021-11-27T02:29:15.055+09:00',
          epochMs: CREATED_MS,
          source: 'TASK',
          message: 'Created',
          kind: 'transition',
        },
      ],
      logCalls: 2,
      nextCursor: 'c1',
    });
  });
});

describe('taskListInZone and clusterListInZone', () => {
  it('show the listed times in the zone, leaving absent ones absent', () => {
    // Act
    const tasks = taskListInZone(
      { tasks: [{ taskId: 'abc', taskArn: task.taskArn, lastStatus: 'RUNNING', createdAt: CREATED }] },
      'Asia/Tokyo',
    );
    const clusters = clusterListInZone(
      {
        clusters: [
          {
            clusterName: 'default',
            account: '123456789012',
            region: 'us-east-1',
            clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
            lastSeenAt: CREATED,
          },
        ],
      },
      'Asia/Tokyo',
    );

    // Assess
    expect(tasks.tasks[0]).toEqual({
      taskId: 'abc',
      taskArn: task.taskArn,
      lastStatus: 'RUNNING',
      createdAt: '2021-11-27T02:29:15.055+09:00',
    });
    expect(clusters.clusters[0]?.lastSeenAt).toBe('2021-11-27T02:29:15.055+09:00');
  });
});
