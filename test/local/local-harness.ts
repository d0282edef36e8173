/**
 * Helpers for local-mode tests: temporary data folders, HTTP calls to a local server, and local mode run
 * as a child process the way `npm start` runs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A fresh empty folder under the system's temporary folder. */
export async function tempDir(prefix = 'tracer-local-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(path: string | undefined): Promise<void> {
  if (path) await rm(path, { recursive: true, force: true });
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown;
}

/**
 * One HTTP request to the server.
 * @example const answer = await call(server.url, 'POST', '/events', JSON.stringify(event));
 */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Local mode in a child process, started with `npx tsx lambda/local/main.ts`. */
export interface LocalChild {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the child wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal to the whole process group and resolves when npx exits. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts local mode as `npm start` does and waits for the banner's URL.
 * @example const child = await startLocalChild({ TRACER_DATA_DIR: dir }); ...; await child.stop('SIGINT');
 */
export async function startLocalChild(env: Record<string, string>, timeoutMs = 60_000): Promise<LocalChild> {
  const child = spawn('npx', ['tsx', 'lambda/local/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', TRACER_LOCAL_AWS: 'off', TRACER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a signal reaches npx, tsx and node together, as Ctrl-C does.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`local mode did not start: ${stdout}${stderr}`)),
      timeoutMs,
    );
    const check = () => {
      const match = /running locally on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local mode exited with ${code}: ${stdout}${stderr}`));
    });
  });
  return {
    url,
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async (signal) => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(-child.pid, signal);
      }
      return exited;
    },
  };
}
