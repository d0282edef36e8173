import { describe, expect, it } from 'vitest';
import { expired, reserving, soonest } from '../../lambda/core/deadline.js';

describe('deadlines', () => {
  it('keeps a reserve back from the time left', () => {
    let leftMs = 10_000;
    const reads = reserving(() => leftMs, 3_000);
    expect(reads()).toBe(7_000);
    leftMs = 2_000;
    expect(reads()).toBe(-1_000);
  });

  it.each([
    [[() => 29_000, () => 12_000], 12_000],
    [[undefined, () => 5_000], 5_000],
    [[() => 1, undefined, () => 2], 1],
  ])('takes the sooner of the deadlines given (%#)', (deadlines, expected) => {
    expect(soonest(...deadlines)?.()).toBe(expected);
  });

  it('has no deadline when none is given', () => {
    expect(soonest(undefined, undefined)).toBeUndefined();
    expect(expired(undefined)).toBe(false);
  });

  it.each([
    [0, 0, true],
    [-5, 0, true],
    [1, 0, false],
    [19_999, 20_000, true],
    [20_001, 20_000, false],
  ])('with %s ms left and %s ms needed, the deadline has passed: %s', (leftMs, neededMs, passed) => {
    expect(expired(() => leftMs, neededMs)).toBe(passed);
  });
});
