/**
 * One local server per data folder: LevelDB allows one process at a time, and a second one would fail
 * deep inside the embedded DynamoDB server instead of saying why.
 *
 * The lock is an operating-system lock, not a process id: LevelDB's own (an `fcntl` lock on POSIX,
 * `LockFileEx` on Windows) on a small store kept open for as long as the server runs. The kernel drops it
 * when the process exits, however it exits: after `kill -9`, and while the dead process is a zombie that
 * nobody has reaped yet. A recycled process id cannot fake it either. `server.pid` only names the holder
 * in the message a second server prints.
 */
import { readFile, realpath, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClassicLevel } from 'classic-level';
import { TracerError } from '../core/errors.js';

/** Local mode could not start: the port is taken, or another server holds the data folder. */
export class LocalServerStartError extends TracerError {}

/** The store whose LevelDB lock is the data folder's lock. */
export const LOCK_STORE = 'server.lock';
/** The holder's process id, for messages. */
export const PID_FILE = 'server.pid';
/**
 * How long a start waits for a held lock before it gives up. A server killed a moment ago may still be
 * letting go: its main thread can be a zombie while its other threads (LevelDB's, libuv's) finish exiting,
 * and the open files, locks included, go with the last of them.
 */
export const LOCK_WAIT_MS = 2000;
const LOCK_POLL_MS = 100;

/** A held data-folder lock. */
export interface DataDirLock {
  /** Lets go of the folder: the next server may start there. */
  release(): Promise<void>;
}

/**
 * Folders locked by this process. LevelDB refuses a second open of the same store in one process, but its
 * refusal closes a descriptor of the lock file, and closing any descriptor drops every `fcntl` lock the
 * process holds on that file: the second attempt must never reach LevelDB.
 */
const heldHere = new Set<string>();

function isLocked(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return (cause as { code?: unknown } | undefined)?.code === 'LEVEL_LOCKED';
}

async function recordedHolder(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, PID_FILE), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function heldBy(dataDir: string, pid: number | undefined): LocalServerStartError {
  const who =
    pid === undefined ? 'another tracer local server' : `another tracer local server (process ${pid})`;
  return new LocalServerStartError(
    `${who} is using ${dataDir}; stop it, or set TRACER_DATA_DIR to another folder`,
  );
}

/**
 * Takes the data folder's lock and writes this process's id to `server.pid`. A lock left by a process that
 * was killed is free as soon as the process has ended; a held lock is asked for again for up to `waitMs`.
 * @throws LocalServerStartError when a running process holds the folder, naming it.
 * @example const lock = await lockDataDir('.data'); try { ... } finally { await lock.release(); }
 */
export async function lockDataDir(
  dataDir: string,
  options: { readonly waitMs?: number } = {},
): Promise<DataDirLock> {
  const key = await realpath(dataDir);
  if (heldHere.has(key)) throw heldBy(dataDir, process.pid);
  heldHere.add(key);
  const deadline = performance.now() + (options.waitMs ?? LOCK_WAIT_MS);
  let store: ClassicLevel;
  for (;;) {
    store = new ClassicLevel(join(dataDir, LOCK_STORE));
    try {
      await store.open();
      break;
    } catch (error) {
      if (isLocked(error) && performance.now() < deadline) {
        await sleep(LOCK_POLL_MS);
        continue;
      }
      heldHere.delete(key);
      if (isLocked(error)) throw heldBy(dataDir, await recordedHolder(dataDir));
      const reason = (error as { cause?: Error } | undefined)?.cause?.message ?? String(error);
      throw new LocalServerStartError(`cannot lock ${dataDir} (${reason})`, { cause: error });
    }
  }
  try {
    await writeFile(join(dataDir, PID_FILE), `${process.pid}\n`);
  } catch (error) {
    await store.close();
    heldHere.delete(key);
    throw error;
  }
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= (async () => {
        try {
          // The file goes first: once the lock is free, it belongs to the next holder.
          if ((await recordedHolder(dataDir)) === process.pid) {
            await unlink(join(dataDir, PID_FILE)).catch(() => undefined);
          }
        } finally {
          await store.close();
          heldHere.delete(key);
        }
      })();
      return released;
    },
  };
}
