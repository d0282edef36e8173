import { describe, expect, it } from 'vitest';
import type { TraceLineJson } from '../../lambda/core/api-types.js';
import { InvalidInputError, TracerError } from '../../lambda/core/errors.js';
import {
  collectLines,
  decodeTracePosition,
  encodeTracePosition,
  type LinePage,
  type SizedLine,
  shortenJsonLine,
  shortenTextLine,
  splitTraceText,
  type TextTraceLine,
  type TracePosition,
  toJsonTraceLine,
  utf8Prefix,
} from '../../lambda/mcp/trace-cut.js';

interface Line extends SizedLine {
  readonly id: string;
}

const line = (id: string, epochMs: number, bytes = 10): Line => ({ id, epochMs, bytes });

/** A source of pages: the key is the source cursor ('' for the first page). */
function pagesOf(pages: Record<string, LinePage<Line>>) {
  const fetched: Array<string | undefined> = [];
  return {
    fetched,
    fetchPage: async (cursor: string | undefined) => {
      fetched.push(cursor);
      const page = pages[cursor ?? ''];
      if (!page) throw new Error(`no page ${cursor}`);
      return page;
    },
  };
}

const shorten = (item: Line, maxBytes: number): Line => ({ ...item, id: `${item.id}…`, bytes: maxBytes });

describe('trace cursors of get_trace', () => {
  it.each<TracePosition>([
    {},
    { sourceCursor: 'eyJ2IjoxLCJ0Ijo1LCJuIjoyfQ' },
    { afterMs: 1_637_947_755_055, skip: 0 },
    { sourceCursor: 'o7', afterMs: 1_637_947_755_055, skip: 3 },
  ])('decodes what it encodes: %j', (position) => {
    // Act
    const cursor = encodeTracePosition(position);

    // Assess
    expect(cursor).toMatch(/^mcp1\.[A-Za-z0-9_-]+$/);
    expect(decodeTracePosition(cursor)).toEqual(position);
  });

  it('takes a cursor it did not issue as a cursor of the source', () => {
    // Act
    const position = decodeTracePosition('eyJ2IjoxLCJ0Ijo1LCJuIjoyfQ');

    // Assess
    expect(position).toEqual({ sourceCursor: 'eyJ2IjoxLCJ0Ijo1LCJuIjoyfQ' });
  });

  it.each([
    ['not base64url', 'mcp1.a+b/c'],
    ['empty', 'mcp1.'],
    ['not JSON', `mcp1.${Buffer.from('{"c":').toString('base64url')}`],
    ['an array', `mcp1.${Buffer.from('[1]').toString('base64url')}`],
    ['a time without a count', `mcp1.${Buffer.from('{"t":5}').toString('base64url')}`],
    ['a negative count', `mcp1.${Buffer.from('{"t":5,"n":-1}').toString('base64url')}`],
    ['a fractional time', `mcp1.${Buffer.from('{"t":5.5,"n":1}').toString('base64url')}`],
    ['an empty source cursor', `mcp1.${Buffer.from('{"c":""}').toString('base64url')}`],
    ['too long', `mcp1.${'A'.repeat(5000)}`],
  ])('rejects a damaged cursor: %s', (_name, cursor) => {
    // Act
    const decode = () => decodeTracePosition(cursor);

    // Assess
    expect(decode).toThrow(InvalidInputError);
    expect(decode).toThrow(/is damaged; pass the nextCursor of the previous get_trace answer unchanged$/);
  });
});

describe('collectLines', () => {
  it('returns the whole trace when it fits, following the source pages', async () => {
    // Prepare
    const source = pagesOf({
      '': { lines: [line('a', 1), line('b', 2)], nextCursor: 'p2' },
      p2: { lines: [line('c', 3)] },
    });

    // Act
    const collected = await collectLines({ start: {}, budgetBytes: 100, maxPages: 10, shorten, ...source });

    // Assess
    expect(collected).toEqual({ lines: [line('a', 1), line('b', 2), line('c', 3)], bytes: 30, shortened: 0 });
    expect(source.fetched).toEqual([undefined, 'p2']);
  });

  it.each([
    {
      name: 'inside the first page',
      budgetBytes: 25,
      ids: ['a', 'b'],
      resume: { afterMs: 2, skip: 1 },
    },
    {
      name: 'inside a run of lines of the same millisecond',
      budgetBytes: 35,
      ids: ['a', 'b', 'c'],
      resume: { afterMs: 2, skip: 2 },
    },
    {
      name: 'at the start of the second page',
      budgetBytes: 45,
      ids: ['a', 'b', 'c', 'd'],
      resume: { sourceCursor: 'p2' },
    },
    {
      name: 'inside the second page',
      budgetBytes: 55,
      ids: ['a', 'b', 'c', 'd', 'e'],
      resume: { sourceCursor: 'p2', afterMs: 2, skip: 1 },
    },
  ])('cuts between two lines $name', async ({ budgetBytes, ids, resume }) => {
    // Prepare
    const source = pagesOf({
      '': { lines: [line('a', 1), line('b', 2), line('c', 2), line('d', 3)], nextCursor: 'p2' },
      p2: { lines: [line('e', 2), line('f', 4)] },
    });

    // Act
    const collected = await collectLines({ start: {}, budgetBytes, maxPages: 10, shorten, ...source });

    // Assess
    expect(collected.lines.map((l) => l.id)).toEqual(ids);
    expect(collected.cutBy).toBe('size');
    expect(collected.resume).toEqual(resume);
  });

  it('resumes right after the lines already returned', async () => {
    // Prepare
    const source = pagesOf({ p2: { lines: [line('c', 2), line('d', 2), line('e', 2), line('f', 3)] } });

    // Act
    const collected = await collectLines({
      start: { sourceCursor: 'p2', afterMs: 2, skip: 2 },
      budgetBytes: 100,
      maxPages: 10,
      shorten,
      ...source,
    });

    // Assess
    expect(collected.lines.map((l) => l.id)).toEqual(['e', 'f']);
    expect(collected.resume).toBeUndefined();
    expect(source.fetched).toEqual(['p2']);
  });

  it('resumes by time, so lines that a moving window added before the position are not repeated', async () => {
    // Prepare: since the first answer, the window moved and the page gained a line at its start.
    const source = pagesOf({ '': { lines: [line('new', 0), line('a', 1), line('b', 2), line('c', 3)] } });

    // Act
    const collected = await collectLines({
      start: { afterMs: 2, skip: 1 },
      budgetBytes: 100,
      maxPages: 10,
      shorten,
      ...source,
    });

    // Assess
    expect(collected.lines.map((l) => l.id)).toEqual(['c']);
  });

  it('shortens a first line that alone exceeds the budget, then cuts after it', async () => {
    // Prepare
    const source = pagesOf({ '': { lines: [line('huge', 1, 500), line('b', 2)] } });

    // Act
    const collected = await collectLines({ start: {}, budgetBytes: 100, maxPages: 10, shorten, ...source });

    // Assess
    expect(collected.lines).toEqual([{ id: 'huge…', epochMs: 1, bytes: 100 }]);
    expect(collected.shortened).toBe(1);
    expect(collected.resume).toEqual({ afterMs: 1, skip: 1 });
  });

  it('stops after the most pages an answer may read, resuming at the next page', async () => {
    // Prepare
    const source = pagesOf({
      '': { lines: [line('a', 1)], nextCursor: 'p2' },
      p2: { lines: [line('b', 2)], nextCursor: 'p3' },
      p3: { lines: [line('c', 3)] },
    });

    // Act
    const collected = await collectLines({ start: {}, budgetBytes: 100, maxPages: 2, shorten, ...source });

    // Assess
    expect(collected.lines.map((l) => l.id)).toEqual(['a', 'b']);
    expect(collected.cutBy).toBe('pages');
    expect(collected.resume).toEqual({ sourceCursor: 'p3' });
  });

  it('fails when the source hands out the same page cursor twice', async () => {
    // Prepare
    const source = pagesOf({
      '': { lines: [line('a', 1)], nextCursor: 'p2' },
      p2: { lines: [line('b', 2)], nextCursor: 'p2' },
    });

    // Act
    const collect = collectLines({ start: {}, budgetBytes: 100, maxPages: 10, shorten, ...source });

    // Assess
    await expect(collect).rejects.toThrow(TracerError);
    await expect(collect).rejects.toThrow(
      'the trace source returned the same page cursor twice; the trace is incomplete',
    );
  });
});

describe('text and JSON trace lines', () => {
  it('splits a text trace into lines with the instants of their timestamps', () => {
    // Prepare
    const text =
      '2021-11-27T02:29:15.055+09:00\tTASK\tCreated\n' +
      'a continuation without a timestamp\n' +
      '2021-11-26T17:29:57.070Z\tTASK\tStopped';

    // Act
    const lines = splitTraceText(text);

    // Assess
    expect(lines).toEqual([
      { text: '2021-11-27T02:29:15.055+09:00\tTASK\tCreated\n', epochMs: 1_637_947_755_055, bytes: 43 },
      { text: 'a continuation without a timestamp\n', epochMs: 1_637_947_755_055, bytes: 35 },
      { text: '2021-11-26T17:29:57.070Z\tTASK\tStopped\n', epochMs: 1_637_947_797_070, bytes: 38 },
    ]);
  });

  it.each([
    ['ascii', 'hello', 3, 'hel'],
    ['a two-byte character at the edge', 'héllo', 2, 'h'],
    ['a three-byte character at the edge', '日本語', 5, '日'],
    ['a surrogate pair at the edge', 'a😀b', 4, 'a'],
    ['nothing', 'abc', 0, ''],
  ])('cuts UTF-8 without splitting a character: %s', (_name, text, maxBytes, expected) => {
    // Act
    const prefix = utf8Prefix(text, maxBytes);

    // Assess
    expect(prefix).toBe(expected);
  });

  it('shortens a text line to the limit, keeping its timestamp and marking the cut', () => {
    // Prepare
    const [long] = splitTraceText(`2021-11-26T17:29:15.055Z\tCONTAINER:app\t${'日'.repeat(1000)}\n`);

    // Act
    const short = shortenTextLine(long as TextTraceLine, 100);

    // Assess
    expect(short.bytes).toBeLessThanOrEqual(100);
    expect(short.bytes).toBe(Buffer.byteLength(short.text));
    expect(short.text).toMatch(/^2021-11-26T17:29:15\.055Z\tCONTAINER:app\t日+…\n$/);
  });

  it.each([
    ['plain text', 'x'.repeat(2000)],
    ['text that JSON escapes', '"\\\u0001'.repeat(700)],
    ['characters of several bytes', '日本😀'.repeat(300)],
  ])('shortens a JSON line until its serialisation fits: %s', (_name, message) => {
    // Prepare
    const json: TraceLineJson = {
      timestamp: '2021-11-26T17:29:15.055Z',
      epochMs: 1_637_947_755_055,
      source: 'CONTAINER:app',
      message,
      kind: 'log',
    };

    // Act
    const short = shortenJsonLine(toJsonTraceLine(json), 300);

    // Assess
    expect(short.bytes).toBeLessThanOrEqual(300);
    expect(short.bytes).toBe(Buffer.byteLength(JSON.stringify(short.line)) + 1);
    expect(short.line.message.endsWith('…')).toBe(true);
    expect(short.line).toMatchObject({ epochMs: json.epochMs, source: json.source, kind: 'log' });
  });

  it("shortens a FireLens record's line, and drops its fields when even the mark does not fit beside them", () => {
    // Prepare
    const line = (fieldChars: number): TraceLineJson => ({
      timestamp: '2024-05-14T09:12:24.611Z',
      epochMs: 1_715_677_944_611,
      source: 'CONTAINER:app',
      message: 'x'.repeat(2000),
      kind: 'log',
      fields: { source: 'stdout', ecs_task_arn: 'a'.repeat(fieldChars) },
    });

    // Act
    const kept = shortenJsonLine(toJsonTraceLine(line(50)), 300);
    const dropped = shortenJsonLine(toJsonTraceLine(line(400)), 300);

    // Assess
    expect(kept.bytes).toBeLessThanOrEqual(300);
    expect(kept.line.fields).toEqual({ source: 'stdout', ecs_task_arn: 'a'.repeat(50) });
    expect(dropped.bytes).toBeLessThanOrEqual(300);
    expect(dropped.line).not.toHaveProperty('fields');
  });
});
