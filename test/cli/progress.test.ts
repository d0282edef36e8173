import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withProgress } from '../../lambda/cli/progress.js';
import { captureStream } from './run-cli.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Work that finishes when the test says so. */
function pendingWork() {
  let finish: (value: string) => void = () => {};
  const promise = new Promise<string>((resolve) => {
    finish = resolve;
  });
  return { work: () => promise, finish };
}

describe('withProgress', () => {
  it('shows a spinner on stderr once the work takes longer than the delay, and erases it afterwards', async () => {
    // Prepare
    const stdout = captureStream(true);
    const stderr = captureStream(true);
    const { work, finish } = pendingWork();

    // Act
    const result = withProgress(stdout, stderr, 'fetching trace…', work, { delayMs: 300, intervalMs: 100 });
    await vi.advanceTimersByTimeAsync(299);
    const beforeDelay = stderr.text();
    await vi.advanceTimersByTimeAsync(250);
    finish('done');

    // Assess
    expect(await result).toBe('done');
    expect(beforeDelay).toBe('');
    expect(stderr.text()).toBe('\r⠋ fetching trace…\r⠙ fetching trace…\r⠹ fetching trace…\r\x1b[K');
    expect(stdout.text()).toBe('');
  });

  it('shows nothing for work that ends before the delay', async () => {
    // Prepare
    const stderr = captureStream(true);

    // Act
    await withProgress(captureStream(true), stderr, 'fetching trace…', async () => 'quick');
    await vi.advanceTimersByTimeAsync(1000);

    // Assess
    expect(stderr.text()).toBe('');
  });

  it.each([
    ['stdout is piped', false, true],
    ['stderr is piped', true, false],
  ])('shows nothing when %s', async (_name, stdoutTty, stderrTty) => {
    // Prepare
    const stderr = captureStream(stderrTty);
    const { work, finish } = pendingWork();

    // Act
    const result = withProgress(captureStream(stdoutTty), stderr, 'fetching trace…', work);
    await vi.advanceTimersByTimeAsync(5000);
    finish('done');
    await result;

    // Assess
    expect(stderr.text()).toBe('');
  });

  it('erases the spinner when the work fails, and passes the failure on', async () => {
    // Prepare
    const stderr = captureStream(true);
    let fail: (error: Error) => void = () => {};
    const work = () =>
      new Promise<string>((_resolve, reject) => {
        fail = reject;
      });

    // Act
    const result = withProgress(captureStream(true), stderr, 'x', work).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(400);
    fail(new Error('boom'));

    // Assess
    expect(await result).toEqual(new Error('boom'));
    expect(stderr.text().endsWith('\r\x1b[K')).toBe(true);
  });
});
