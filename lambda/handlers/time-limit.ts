/**
 * The handlers' last line of defence against their deadline: the use cases stop their reads in time, but a
 * call that hangs (the SDK backing off, a slow network) must not carry the invocation past its limit, where
 * API Gateway answers 504 or Lambda fails the whole SQS batch.
 */
import type { RemainingTime } from '../core/deadline.js';

export type Settled<T> = { readonly done: true; readonly value: T } | { readonly done: false };

/**
 * Waits for `work` until `timeLeft` is down to `marginMs`. Work that is still running then is abandoned
 * (its later failure is swallowed, there is no one left to answer); the caller answers without it.
 * @example const settled = await settleWithin(handle(record), () => context.getRemainingTimeInMillis(), 3_000);
 */
export async function settleWithin<T>(
  work: Promise<T>,
  timeLeft: RemainingTime,
  marginMs: number,
): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), Math.max(0, timeLeft() - marginMs));
  });
  try {
    return await Promise.race([work.then((value): Settled<T> => ({ done: true, value })), outOfTime]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
