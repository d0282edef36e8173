/**
 * The data folder's lock: an operating-system lock held by a live process, free as soon as that process has
 * ended, whatever `server.pid` says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalServerStartError, lockDataDir } from '../../lambda/local/data-dir-lock.js';
import { REPO_ROOT, removeDir, tempDir } from './local-harness.js';

let dataDir: string | undefined;
let holder: ChildProcess | undefined;

/** Kills this test's lock holder and resolves once Node has reaped it: it holds nothing any more. */
async function killHolder(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

afterEach(async () => {
  if (holder) await killHolder(holder);
  holder = undefined;
  await removeDir(dataDir);
  dataDir = undefined;
});

/** Another process that takes the lock and keeps it until it is killed. */
async function lockInAnotherProcess(dir: string): Promise<ChildProcess> {
  const script = `const { lockDataDir } = await import('./lambda/local/data-dir-lock.ts');
await lockDataDir(process.argv[1]);
process.stdout.write('locked\\n');
setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('locked')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}: ${output}`)));
  });
  return child;
}

describe('lockDataDir', () => {
  it('writes its process id to server.pid and removes it on release', async () => {
    // Prepare
    dataDir = await tempDir();

    // Act
    const lock = await lockDataDir(dataDir);
    const recorded = await readFile(join(dataDir, 'server.pid'), 'utf8');
    await lock.release();

    // Assess
    expect(recorded).toBe(`${process.pid}\n`);
    await expect(readFile(join(dataDir, 'server.pid'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a second lock in the same process, and lets the folder go on release', async () => {
    // Prepare
    dataDir = await tempDir();
    const first = await lockDataDir(dataDir);

    // Act
    const second = lockDataDir(dataDir);

    // Assess
    await expect(second).rejects.toThrow(`another tracer local server (process ${process.pid}) is using`);
    await first.release();
    const third = await lockDataDir(dataDir);
    await third.release();
  });

  it('rejects a lock that a live process holds, naming that process', async () => {
    // Prepare
    dataDir = await tempDir();
    holder = await lockInAnotherProcess(dataDir);

    // Act
    const attempt = lockDataDir(dataDir);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LocalServerStartError);
    await expect(attempt).rejects.toThrow(
      `another tracer local server (process ${holder.pid}) is using ${dataDir}; stop it, or set TRACER_DATA_DIR to another folder`,
    );
  });

  it('waits for a holder that lets go while it asks', async () => {
    // Prepare
    dataDir = await tempDir();
    holder = await lockInAnotherProcess(dataDir);
    const attempt = lockDataDir(dataDir, { waitMs: 20_000 });

    // Act
    await killHolder(holder);
    const lock = await attempt;
    await lock.release();

    // Assess
    expect(lock).toBeDefined();
  });

  it('takes the lock of a process killed with SIGKILL', async () => {
    // Prepare
    dataDir = await tempDir();
    holder = await lockInAnotherProcess(dataDir);
    await killHolder(holder);

    // Act
    const lock = await lockDataDir(dataDir);
    const recorded = await readFile(join(dataDir, 'server.pid'), 'utf8');
    await lock.release();

    // Assess
    expect(recorded).toBe(`${process.pid}\n`);
  });

  it('ignores a server.pid that names a running process which holds no lock', async () => {
    // Prepare
    dataDir = await tempDir();
    // This process's parent runs, and a process id alone proves nothing: ids are recycled.
    await writeFile(join(dataDir, 'server.pid'), `${process.ppid}\n`);

    // Act
    const lock = await lockDataDir(dataDir);
    const recorded = await readFile(join(dataDir, 'server.pid'), 'utf8');
    await lock.release();

    // Assess
    expect(recorded).toBe(`${process.pid}\n`);
  });
});
