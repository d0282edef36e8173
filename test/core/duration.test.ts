import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../lambda/core/duration.js';
import { InvalidInputError } from '../../lambda/core/errors.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1h2m3s', 3_723_000],
    ['90s', 90_000],
    ['0', 0],
    ['0s', 0],
    ['+5m', 300_000],
    [' 5m ', 300_000],
    ['1500us', 2],
    ['2000000ns', 2],
    ['1µs', 0],
  ])('reads %s as %d ms', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it.each([
    ['', /it is empty/],
    ['5', /"5" has no unit/],
    ['1m30', /"30" has no unit/],
    ['five minutes', /is not a number with a unit/],
    ['1d', /is not a number with a unit/],
    ['-1m', /it is negative/],
    ['1e400h', /is not a number with a unit|too large/],
  ])('rejects "%s"', (text, message) => {
    expect(() => parseDuration(text)).toThrow(InvalidInputError);
    expect(() => parseDuration(text)).toThrow(message);
  });

  it('names valid examples in its message', () => {
    expect(() => parseDuration('soon')).toThrow('use values like 30s, 5m, 1m30s, 1.5h or 500ms');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [90_500, '1m30.5s'],
    [3_600_000, '1h0m0s'],
    [5_400_000, '1h30m0s'],
    [-30_000, '-30s'],
  ])('prints %d ms as %s', (durationMs, expected) => {
    expect(formatDuration(durationMs)).toBe(expected);
  });

  it('round-trips through parseDuration', () => {
    for (const durationMs of [1, 999, 1000, 61_001, 86_400_000]) {
      expect(parseDuration(formatDuration(durationMs))).toBe(durationMs);
    }
  });
});
