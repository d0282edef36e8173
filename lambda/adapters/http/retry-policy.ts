/**
 * When the API client tries a request again: after a throttled (429) or unavailable (502, 503, 504) answer
 * or a reset connection, a few times, with capped exponential backoff and jitter, never sooner than the
 * answer's `Retry-After`, and never waiting longer in all than a person at a terminal (or an assistant
 * waiting on a tool call) would. Pure: the clock and the randomness are passed in.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The backoff before the second attempt; it doubles for each attempt after. */
  readonly baseDelayMs: number;
  /** The longest single wait. A `Retry-After` longer than this is not waited for: the request fails. */
  readonly maxDelayMs: number;
  /** The most time spent waiting for one request, all retries together. */
  readonly maxTotalWaitMs: number;
}

/** 4 attempts, 250 ms doubling, at most 10 s a wait and 20 s in all (API Gateway gives up after 29 s). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxTotalWaitMs: 20_000,
};

/** The answer statuses worth another attempt. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Milliseconds to wait that a `Retry-After` header asks for: delay-seconds (`2`) or an HTTP date.
 * @example parseRetryAfterMs('2', 0) === 2000
 * @example parseRetryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('2015-10-21T07:28:00Z')) === 5000
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // The IMF-fixdate that RFC 9110 has senders write; Date.parse alone would also take "-1" as a year.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Where a request stands after a failed attempt. */
export interface RetryState {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  /** The time already spent waiting before earlier attempts. */
  readonly waitedMs: number;
  /** What the answer's `Retry-After` asked for, if it had one. */
  readonly retryAfterMs?: number;
}

/**
 * The wait before the next attempt, or undefined when the request should fail now: the attempts are used
 * up, the server asks for a longer wait than `maxDelayMs`, or the wait would pass `maxTotalWaitMs`. The
 * backoff is `baseDelayMs` doubling per attempt, capped at `maxDelayMs`, with "equal jitter" (half of it
 * fixed, half random) so that clients throttled together do not come back together; a `Retry-After` is a
 * lower bound.
 * @example nextRetryDelayMs(DEFAULT_RETRY_POLICY, { attempt: 1, waitedMs: 0, retryAfterMs: 2000 }, () => 0) === 2000
 */
export function nextRetryDelayMs(
  policy: RetryPolicy,
  state: RetryState,
  random: () => number,
): number | undefined {
  if (state.attempt >= policy.maxAttempts) return undefined;
  if (state.retryAfterMs !== undefined && state.retryAfterMs > policy.maxDelayMs) return undefined;
  const backoffMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (state.attempt - 1));
  const jitteredMs = backoffMs / 2 + (random() * backoffMs) / 2;
  const delayMs = Math.round(Math.max(state.retryAfterMs ?? 0, jitteredMs));
  return state.waitedMs + delayMs > policy.maxTotalWaitMs ? undefined : delayMs;
}
