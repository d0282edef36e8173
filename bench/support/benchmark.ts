/** What every benchmark of the suite looks like to bench/run.ts. */
import type { BenchOptions } from './options.js';
import type { Table } from './table.js';

/** The tables a benchmark prints and the raw figures it stores in results.json. */
export interface BenchmarkOutcome {
  readonly tables: readonly Table[];
  readonly data: unknown;
}

export interface BenchmarkContext {
  readonly options: BenchOptions;
  /** The project root: package.json, lambda/, lib/, dist/. */
  readonly root: string;
  /** Progress for the person waiting, on stderr, so stdout keeps only the tables. */
  progress(message: string): void;
}

export type Benchmark = (context: BenchmarkContext) => Promise<BenchmarkOutcome>;
