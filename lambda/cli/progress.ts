/** A small spinner on stderr while a fetch takes a while, only when a person is watching a terminal. */

/** What the spinner writes to. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressOptions {
  /** Quick answers show nothing. @default 300 */
  readonly delayMs?: number;
  /** @default 80 */
  readonly intervalMs?: number;
}

/**
 * Runs `work` and shows `label` with a spinner on `stderr` when it takes longer than `delayMs`, and only
 * when both stdout and stderr are terminals: piped output stays clean. The line is erased afterwards.
 * @example const text = await withProgress(io.stdout, io.stderr, 'fetching trace…', () => source.getTraceText(...));
 */
export async function withProgress<T>(
  stdout: { readonly isTTY?: boolean },
  stderr: ProgressStream,
  label: string,
  work: () => Promise<T>,
  options: ProgressOptions = {},
): Promise<T> {
  if (!stdout.isTTY || !stderr.isTTY) return work();
  let frame = 0;
  let shown = false;
  let interval: ReturnType<typeof setInterval> | undefined;
  const draw = () => {
    stderr.write(`\r${FRAMES[frame % FRAMES.length]} ${label}`);
    frame += 1;
    shown = true;
  };
  const delay = setTimeout(() => {
    draw();
    interval = setInterval(draw, options.intervalMs ?? 80);
    // The spinner must never be what keeps the process alive.
    interval.unref?.();
  }, options.delayMs ?? 300);
  delay.unref?.();
  try {
    return await work();
  } finally {
    clearTimeout(delay);
    if (interval) clearInterval(interval);
    if (shown) stderr.write('\r\x1b[K');
  }
}
