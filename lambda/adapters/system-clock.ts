import type { Clock } from '../use-cases/ports.js';

/** The wall clock, for production wiring. Tests pass a fixed clock instead. */
export const systemClock: Clock = { nowMs: () => Date.now() };
