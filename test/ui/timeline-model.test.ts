import { describe, expect, it } from 'vitest';
import type { TaskSummaryResponse, TraceLineJson } from '../../lambda/core/api-types.js';
import {
  buildTimeline,
  firstLineAtOrAfter,
  formatSpan,
  lifecyclePhases,
  logDensity,
} from '../../lambda/ui/app/timeline-model.js';

const base: TaskSummaryResponse = {
  cluster: 'default',
  taskId: 't',
  taskArn: 'arn',
  lastStatus: 'STOPPED',
  version: 1,
  containers: [{ name: 'app', exitCode: 1, essential: true }],
  source: 'recorded',
};
const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
const ms = (s: number) => Date.UTC(2024, 0, 1, 0, 0, s);
const line = (s: number, source: string, kind: TraceLineJson['kind'] = 'log'): TraceLineJson => ({
  timestamp: at(s),
  epochMs: ms(s),
  source,
  message: 'm',
  kind,
});

describe('lifecyclePhases', () => {
  it.each([
    [
      'a Fargate task that ran',
      {
        createdAt: at(0),
        connectivityAt: at(3),
        startedAt: at(10),
        stoppingAt: at(40),
        executionStoppedAt: at(45),
        stoppedAt: at(50),
      },
      [
        ['provisioning', 0, 3],
        ['pending and pull', 3, 10],
        ['running', 10, 40],
        ['stopping', 40, 45],
        ['deprovisioning', 45, 50],
      ],
    ],
    [
      'an EC2 task whose image could not be pulled',
      { createdAt: at(0), executionStoppedAt: at(18), stoppingAt: at(28), stoppedAt: at(42) },
      [
        ['pending and pull', 0, 18],
        ['stopping', 18, 28],
        ['deprovisioning', 28, 42],
      ],
    ],
    [
      'a task still running',
      { createdAt: at(0), startedAt: at(5), lastStatus: 'RUNNING' },
      [
        ['pending and pull', 0, 5],
        ['running', 5, 60],
      ],
    ],
  ])('draws %s', (_name, times, expected) => {
    const phases = lifecyclePhases({ ...base, ...times }, ms(60));
    expect(phases.map((p) => [p.name, (p.startMs - ms(0)) / 1000, (p.endMs - ms(0)) / 1000])).toEqual(
      expected,
    );
  });
});

describe('buildTimeline', () => {
  it('gives each container its run span, exit code and log density, and marks SERVICE events and the stop code', () => {
    const task = {
      ...base,
      createdAt: at(0),
      startedAt: at(10),
      stoppingAt: at(40),
      stoppedAt: at(50),
      stopCode: 'EssentialContainerExited',
    };
    const lines = [
      line(0, 'TASK', 'transition'),
      line(1, 'SERVICE', 'service'),
      line(12, 'CONTAINER:app'),
      line(13, 'CONTAINER:app'),
      line(39, 'CONTAINER:app'),
    ];

    const model = buildTimeline(task, lines, ms(100), 10);

    expect(model.lanes).toEqual([
      {
        name: 'app',
        run: { startMs: ms(10), endMs: ms(40) },
        exitCode: 1,
        essential: true,
        density: [0, 0, 2, 0, 0, 0, 0, 1, 0, 0],
      },
    ]);
    expect(model.markers).toEqual([{ epochMs: ms(1), source: 'SERVICE', message: 'm' }]);
    expect(model.stop).toEqual({ epochMs: ms(40), stopCode: 'EssentialContainerExited' });
    expect([model.startMs, model.endMs]).toEqual([ms(0), ms(50)]);
  });

  it('leaves out the run span of a container the task never started', () => {
    const model = buildTimeline({ ...base, createdAt: at(0), stoppedAt: at(5) }, [], ms(100));
    expect(model.lanes[0]?.run).toBeUndefined();
  });
});

describe('helpers', () => {
  it('counts only log lines of known containers', () => {
    const density = logDensity(
      [line(1, 'CONTAINER:app'), line(1, 'CONTAINER:other'), line(1, 'CONTAINER:app', 'status')],
      ['app'],
      ms(0),
      ms(10),
      2,
    );
    expect(density.get('app')).toEqual([1, 0]);
  });

  it('finds the first line at or after a time', () => {
    const lines = [line(1, 'A'), line(5, 'A'), line(5, 'B'), line(9, 'A')];
    expect([ms(0), ms(5), ms(6), ms(10)].map((t) => firstLineAtOrAfter(lines, t))).toEqual([0, 1, 3, 4]);
  });

  it.each([
    [850, '850 ms'],
    [12_300, '12.3 s'],
    [65_000, '1 min 05 s'],
    [7_380_000, '2 h 03 min'],
  ])('formats %i ms as %s', (span, text) => {
    expect(formatSpan(span)).toBe(text);
  });
});
