import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogUnavailableError } from '../../lambda/core/errors.js';
import { type LocalLogBatch, LocalLogStore } from '../../lambda/local/local-log-store.js';
import { removeDir, tempDir } from './local-harness.js';

const GROUP = '/ecs/web';
const STREAM = 'ecs/web/abc';

function batch(events: Array<[number, string]>, logStream = STREAM): LocalLogBatch {
  return {
    logGroup: GROUP,
    logStream,
    events: events.map(([timestampMs, message]) => ({ timestampMs, message })),
  };
}

function read(store: LocalLogStore, startMs = 0, endMs = Number.MAX_SAFE_INTEGER, maxEvents?: number) {
  return store.readLogStream({
    containerName: 'web',
    logGroup: GROUP,
    logStream: STREAM,
    startMs,
    endMs,
    ...(maxEvents === undefined ? {} : { maxEvents }),
  });
}

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await tempDir('tracer-logs-');
  file = join(dir, 'logs.jsonl');
});

afterEach(async () => {
  await removeDir(dir);
});

describe('LocalLogStore', () => {
  it('keeps a stream sorted by time, with events of equal time in the order they were posted', async () => {
    // Prepare
    const store = await LocalLogStore.open();

    // Act
    await store.append([
      batch([
        [30, 'c'],
        [10, 'a'],
      ]),
    ]);
    await store.append([
      batch([
        [20, 'b'],
        [10, 'a2'],
      ]),
    ]);

    // Assess
    expect((await read(store)).events.map((e) => e.message)).toEqual(['a', 'a2', 'b', 'c']);
  });

  it('reads a window including both ends', async () => {
    // Prepare
    const store = await LocalLogStore.open();
    await store.append([
      batch([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
        [4, 'd'],
      ]),
    ]);

    // Act
    const result = await read(store, 2, 3);

    // Assess
    expect(result).toEqual({
      events: [
        { timestampMs: 2, message: 'b' },
        { timestampMs: 3, message: 'c' },
      ],
      calls: 1,
      truncated: false,
    });
  });

  it('cuts a read at maxEvents and says where to go on', async () => {
    // Prepare
    const store = await LocalLogStore.open();
    await store.append([
      batch([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ]),
    ]);

    // Act
    const cut = await read(store, 0, 10, 2);
    const exact = await read(store, 0, 10, 3);

    // Assess
    expect(cut).toMatchObject({
      truncated: true,
      resumeAfterMs: 2,
      events: [{ message: 'a' }, { message: 'b' }],
    });
    expect(exact).toMatchObject({ truncated: false });
  });

  it('fails like CloudWatch Logs for a missing group or stream', async () => {
    // Prepare
    const store = await LocalLogStore.open();
    await store.append([batch([[1, 'a']], 'ecs/web/other')]);

    // Act
    const missingStream = read(store);
    const missingGroup = store.readLogStream({
      containerName: 'web',
      logGroup: '/ecs/nope',
      logStream: STREAM,
      startMs: 0,
      endMs: 1,
    });

    // Assess
    await expect(missingStream).rejects.toMatchObject({
      reason: 'log-stream-not-found',
      message: `log stream ${STREAM} does not exist in log group ${GROUP}`,
    });
    await expect(missingGroup).rejects.toBeInstanceOf(LogUnavailableError);
    await expect(missingGroup).rejects.toMatchObject({ reason: 'log-group-not-found' });
  });

  it('writes each batch to its file before acknowledging it, and replays the file on open', async () => {
    // Prepare
    const store = await LocalLogStore.open(file);
    await store.append([batch([[1, 'a']]), batch([[2, 'b']], 'ecs/web/two')]);

    // Act
    const written = await readFile(file, 'utf8');
    await store.close();
    const reopened = await LocalLogStore.open(file);

    // Assess
    expect(written.trimEnd().split('\n')).toHaveLength(2);
    expect((await read(reopened)).events).toEqual([{ timestampMs: 1, message: 'a' }]);
    expect(reopened.has(GROUP, 'ecs/web/two')).toBe(true);
    expect(reopened.stats()).toEqual({ logStreams: 2, logEvents: 2, unreadableLines: 0 });
    await reopened.close();
  });

  it('cuts off a line torn by a crash, so that the next append starts on a line of its own', async () => {
    // Prepare
    await writeFile(file, `${JSON.stringify(batch([[1, 'kept']]))}\n{"logGroup":"/ecs/web","logS`);

    // Act
    const store = await LocalLogStore.open(file);
    await store.append([batch([[2, 'after']])]);
    await store.close();
    const reopened = await LocalLogStore.open(file);

    // Assess
    expect((await read(reopened)).events.map((e) => e.message)).toEqual(['kept', 'after']);
    expect(reopened.stats().unreadableLines).toBe(0);
    await reopened.close();
  });

  it('counts complete lines it cannot read back, and keeps the others', async () => {
    // Prepare
    await writeFile(file, `not json\n${JSON.stringify(batch([[1, 'kept']]))}\n`);
    await appendFile(file, `${JSON.stringify({ logGroup: GROUP })}\n`);

    // Act
    const store = await LocalLogStore.open(file);

    // Assess
    expect(store.stats()).toEqual({ logStreams: 1, logEvents: 1, unreadableLines: 2 });
    await store.close();
  });

  it('acknowledges nothing once it is closed', async () => {
    // Prepare
    const store = await LocalLogStore.open(file);
    await store.close();

    // Act
    const append = store.append([batch([[1, 'late']])]);

    // Assess
    await expect(append).rejects.toThrow('the log store is closed; the batches were not stored');
    expect(store.has(GROUP, STREAM)).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('');
  });
});
