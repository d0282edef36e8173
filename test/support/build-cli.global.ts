/**
 * Vitest global setup: builds dist/cli/tracer.mjs once before any suite runs, so that the suites that start
 * the built CLI as a child process share one build instead of racing to rewrite dist/cli in parallel forks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The built CLI that the child-process suites run. */
export const BUILT_CLI = join(ROOT, 'dist', 'cli', 'tracer.mjs');

/**
 * The built CLI's path, or a clear failure when the global setup did not build it.
 * @example execFile(process.execPath, [requireBuiltCli(), '--version'])
 */
export function requireBuiltCli(): string {
  if (!existsSync(BUILT_CLI)) {
    throw new Error(
      `${BUILT_CLI} is missing: run the tests through vitest.config.ts (its globalSetup builds the CLI) or run node scripts/build.mjs`,
    );
  }
  return BUILT_CLI;
}

/** Builds the CLI with the project's own build script. */
export function setup(): void {
  try {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  } catch (cause) {
    const stderr =
      typeof cause === 'object' && cause !== null && 'stderr' in cause ? String(cause.stderr).trim() : '';
    throw new Error(`node scripts/build.mjs failed${stderr ? `: ${stderr}` : ''}`, { cause });
  }
}
