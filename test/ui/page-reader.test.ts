import { describe, expect, it } from 'vitest';
import type { TraceResponse } from '../../lambda/core/api-types.js';
import type { OpenedTracePage } from '../../lambda/ui/app/api.js';
import { readPagesAhead } from '../../lambda/ui/app/page-reader.js';

const task = {
  cluster: 'default',
  taskId: '834a5628bef14f2dbb81c7bc0b272160',
  taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/default/834a5628bef14f2dbb81c7bc0b272160',
  lastStatus: 'STOPPED',
  version: 6,
  containers: [],
  source: 'recorded' as const,
};

const pageOf = (n: number, nextCursor?: string): TraceResponse => ({
  task,
  lines: [
    {
      timestamp: new Date(n * 1_000).toISOString(),
      epochMs: n * 1_000,
      source: 'CONTAINER:app',
      message: `page ${n}`,
      kind: 'log',
    },
  ],
  logCalls: 1,
  ...(nextCursor !== undefined ? { nextCursor } : {}),
});

/**
 * A server of `count` pages (`c1`, `c2`, ... lead to pages 1, 2, ...) whose bodies arrive only when the test
 * lets them; it logs each request, each page handed over, and what was in flight.
 */
function pagedServer(count: number, options: { cursorHeader?: boolean; failAt?: number } = {}) {
  const log: string[] = [];
  const bodies = new Map<string, () => void>();
  let inFlight = 0;
  let mostInFlight = 0;
  const open = async (cursor: string): Promise<OpenedTracePage> => {
    log.push(`ask ${cursor}`);
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    const n = Number(cursor.slice(1));
    if (n === options.failAt) throw new Error(`page ${n} failed`);
    const next = n < count ? `c${n + 1}` : undefined;
    const page = new Promise<TraceResponse>((resolve) => {
      bodies.set(cursor, () => {
        log.push(`body ${cursor}`);
        inFlight--;
        resolve(pageOf(n, next));
      });
    });
    return {
      ...(options.cursorHeader !== false && next !== undefined ? { nextCursor: next } : {}),
      page,
    };
  };
  /** Lets every body that was asked for arrive, once the reader has had its turn. */
  const deliver = async () => {
    for (let round = 0; round < 20; round++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      for (const [cursor, arrive] of bodies) {
        bodies.delete(cursor);
        arrive();
      }
    }
  };
  return {
    log,
    open,
    deliver,
    get mostInFlight() {
      return mostInFlight;
    },
  };
}

describe('readPagesAhead', () => {
  it("asks for the next page once a page's headers name it, before its body is read, one page ahead", async () => {
    // Prepare
    const server = pagedServer(3);
    const read: string[] = [];

    // Act
    const done = readPagesAhead(
      'c1',
      server.open,
      (page, last) => {
        server.log.push(`draw ${page.lines[0]?.message}${last ? ' (last)' : ''}`);
        read.push(page.lines[0]?.message ?? '');
      },
      new AbortController().signal,
    );
    await server.deliver();
    await done;

    // Assess
    expect(server.log).toEqual([
      'ask c1',
      'ask c2',
      'body c1',
      'body c2',
      'draw page 1',
      'ask c3',
      'draw page 2',
      'body c3',
      'draw page 3 (last)',
    ]);
    expect(read).toEqual(['page 1', 'page 2', 'page 3']);
    expect(server.mostInFlight).toBe(2);
  });

  it('asks for the next page once the body is read, before drawing it, when the server sends no cursor header', async () => {
    const server = pagedServer(3, { cursorHeader: false });

    const done = readPagesAhead(
      'c1',
      server.open,
      (page) => server.log.push(`draw ${page.lines[0]?.message}`),
      new AbortController().signal,
    );
    await server.deliver();
    await done;

    expect(server.log).toEqual([
      'ask c1',
      'body c1',
      'ask c2',
      'draw page 1',
      'body c2',
      'ask c3',
      'draw page 2',
      'body c3',
      'draw page 3',
    ]);
    expect(server.mostInFlight).toBe(1);
  });

  it('reads nothing when the first page was the whole trace', async () => {
    const server = pagedServer(3);

    await readPagesAhead(undefined, server.open, () => server.log.push('draw'), new AbortController().signal);

    expect(server.log).toEqual([]);
  });

  it('fails with the error of a page asked for ahead, after drawing the pages before it', async () => {
    const server = pagedServer(3, { failAt: 2 });
    const drawn: string[] = [];

    const done = readPagesAhead(
      'c1',
      server.open,
      (page) => drawn.push(page.lines[0]?.message ?? ''),
      new AbortController().signal,
    );
    const failed = expect(done).rejects.toThrow('page 2 failed');
    await server.deliver();
    await failed;

    expect(drawn).toEqual(['page 1']);
  });

  it('stops when the page is left, drawing nothing more and asking for nothing more', async () => {
    const server = pagedServer(5);
    const controller = new AbortController();
    const drawn: string[] = [];

    const done = readPagesAhead(
      'c1',
      server.open,
      (page) => {
        drawn.push(page.lines[0]?.message ?? '');
        controller.abort();
      },
      controller.signal,
    );
    await server.deliver();
    await done;

    expect(drawn).toEqual(['page 1']);
    expect(server.log).toEqual(['ask c1', 'ask c2', 'body c1', 'body c2']);
  });
});
