/**
 * Deadlines as functions of the time left, never of the clock: a Lambda handler passes
 * `context.getRemainingTimeInMillis`, a test passes a fake, and the use cases ask it before each step that
 * may take long (a page of logs, the next SQS record).
 */

/** Milliseconds left before a deadline; zero or less once it has passed. */
export type RemainingTime = () => number;

/**
 * The time left once `reserveMs` is kept back for what must still happen after the reads (formatting the
 * answer, publishing a notification).
 * @example reserving(() => 10_000, 3_000)() === 7_000
 */
export function reserving(remaining: RemainingTime, reserveMs: number): RemainingTime {
  return () => remaining() - reserveMs;
}

/**
 * The sooner of several deadlines, skipping the absent ones; undefined when none is given.
 * @example soonest(() => 29_000, undefined, () => 12_000)?.() === 12_000
 */
export function soonest(...deadlines: ReadonlyArray<RemainingTime | undefined>): RemainingTime | undefined {
  const given = deadlines.filter((d): d is RemainingTime => d !== undefined);
  if (given.length === 0) return undefined;
  if (given.length === 1) return given[0];
  return () => Math.min(...given.map((d) => d()));
}

/**
 * True when a deadline is given and has passed (or has less than `neededMs` left).
 * @example expired(() => 0) === true && expired(undefined) === false
 */
export function expired(remaining: RemainingTime | undefined, neededMs = 0): boolean {
  return remaining !== undefined && remaining() <= neededMs;
}
