/**
 * The cursor key of local mode: 32 random bytes in the data folder, created on first start and readable
 * only by its owner. It plays the part of the stack's Secrets Manager secret.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The key's file name in the data folder. */
export const CURSOR_KEY_FILE = 'cursor-key';

const KEY_BYTES = 32;

/**
 * The data folder's cursor key, created when it is missing or too short to be one.
 * @example const key = await loadLocalCursorKey('/home/me/.tracer');
 */
export async function loadLocalCursorKey(dataDir: string): Promise<Buffer> {
  const file = join(dataDir, CURSOR_KEY_FILE);
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    if (key.length >= KEY_BYTES) return key;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(KEY_BYTES);
  await writeFile(file, `${key.toString('base64url')}\n`, { mode: 0o600 });
  return key;
}
