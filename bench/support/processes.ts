/**
 * Child processes for the benchmarks: every measurement that must not be polluted by the suite itself
 * (start-up, import time, peak memory) runs in a fresh Node process, one at a time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit, as seen by the parent. */
  readonly wallMs: number;
}

export interface RunNodeOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kills the child after this long. @default 120,000 */
  readonly timeoutMs?: number;
}

/** Raised when a child exits abnormally; the message carries the end of its stderr. */
export class ChildProcessError extends Error {
  override readonly name = 'ChildProcessError';
  constructor(
    message: string,
    readonly run: ChildRun,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Runs `node ...args` and measures its wall time. Never throws for a non-zero exit: the caller decides.
 * @example const run = await runNode(['dist/cli/tracer.mjs', '--version']);
 */
export function runNode(args: readonly string[], options: RunNodeOptions = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        wallMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
  });
}

/**
 * Like runNode, and fails unless the child exits 0.
 * @throws ChildProcessError with the tail of the child's stderr.
 */
export async function runNodeOk(args: readonly string[], options: RunNodeOptions = {}): Promise<ChildRun> {
  const run = await runNode(args, options);
  if (run.code !== 0) {
    const tail = run.stderr.trim().split('\n').slice(-15).join('\n');
    throw new ChildProcessError(
      `node ${args.join(' ')} exited with ${run.code ?? run.signal}${tail ? `:\n${tail}` : ''}`,
      run,
    );
  }
  return run;
}

/**
 * The last line of a child's stdout parsed as JSON: how workers report their measurements.
 * @throws ChildProcessError when that line is not JSON.
 */
export function lastJsonLine<T>(run: ChildRun): T {
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch (cause) {
    throw new ChildProcessError(`expected a JSON line from the child, got "${line.slice(0, 200)}"`, run, {
      cause,
    });
  }
}

/** A temporary directory that is removed with everything in it when the benchmark ends. */
export interface ScratchDir {
  readonly path: string;
  remove(): void;
}

/** Creates a scratch directory under the system's temporary directory. */
export function scratchDir(prefix: string): ScratchDir {
  const path = mkdtempSync(join(tmpdir(), `tracer-bench-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
