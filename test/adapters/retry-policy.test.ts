import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  nextRetryDelayMs,
  parseRetryAfterMs,
} from '../../lambda/adapters/http/retry-policy.js';

const NOW_MS = Date.parse('2024-05-01T12:00:00Z');

describe('parseRetryAfterMs', () => {
  it.each<[string | undefined, number | undefined]>([
    ['2', 2000],
    [' 0 ', 0],
    ['1.5', 1500],
    ['Wed, 01 May 2024 12:00:03 GMT', 3000],
    ['Wed, 01 May 2024 11:00:00 GMT', 0],
    ['-1', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads %j as %j ms', (value, ms) => {
    expect(parseRetryAfterMs(value, NOW_MS)).toBe(ms);
  });
});

describe('nextRetryDelayMs', () => {
  const policy = DEFAULT_RETRY_POLICY;

  it.each<[string, Parameters<typeof nextRetryDelayMs>[1], number, number | undefined]>([
    ['the first backoff, least jitter', { attempt: 1, waitedMs: 0 }, 0, 125],
    ['the first backoff, most jitter', { attempt: 1, waitedMs: 0 }, 1, 250],
    ['a doubled backoff', { attempt: 3, waitedMs: 0 }, 1, 1000],
    ['a Retry-After longer than the backoff', { attempt: 1, waitedMs: 0, retryAfterMs: 2000 }, 1, 2000],
    ['a Retry-After shorter than the backoff', { attempt: 3, waitedMs: 0, retryAfterMs: 100 }, 0, 500],
    ['after the last attempt', { attempt: 4, waitedMs: 0 }, 0, undefined],
    ['a Retry-After past the longest wait', { attempt: 1, waitedMs: 0, retryAfterMs: 10_001 }, 0, undefined],
    ['a wait past the total', { attempt: 2, waitedMs: 19_900, retryAfterMs: 200 }, 0, undefined],
    ['a wait that reaches the total exactly', { attempt: 2, waitedMs: 19_750, retryAfterMs: 200 }, 0, 250],
  ])('waits for %s', (_name, state, random, expected) => {
    expect(nextRetryDelayMs(policy, state, () => random)).toBe(expected);
  });

  it('caps the backoff at the longest wait', () => {
    expect(
      nextRetryDelayMs(
        { ...policy, maxAttempts: 20, maxTotalWaitMs: 1e9 },
        { attempt: 12, waitedMs: 0 },
        () => 1,
      ),
    ).toBe(10_000);
  });
});
