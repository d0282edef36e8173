/**
 * One local server per data folder: LevelDB allows one process at a time, and a second one would fail
 * deep inside the embedded DynamoDB server instead of saying why.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TracerError } from '../core/errors.js';

/** Local mode could not start: the port is taken, or another server holds the data folder. */
export class LocalServerStartError extends TracerError {}

const LOCK_FILE = 'server.pid';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data folder's lock file (`server.pid`, holding this process's id). A lock left by a process
 * that no longer runs is taken over.
 * @throws LocalServerStartError when a running process holds the lock.
 * @example const lock = await lockDataDir('.data'); try { ... } finally { await lock.release(); }
 */
export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) {
      throw new LocalServerStartError(
        `another tracer local server (process ${pid}) is using ${dataDir}; stop it, or set TRACER_DATA_DIR to another folder`,
      );
    }
    await unlink(path).catch(() => undefined);
  }
  throw new LocalServerStartError(
    `could not take the lock ${path}; remove it if no tracer server is running`,
  );
}
