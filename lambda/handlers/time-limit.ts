/**
 * The handlers' last line of defence against their deadline: the use cases stop their reads in time, but a
 * call that hangs (the SDK backing off, a slow network) must not carry the invocation past its limit, where
 * API Gateway answers 504 or Lambda fails the whole SQS batch.
 */
import { type RemainingTime, soonest } from '../core/deadline.js';
import type { Clock } from '../use-cases/ports.js';

/** API Gateway gives up on a Lambda integration after 29 seconds and answers 504 itself. */
export const API_GATEWAY_TIMEOUT_MS = 29_000;
/**
 * The longest a request may have waited between API Gateway and the handler (a cold start); an older
 * `requestTimeEpoch` belongs to a replayed or synthetic event and is not counted.
 */
export const MAX_QUEUED_MS = 10_000;

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

/**
 * The time an API request has left: the sooner of API Gateway's integration timeout, counted from when
 * API Gateway received the request (`requestTimeEpoch`, so that a cold start's wait counts too), and the
 * function's own remaining time.
 * @example const timeLeft = apiTimeLeft(event.requestContext?.requestTimeEpoch, () => context.getRemainingTimeInMillis(), clock);
 */
export function apiTimeLeft(
  requestTimeEpoch: number | undefined,
  functionTimeLeft: RemainingTime | undefined,
  clock: Clock,
): RemainingTime {
  const startedMs = clock.nowMs();
  const queuedMs =
    typeof requestTimeEpoch === 'number' && Number.isFinite(requestTimeEpoch)
      ? Math.min(Math.max(0, startedMs - requestTimeEpoch), MAX_QUEUED_MS)
      : 0;
  const gatewayDeadlineMs = startedMs - queuedMs + API_GATEWAY_TIMEOUT_MS;
  return soonest(() => gatewayDeadlineMs - clock.nowMs(), functionTimeLeft) as RemainingTime;
}
