/** Runs the CLI in-process with captured streams, a fixed clock and a chosen local time zone. */
import type { CliIo, OutputStream } from '../../lambda/cli/io.js';
import { type CliDeps, runCli } from '../../lambda/cli/main.js';

export interface CapturedStream extends OutputStream {
  readonly text: () => string;
}

/** A stream that keeps what is written; `isTTY` pretends to be a terminal. */
export function captureStream(isTTY = false): CapturedStream {
  const chunks: string[] = [];
  return {
    isTTY,
    write(text: string) {
      chunks.push(text);
      return true;
    },
    text: () => chunks.join(''),
  };
}

export interface TracerRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** 2024-05-01T12:00:00Z: a fixed "now" for relative times. */
export const FIXED_NOW_MS = Date.parse('2024-05-01T12:00:00Z');

/**
 * Runs `tracer ...argv` in-process.
 * @example const { code, stdout } = await runTracer(['--endpoint', api.url, 'default']);
 */
export async function runTracer(
  argv: readonly string[],
  options: {
    readonly env?: Readonly<Record<string, string | undefined>>;
    readonly localTimeZone?: string;
    readonly tty?: boolean;
    readonly deps?: Partial<CliDeps>;
  } = {},
): Promise<TracerRun> {
  const stdout = captureStream(options.tty ?? false);
  const stderr = captureStream(options.tty ?? false);
  const io: CliIo = {
    stdout,
    stderr,
    env: options.env ?? {},
    nowMs: () => FIXED_NOW_MS,
    localTimeZone: options.localTimeZone ?? 'Asia/Tokyo',
  };
  const code = await runCli(argv, io, options.deps);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
