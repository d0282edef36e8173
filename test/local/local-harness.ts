/**
 * Helpers for local-mode tests: temporary data folders, HTTP calls to a local server, and local mode run
 * as a child process the way `npm start` runs it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../lambda/config/logger.js';
import { type LocalServer, startLocalServer } from '../../lambda/local/local-server.js';

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
  // Local mode takes writes only as JSON; a test of other types passes its own content-type.
  const sent =
    method === 'POST' && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
      ? { ...headers, 'content-type': 'application/json' }
      : headers;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: sent,
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

/** A quiet local server in this process over a fresh data folder; `close` removes the folder too. */
export interface SeededLocalServer {
  readonly server: LocalServer;
  readonly dataDir: string;
  close(): Promise<void>;
}

/**
 * Local mode without samples or AWS, on a free port, holding the given task definitions and events.
 * @throws Error when local mode does not accept them.
 * @example const local = await startSeededLocalServer({ taskDefinitions: [definition], events });
 */
export async function startSeededLocalServer(seed: {
  readonly taskDefinitions?: unknown;
  readonly events?: readonly unknown[];
  readonly dataDirPrefix?: string;
}): Promise<SeededLocalServer> {
  const dataDir = await tempDir(seed.dataDirPrefix);
  const server = await startLocalServer({
    port: 0,
    dataDir,
    aws: 'off',
    samples: false,
    logger: silentLogger,
    logRequest: () => {},
  });
  const close = async () => {
    await server.close();
    await removeDir(dataDir);
  };
  const posts: [string, string | undefined][] = [
    [
      '/task-definitions',
      seed.taskDefinitions === undefined ? undefined : JSON.stringify(seed.taskDefinitions),
    ],
    ['/events', seed.events?.map((event) => JSON.stringify(event)).join('\n')],
  ];
  for (const [path, body] of posts) {
    if (body === undefined) continue;
    const answer = await call(server.url, 'POST', path, body);
    if (answer.status !== 200) {
      await close();
      throw new Error(`local mode refused POST ${path}: ${answer.status} ${answer.text}`);
    }
  }
  return { server, dataDir, close };
}

/** Local mode in a child process, started with `npx tsx lambda/local/main.ts`. */
export interface LocalChild {
  readonly url: string;
  readonly process: ChildProcess;
  /** The server's own process (the one that holds the data folder), as its `server.pid` names it. */
  readonly serverPid: number;
  /** Everything the child wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /**
   * Sends a signal to the whole process group and resolves when the child exits and the server process
   * has ended (exited, or a zombie nobody has reaped: either way it holds nothing any more).
   */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** How the server process is started. */
export type LocalChildParent =
  /** As `npm start` does, through npx and tsx. */
  | 'npx'
  /**
   * As the background job of a shell that then becomes `sleep`, which never waits for children: once the
   * server ends it stays a zombie for as long as the test wants.
   */
  | 'non-reaping';

/**
 * The state letter of a process (`R`, `S`, `Z`, ...), or undefined when there is no such process: from
 * `/proc/<pid>/stat` on Linux, else from `ps -o stat=`, which works alike on macOS.
 * @throws when neither can tell, rather than calling a process gone that may still run.
 */
export async function processState(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces and parentheses itself; the state follows the last one.
    const end = stat.lastIndexOf(')');
    return stat.slice(end + 2, end + 3);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat')) return undefined;
  }
  return new Promise((resolve, reject) => {
    execFile('ps', ['-o', 'stat=', '-p', String(pid)], (error, stdout, stderr) => {
      const state = stdout.trim();
      if (!error && state !== '') resolve(state.slice(0, 1));
      // ps exits 1 and prints nothing when the process does not exist.
      else if (error?.code === 1 && state === '') resolve(undefined);
      else reject(new Error(`ps could not tell the state of process ${pid}: ${error?.message ?? stderr}`));
    });
  });
}

/**
 * Whether a process has ended: gone, or a zombie whose threads have all exited. A process's main thread
 * shows as a zombie while its other threads may still be exiting, and its open files, and their locks, go
 * only with the last thread; `/proc/<pid>/task` lists the threads that remain (Linux; elsewhere the state
 * alone is what can be seen).
 */
export async function hasEnded(pid: number): Promise<boolean> {
  const state = await processState(pid);
  if (state === undefined) return true;
  if (state !== 'Z') return false;
  try {
    return (await readdir(`/proc/${pid}/task`)).length <= 1;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Resolves once the process has ended: gone, or a zombie (see `hasEnded`). */
export async function waitUntilEnded(pid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await hasEnded(pid))) {
    if (Date.now() > deadline) throw new Error(`process ${pid} is still running`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts local mode as `npm start` does and waits for the banner's URL.
 * @example const child = await startLocalChild({ TRACER_DATA_DIR: dir }); ...; await child.stop('SIGINT');
 */
export async function startLocalChild(
  env: Record<string, string>,
  options: { readonly parent?: LocalChildParent; readonly timeoutMs?: number } = {},
): Promise<LocalChild> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const [command, ...args] =
    options.parent === 'non-reaping'
      ? ['sh', '-c', 'node --import tsx lambda/local/main.ts & exec sleep 86400']
      : ['npx', 'tsx', 'lambda/local/main.ts'];
  const child = spawn(command as string, args, {
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
  const dataDir = env.TRACER_DATA_DIR;
  if (!dataDir) throw new Error('startLocalChild needs TRACER_DATA_DIR');
  const serverPid = Number((await readFile(join(dataDir, 'server.pid'), 'utf8')).trim());
  return {
    url,
    process: child,
    serverPid,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async (signal) => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(-child.pid, signal);
      }
      const code = await exited;
      await waitUntilEnded(serverPid);
      return code;
    },
  };
}
