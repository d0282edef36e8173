import { describe, expect, it } from 'vitest';
import type { TraceLineJson } from '../../lambda/core/api-types.js';
import { countLines, mergeNewLines } from '../../lambda/ui/app/live.js';

const line = (epochMs: number, source: string, message: string): TraceLineJson => ({
  timestamp: new Date(epochMs).toISOString(),
  epochMs,
  source,
  message,
  kind: source === 'TASK' ? 'status' : 'log',
});

const messages = (lines: readonly TraceLineJson[]) =>
  lines.map((l) => `${l.epochMs} ${l.source} ${l.message}`);

describe('mergeNewLines', () => {
  it('adds only the lines the page does not hold when since=start answers the trace again', () => {
    // Prepare
    const lines = [line(1_000, 'TASK', 'Created'), line(2_000, 'CONTAINER:app', 'up')];
    const seen = countLines(lines);

    // Act
    const added = mergeNewLines(lines, seen, [
      line(1_000, 'TASK', 'Created'),
      line(2_000, 'CONTAINER:app', 'up'),
      line(3_000, 'CONTAINER:app', 'step 1'),
    ]);

    // Assess
    expect(added).toBe(1);
    expect(messages(lines)).toEqual([
      '1000 TASK Created',
      '2000 CONTAINER:app up',
      '3000 CONTAINER:app step 1',
    ]);
  });

  it('appends the lines of each poll once, in order, across polls', () => {
    // Prepare
    const lines = [line(1_000, 'TASK', 'Created')];
    const seen = countLines(lines);

    // Act
    const first = mergeNewLines(lines, seen, [
      line(2_000, 'CONTAINER:app', 'a'),
      line(3_000, 'TASK', 'Running'),
    ]);
    const again = mergeNewLines(lines, seen, [
      line(3_000, 'TASK', 'Running'),
      line(4_000, 'CONTAINER:app', 'b'),
    ]);

    // Assess
    expect([first, again]).toEqual([2, 1]);
    expect(messages(lines)).toEqual([
      '1000 TASK Created',
      '2000 CONTAINER:app a',
      '3000 TASK Running',
      '4000 CONTAINER:app b',
    ]);
  });

  it('puts a late log line at its time, after the lines of the same millisecond', () => {
    // Prepare
    const lines = [
      line(1_000, 'TASK', 'Created'),
      line(2_000, 'TASK', 'Running'),
      line(5_000, 'TASK', 'Stopping'),
    ];
    const seen = countLines(lines);

    // Act
    mergeNewLines(lines, seen, [line(2_000, 'CONTAINER:app', 'late'), line(1_500, 'CONTAINER:app', 'later')]);

    // Assess
    expect(messages(lines)).toEqual([
      '1000 TASK Created',
      '1500 CONTAINER:app later',
      '2000 TASK Running',
      '2000 CONTAINER:app late',
      '5000 TASK Stopping',
    ]);
  });

  it('keeps a line logged twice in the same millisecond twice, and answered again still twice', () => {
    // Prepare
    const lines = [line(1_000, 'CONTAINER:app', 'tick')];
    const seen = countLines(lines);

    // Act
    const first = mergeNewLines(lines, seen, [
      line(1_000, 'CONTAINER:app', 'tick'),
      line(1_000, 'CONTAINER:app', 'tick'),
    ]);
    const again = mergeNewLines(lines, seen, [
      line(1_000, 'CONTAINER:app', 'tick'),
      line(1_000, 'CONTAINER:app', 'tick'),
    ]);

    // Assess
    expect([first, again]).toEqual([1, 0]);
    expect(lines).toHaveLength(2);
  });
});
