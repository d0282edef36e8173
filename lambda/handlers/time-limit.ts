/**
 * The handlers' last line of defence against their deadline: the use cases stop their reads in time, but a
 * call that hangs (the SDK backing off, a slow network) must not carry the invocation past its limit, where
 * API Gateway answers 504 or Lambda fails the whole SQS batch.
 */
import type { RemainingTime } from '../core/deadline.js';

export type Settled<T> = { readonly done: true; readonly value: T } | { readonly done: false };

/** Waits `ms`, or less when `signal` aborts first. Injected so that a test decides when time is up. */
export type Timer = (ms: number, signal: AbortSignal) => Promise<void>;

/** The real timer, cleared as soon as the signal aborts so that it never holds the process open. */
export const realTimer: Timer = (ms, signal) =>
  new Promise<void>((resolve) => {
    const timeout = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timeout);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Waits for `work` until `timeLeft` is down to `marginMs`. Work that is still running then is abandoned
 * (its later failure is swallowed, there is no one left to answer); the caller answers without it.
 * @example const settled = await settleWithin(handle(record), () => context.getRemainingTimeInMillis(), 3_000);
 */
export async function settleWithin<T>(
  work: Promise<T>,
  timeLeft: RemainingTime,
  marginMs: number,
  timer: Timer = realTimer,
): Promise<Settled<T>> {
  const done = new AbortController();
  const outOfTime = timer(Math.max(0, timeLeft() - marginMs), done.signal).then(
    (): Settled<T> => ({ done: false }),
  );
  try {
    return await Promise.race([work.then((value): Settled<T> => ({ done: true, value })), outOfTime]);
  } finally {
    done.abort();
    work.catch(() => undefined);
  }
}
