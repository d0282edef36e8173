import { describe, expect, it } from 'vitest';
import {
  advanceSince,
  decodeSinceCursor,
  encodeSinceCursor,
  InvalidSinceCursorError,
  LineLedger,
  linesAfter,
  MAX_CURSOR_POSITIONS,
  type SinceCursor,
} from '../../lambda/core/follow.js';

const line = (epochMs: number, source: string, message: string) => ({ epochMs, source, message });

describe('since cursor', () => {
  it('survives an encode and decode round trip, positions and stream tokens included', () => {
    // Prepare
    const cursor: SinceCursor = {
      kind: 'trace',
      readMs: 1_700_000_000_000,
      sources: { TASK: { lastMs: 5, count: 1 }, 'CONTAINER:app': { lastMs: 9, count: 2 } },
      streams: {
        '/ecs/app|ecs/app/1': { lastMs: 9, token: 'f/3823/s' },
        '/ecs/app|ecs/side/1': { lastMs: 2 },
      },
    };

    // Act
    const text = encodeSinceCursor(cursor);

    // Assess
    expect(text).toMatch(/^eyJ[A-Za-z0-9_-]+$/);
    expect(decodeSinceCursor(text, 'trace')).toEqual(cursor);
  });

  it.each([
    ['', /is not a since cursor that tracer issued/],
    ['not base64!', /is not a since cursor that tracer issued/],
    [Buffer.from('[1,2]').toString('base64url'), /is not a since cursor that tracer issued/],
    [
      Buffer.from('{"v":2,"k":"trace","r":1,"p":[]}').toString('base64url'),
      /has version 2, and this tracer reads version 1/,
    ],
    [
      Buffer.from('{"v":1,"k":"trace","r":1,"p":[["TASK",1,-1]]}').toString('base64url'),
      /is not a since cursor/,
    ],
    [
      Buffer.from('{"v":1,"k":"tasks","r":1,"p":[]}').toString('base64url'),
      /is the cursor of a task listing, not of a task trace/,
    ],
  ])('rejects %j with a specific message', (text, message) => {
    // Act
    const decode = () => decodeSinceCursor(text, 'trace');

    // Assess
    expect(decode).toThrow(InvalidSinceCursorError);
    expect(decode).toThrow(message);
    expect(decode).toThrow(/^since: /);
  });

  it('rejects a cursor with more positions than tracer keeps', () => {
    // Prepare
    const p = Array.from({ length: MAX_CURSOR_POSITIONS + 1 }, (_, i) => [`S${i}`, i, 1]);
    const text = Buffer.from(JSON.stringify({ v: 1, k: 'trace', r: 1, p })).toString('base64url');

    // Act / Assess
    expect(() => decodeSinceCursor(text, 'trace')).toThrow(InvalidSinceCursorError);
  });
});

describe('linesAfter and advanceSince', () => {
  it('answers each source from its own position, counting lines of the same millisecond', () => {
    // Prepare
    const first = [line(1, 'TASK', 'Created'), line(3, 'CONTAINER:app', 'a'), line(3, 'CONTAINER:app', 'b')];
    const cursor = advanceSince(undefined, 'trace', first, 10);
    const rebuilt = [
      line(1, 'TASK', 'Created'),
      // A late line of another source, older than the newest line answered: still new.
      line(2, 'CONTAINER:side', 'late'),
      line(3, 'CONTAINER:app', 'a'),
      line(3, 'CONTAINER:app', 'b'),
      line(3, 'CONTAINER:app', 'c'),
      line(4, 'TASK', 'Started'),
    ];

    // Act
    const fresh = linesAfter(cursor, rebuilt);

    // Assess
    expect(fresh.map((l) => l.message)).toEqual(['late', 'c', 'Started']);
    expect(advanceSince(cursor, 'trace', fresh, 20).sources).toEqual({
      TASK: { lastMs: 4, count: 1 },
      'CONTAINER:app': { lastMs: 3, count: 3 },
      'CONTAINER:side': { lastMs: 2, count: 1 },
    });
  });

  it('keeps the newest positions when there are more sources than a cursor holds', () => {
    // Prepare
    const lines = Array.from({ length: MAX_CURSOR_POSITIONS + 5 }, (_, i) => line(i, `TASK:${i}`, 'RUNNING'));

    // Act
    const cursor = advanceSince(undefined, 'tasks', lines, 1_000);

    // Assess
    expect(Object.keys(cursor.sources)).toHaveLength(MAX_CURSOR_POSITIONS);
    expect(cursor.sources['TASK:0']).toBeUndefined();
    expect(cursor.sources[`TASK:${MAX_CURSOR_POSITIONS + 4}`]).toEqual({
      lastMs: MAX_CURSOR_POSITIONS + 4,
      count: 1,
    });
  });
});

describe('LineLedger', () => {
  it('lets each line through once, in the order given, across overlapping polls', () => {
    // Prepare
    const ledger = new LineLedger();

    // Act
    const first = ledger.admit([line(1, 'TASK', 'Created'), line(2, 'CONTAINER:app', 'one')]);
    const second = ledger.admit([
      line(2, 'CONTAINER:app', 'one'),
      line(3, 'CONTAINER:app', 'two'),
      line(3, 'CONTAINER:app', 'two'),
    ]);

    // Assess
    expect(first.map((l) => l.message)).toEqual(['Created', 'one']);
    expect(second.map((l) => l.message)).toEqual(['two']);
  });

  it('stays within its capacity', () => {
    // Prepare
    const ledger = new LineLedger(3);

    // Act
    ledger.admit([1, 2, 3, 4, 5].map((ms) => line(ms, 'CONTAINER:app', `m${ms}`)));

    // Assess
    expect(ledger.size).toBe(3);
    expect(ledger.admit([line(6, 'CONTAINER:app', 'm6')])).toHaveLength(1);
  });
});
