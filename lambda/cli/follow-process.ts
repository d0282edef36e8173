/**
 * What a follow needs of the running process: a clock that can sleep and be woken, and Ctrl-C as an abort
 * signal. Kept apart from the follow command so that tests drive it with a fake clock and their own signal.
 */
import type { FollowClock } from '../use-cases/follow.js';

/** The wall clock; a sleep ends early when the signal aborts. */
export const processClock: FollowClock = {
  nowMs: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** How a follow learns that it should stop: an abort signal, and a release of what watches for it. */
export interface Interruption {
  readonly signal: AbortSignal;
  release(): void;
}

/**
 * Ctrl-C (SIGINT) and SIGTERM abort the follow instead of killing the process, so that it ends cleanly
 * with exit code 130 and no half-written line.
 * @example const interruption = watchInterrupts(); try { ... } finally { interruption.release(); }
 */
export function watchInterrupts(): Interruption {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}
