/**
 * bench/results.json: one section per benchmark, each with the machine it ran on. Running one benchmark
 * replaces its own section and keeps the others, so a partial run never loses earlier figures.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Table } from './table.js';

export const RESULTS_PATH = fileURLToPath(new URL('../results.json', import.meta.url));

/** Where a figure was measured: ratios travel between machines, absolute numbers do not. */
export interface MachineInfo {
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryBytes: number;
}

/** What one benchmark leaves in results.json. */
export interface BenchmarkSection {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly tables: readonly Table[];
  /** The raw figures behind the tables. */
  readonly data: unknown;
}

interface ResultsFile {
  readonly schemaVersion: 1;
  readonly benchmarks: Record<string, BenchmarkSection>;
}

/** The machine this process runs on. */
export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    arch: arch(),
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    totalMemoryBytes: totalmem(),
  };
}

/** The sections stored so far, by benchmark name. */
export function readSections(path = RESULTS_PATH): Record<string, BenchmarkSection> {
  return readResults(path).benchmarks;
}

function readResults(path: string): ResultsFile {
  if (!existsSync(path)) return { schemaVersion: 1, benchmarks: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ResultsFile>;
    if (parsed.schemaVersion === 1 && typeof parsed.benchmarks === 'object' && parsed.benchmarks !== null) {
      return { schemaVersion: 1, benchmarks: parsed.benchmarks };
    }
  } catch {
    // An unreadable file from an interrupted run is replaced, not merged.
  }
  return { schemaVersion: 1, benchmarks: {} };
}

/**
 * Stores one benchmark's section in results.json, keeping the other sections. The file is replaced
 * atomically, so an interrupted run leaves the previous file intact.
 * @example writeSection('cli', section)
 */
export function writeSection(name: string, section: BenchmarkSection, path = RESULTS_PATH): void {
  const results = readResults(path);
  const next: ResultsFile = { schemaVersion: 1, benchmarks: { ...results.benchmarks, [name]: section } };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(temporary, path);
}
