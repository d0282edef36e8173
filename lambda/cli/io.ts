/** The CLI's contact with the outside world, passed in so that tests run it in-process. */

/** A writable text stream (process.stdout, process.stderr, or a test buffer). */
export interface OutputStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly nowMs: () => number;
  /** The zone of timestamps when neither --tz nor TRACER_TZ is set (TZ, or the system's zone). */
  readonly localTimeZone: string;
}

/**
 * The real process: its streams, its environment, the wall clock and the local time zone.
 * @example process.exitCode = await runCli(process.argv.slice(2), processIo());
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    nowMs: () => Date.now(),
    // Looked up only when a command needs it: loading the zone data is the costliest step of start-up.
    get localTimeZone() {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    },
  };
}

/**
 * Writes text and waits for the stream to drain when it asks to, so that a large trace piped into a slow
 * reader does not pile up in memory.
 * @example await writeText(io.stdout, 'default\n');
 */
export async function writeText(stream: OutputStream, text: string): Promise<void> {
  if (text === '') return;
  const flushed = stream.write(text);
  if (!flushed && stream.once) {
    await new Promise<void>((resolve) => {
      stream.once?.('drain', resolve);
    });
  }
}
