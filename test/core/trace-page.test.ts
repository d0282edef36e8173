import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../lambda/core/errors.js';
import { MAX_CURSOR_SKIP } from '../../lambda/core/request/page-limits.js';
import type { TraceLine } from '../../lambda/core/trace.js';
import {
  cursorAfter,
  decodeTraceCursor,
  encodeTraceCursor,
  pageTrace,
  startIndex,
} from '../../lambda/core/trace-page.js';

const at = (epochMs: number, message: string): TraceLine => ({
  epochMs,
  source: 'CONTAINER:app',
  message,
  kind: 'log',
});
const trace = [at(1, 'a'), at(2, 'b'), at(2, 'c'), at(2, 'd'), at(3, 'e'), at(4, 'f')];
const messages = (lines: readonly TraceLine[]) => lines.map((l) => l.message).join('');

describe('trace cursors', () => {
  it('round-trips a position through an opaque URL-safe string', () => {
    const text = encodeTraceCursor({ epochMs: 1638497184873, skip: 3 });
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeTraceCursor(text)).toEqual({ epochMs: 1638497184873, skip: 3 });
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64 of something else', Buffer.from('{"hello":1}').toString('base64url')],
    ['a negative skip', Buffer.from('{"v":1,"t":5,"n":-1}').toString('base64url')],
    ['another version', Buffer.from('{"v":2,"t":5,"n":1}').toString('base64url')],
    ['an empty string', ''],
    ['a very long string', 'A'.repeat(600)],
  ])('rejects %s', (_name, text) => {
    expect(() => decodeTraceCursor(text)).toThrow(InvalidInputError);
  });

  it.each([
    [undefined, 0],
    [{ epochMs: 2, skip: 0 }, 1],
    [{ epochMs: 2, skip: 2 }, 3],
    [{ epochMs: 2, skip: 9 }, 4],
    [{ epochMs: 5, skip: 0 }, 6],
  ])('starts after the cursor %o at index %d', (cursor, expected) => {
    expect(startIndex(trace, cursor)).toBe(expected);
  });

  it('counts the lines of the last millisecond, continuing the previous count on the same millisecond', () => {
    expect(cursorAfter(trace.slice(0, 3))).toEqual({ epochMs: 2, skip: 2 });
    expect(cursorAfter(trace.slice(2, 3), { epochMs: 2, skip: 1 })).toEqual({ epochMs: 2, skip: 2 });
    expect(cursorAfter([], { epochMs: 2, skip: 1 })).toEqual({ epochMs: 2, skip: 1 });
  });

  it(`moves to the next millisecond rather than issue a cursor that skips more than ${MAX_CURSOR_SKIP} lines`, () => {
    const crowded = Array.from({ length: MAX_CURSOR_SKIP + 1 }, () => ({
      ...(trace[0] as TraceLine),
      epochMs: 7,
    }));
    expect(cursorAfter(crowded.slice(0, MAX_CURSOR_SKIP))).toEqual({ epochMs: 7, skip: MAX_CURSOR_SKIP });
    expect(cursorAfter(crowded)).toEqual({ epochMs: 8, skip: 0 });
  });

  it(`rejects a cursor that skips more than ${MAX_CURSOR_SKIP} lines`, () => {
    expect(() => decodeTraceCursor(encodeTraceCursor({ epochMs: 7, skip: MAX_CURSOR_SKIP + 1 }))).toThrow(
      InvalidInputError,
    );
  });
});

describe('pageTrace', () => {
  it('returns everything without a limit', () => {
    expect(pageTrace(trace, {})).toEqual({ lines: trace });
  });

  it('walks the whole trace in pages, with no line lost or repeated, even inside one millisecond', () => {
    // Prepare
    const seen: TraceLine[] = [];
    let cursor: string | undefined;

    // Act
    for (let i = 0; i < 10; i++) {
      const page = pageTrace(trace, {
        maxLines: 2,
        ...(cursor ? { cursor: decodeTraceCursor(cursor) } : {}),
      });
      seen.push(...page.lines);
      cursor = page.nextCursor;
      if (!cursor) break;
    }

    // Assess
    expect(messages(seen)).toBe('abcdef');
  });

  it('holds back lines from the horizon on, where a container may have unread events', () => {
    const page = pageTrace(trace, { horizonMs: 3 });
    expect(messages(page.lines)).toBe('abcd');
    expect(decodeTraceCursor(page.nextCursor ?? '')).toEqual({ epochMs: 2, skip: 3 });
  });

  it('still moves forward when the horizon is the first millisecond of the page', () => {
    const page = pageTrace(trace, { cursor: { epochMs: 2, skip: 1 }, horizonMs: 2 });
    expect(messages(page.lines)).toBe('cd');
    expect(page.nextCursor).toBeDefined();
  });

  it('holds back every line from where the reads stopped, with a cursor to go on from there', () => {
    const page = pageTrace(trace, { stoppedAtMs: 3 });
    expect(messages(page.lines)).toBe('abcd');
    expect(decodeTraceCursor(page.nextCursor ?? '')).toEqual({ epochMs: 2, skip: 3 });
  });

  it('gives a cursor where the reads stopped even when they stopped before the first line', () => {
    const page = pageTrace(trace, { stoppedAtMs: 0 });
    expect(page.lines).toEqual([]);
    expect(decodeTraceCursor(page.nextCursor ?? '')).toEqual({ epochMs: 0, skip: 0 });
  });

  it('keeps the request’s own cursor when nothing was read past it', () => {
    const page = pageTrace(trace, { cursor: { epochMs: 4, skip: 1 }, stoppedAtMs: 4 });
    expect(page.lines).toEqual([]);
    expect(decodeTraceCursor(page.nextCursor ?? '')).toEqual({ epochMs: 4, skip: 1 });
  });

  it('moves forward through the millisecond where the reads stopped when nothing comes before it', () => {
    const page = pageTrace(trace, { cursor: { epochMs: 2, skip: 1 }, stoppedAtMs: 2 });
    expect(messages(page.lines)).toBe('cd');
    expect(decodeTraceCursor(page.nextCursor ?? '')).toEqual({ epochMs: 2, skip: 3 });
  });

  it('cuts at the earlier of the horizon and the stop', () => {
    expect(messages(pageTrace(trace, { horizonMs: 4, stoppedAtMs: 2 }).lines)).toBe('a');
    expect(messages(pageTrace(trace, { horizonMs: 2, stoppedAtMs: 4 }).lines)).toBe('a');
  });

  it('ends without a cursor when the last page is returned', () => {
    expect(pageTrace(trace, { maxLines: 6 }).nextCursor).toBeUndefined();
    expect(pageTrace(trace, { cursor: { epochMs: 4, skip: 1 } })).toEqual({ lines: [] });
  });
});
