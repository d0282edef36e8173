/**
 * The cost and size goals of the recorder and the bundles, and the figures they are compared with:
 * `bench/baseline.json` holds what this same benchmark measured on the layout before the lean recorder
 * (one item per transition plus a summary in two ALL-projected indexes), so every run shows then and now
 * side by side. Times are compared as ratios within one run, never as absolute figures across runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Table } from './table.js';

export interface Baseline {
  /** The commit and date of the run, and a word on the machine. */
  readonly measured: string;
  readonly recorder?: {
    readonly unitsPerEvent: number;
    readonly bytesPerTask: number;
    readonly requestsPerEvent: number;
    readonly duplicateRequestsPerEvent: number;
    readonly timeVsBare: number;
    /** The recorder's CPU time per event ÷ the bare loop's, with dynalite in its own process. */
    readonly cpuVsBare?: number;
    /** Where cpuVsBare was measured, when not on the commit of `measured`. */
    readonly cpuVsBareMeasured?: string;
  };
  readonly bundles?: Readonly<Record<string, { readonly bundleKiB: number; readonly importMs: number }>>;
  readonly referenceImportMs?: number;
}

const BASELINE_PATH = fileURLToPath(new URL('../baseline.json', import.meta.url));

export function readBaseline(): Baseline | undefined {
  if (!existsSync(BASELINE_PATH)) return undefined;
  return JSON.parse(readFileSync(BASELINE_PATH, 'utf8')) as Baseline;
}

export interface GoalRow {
  readonly goal: string;
  readonly today: string;
  readonly now: string;
  readonly target: string;
  /** Undefined for a row that only informs, with no target of its own. */
  readonly met: boolean | undefined;
}

/** A table of goals: what was measured before, now, the target and whether it is met. */
export function goalsTable(title: string, rows: readonly GoalRow[], notes: readonly string[]): Table {
  return {
    title,
    columns: ['goal', 'before', 'now', 'target', 'met'],
    rows: rows.map((r) => [
      r.goal,
      r.today,
      r.now,
      r.target,
      r.met === undefined ? '–' : r.met ? 'yes' : 'NO',
    ]),
    notes: [...notes],
  };
}

export const fixed = (value: number | undefined, digits = 2): string =>
  value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
