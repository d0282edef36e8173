import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../lambda/core/errors.js';
import {
  assertTimeZone,
  escapeTraceField,
  formatTimestamp,
  formatTraceLine,
  formatTraceText,
  toTraceLineJson,
} from '../../lambda/core/format.js';
import type { TraceLine } from '../../lambda/core/trace.js';

const ms = (iso: string) => Date.parse(iso);
/** A C0 or C1 control, DEL, or a Unicode line or paragraph separator. */
const hasControl = (text: string) =>
  [...text].some((char) => {
    const code = char.charCodeAt(0);
    return code < 32 || (code >= 127 && code <= 159) || code === 0x2028 || code === 0x2029;
  });

describe('formatTimestamp', () => {
  it.each([
    ['2021-11-26T17:29:15.055Z', 'Asia/Tokyo', '2021-11-27T02:29:15.055+09:00'],
    ['2021-11-26T17:29:15.055Z', 'UTC', '2021-11-26T17:29:15.055Z'],
    ['2021-11-26T17:29:15.055Z', 'Etc/UTC', '2021-11-26T17:29:15.055Z'],
    // Go prints Z for any zero offset, so London in winter reads like UTC.
    ['2021-11-26T17:29:15.055Z', 'Europe/London', '2021-11-26T17:29:15.055Z'],
    ['2021-07-01T12:00:00.000Z', 'Europe/London', '2021-07-01T13:00:00.000+01:00'],
    ['2021-11-26T17:29:15.055Z', 'America/St_Johns', '2021-11-26T13:59:15.055-03:30'],
    ['2021-11-26T17:29:15.055Z', 'Asia/Kathmandu', '2021-11-26T23:14:15.055+05:45'],
    ['2021-11-26T15:00:00.000Z', 'Asia/Tokyo', '2021-11-27T00:00:00.000+09:00'],
    ['1970-01-01T00:00:00.000Z', 'UTC', '1970-01-01T00:00:00.000Z'],
  ])('formats %s in %s as %s', (iso, zone, expected) => {
    expect(formatTimestamp(ms(iso), zone)).toBe(expected);
  });

  it.each([
    // America/New_York springs forward at 02:00 local time on 2021-03-14, which is 07:00 UTC.
    ['2021-03-14T06:59:59.999Z', '2021-03-14T01:59:59.999-05:00'],
    ['2021-03-14T07:00:00.000Z', '2021-03-14T03:00:00.000-04:00'],
    // ...and falls back at 02:00 local time on 2021-11-07, which is 06:00 UTC: 01:xx happens twice.
    ['2021-11-07T05:59:59.999Z', '2021-11-07T01:59:59.999-04:00'],
    ['2021-11-07T06:00:00.000Z', '2021-11-07T01:00:00.000-05:00'],
  ])('follows a daylight saving change: %s is %s in New York', (iso, expected) => {
    expect(formatTimestamp(ms(iso), 'America/New_York')).toBe(expected);
  });

  it.each(['Mars/Olympus_Mons', 'not a zone', ''])('rejects the unknown time zone "%s"', (zone) => {
    expect(() => formatTimestamp(0, zone)).toThrow(InvalidInputError);
    expect(() => assertTimeZone(zone)).toThrow(/is not a time zone/);
  });
});

describe('formatTraceText', () => {
  const lines: TraceLine[] = [
    { epochMs: ms('2021-12-03T02:23:04.873Z'), source: 'TASK', message: 'Stopped', kind: 'transition' },
    {
      epochMs: ms('2021-12-03T02:23:04.873Z'),
      source: 'CONTAINER:nginx',
      message: 'STOPPED (exit code: 0)',
      kind: 'status',
    },
  ];

  it('prints tab-separated lines that each end in a newline', () => {
    expect(formatTraceText(lines, { timeZone: 'Asia/Tokyo' })).toBe(
      '2021-12-03T11:23:04.873+09:00\tTASK\tStopped\n2021-12-03T11:23:04.873+09:00\tCONTAINER:nginx\tSTOPPED (exit code: 0)\n',
    );
  });

  it('prints nothing for an empty trace', () => {
    expect(formatTraceText([], { timeZone: 'UTC' })).toBe('');
  });

  it('prints the same line as formatTraceLine', () => {
    const [first] = lines;
    if (!first) throw new Error('fixture');
    expect(formatTraceText([first], { timeZone: 'UTC' })).toBe(`${formatTraceLine(first, 'UTC')}\n`);
  });

  it('rejects an unknown time zone', () => {
    expect(() => formatTraceText(lines, { timeZone: 'Nowhere/Land' })).toThrow(InvalidInputError);
  });

  it('prints each line as formatTimestamp does, across seconds, minutes and daylight saving changes', () => {
    const around = ms('2021-11-07T06:00:00.000Z');
    const times = fc.array(fc.integer({ min: around - 7_200_000, max: around + 7_200_000 }), {
      maxLength: 40,
    });
    fc.assert(
      fc.property(
        times,
        fc.constantFrom('UTC', 'Asia/Tokyo', 'America/New_York', 'Asia/Kathmandu'),
        (epochs, zone) => {
          const sorted = [...epochs].sort((a, b) => a - b);
          const input: TraceLine[] = sorted.map((epochMs) => ({
            epochMs,
            source: 'TASK',
            message: 'm',
            kind: 'transition',
          }));
          const expected = sorted.map((epochMs) => `${formatTimestamp(epochMs, zone)}\tTASK\tm\n`).join('');
          expect(formatTraceText(input, { timeZone: zone })).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('one event, one line', () => {
  const at = ms('2021-12-03T02:23:04.873Z');
  const logLine = (message: string, source = 'CONTAINER:app'): TraceLine => ({
    epochMs: at,
    source,
    message,
    kind: 'log',
  });

  it.each([
    ['a newline', 'a\nb', 'a\\nb'],
    ['a carriage return', 'a\rb', 'a\\rb'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['an ANSI colour sequence', '\u001b[31mred\u001b[0m', '\\u001b[31mred\\u001b[0m'],
    ['a NUL, a DEL and a C1 control', 'a\u0000b\u007fc\u009bd', 'a\\u0000b\\u007fc\\u009bd'],
    ['a Unicode line separator', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
  ])('escapes %s inside a message', (_name, message, escaped) => {
    // Act
    const text = formatTraceText([logLine(message)], { timeZone: 'UTC' });

    // Assess
    expect(text).toBe(`2021-12-03T02:23:04.873Z\tCONTAINER:app\t${escaped}\n`);
  });

  it('keeps a forged trace line inside the message of the line that carries it', () => {
    // Prepare
    const forged = 'ok\n2021-12-03T02:23:05.000Z\tTASK\tStopped\r\n\u001b[2K';

    // Act
    const text = formatTraceText([logLine(forged)], { timeZone: 'UTC' });

    // Assess
    expect(text.split('\n')).toEqual([
      '2021-12-03T02:23:04.873Z\tCONTAINER:app\tok\\n2021-12-03T02:23:05.000Z\\tTASK\\tStopped\\r\\n\\u001b[2K',
      '',
    ]);
  });

  it('escapes a control character in the source too', () => {
    // Act
    const line = formatTraceLine(logLine('m', 'CONTAINER:a\tb'), 'UTC');

    // Assess
    expect(line).toBe('2021-12-03T02:23:04.873Z\tCONTAINER:a\\tb\tm');
  });

  it('leaves backslashes and printable Unicode as they are', () => {
    // Act
    const escaped = escapeTraceField('C:\\app {\\"a\\":1} héllo ✓');

    // Assess
    expect(escaped).toBe('C:\\app {\\"a\\":1} héllo ✓');
  });

  it('prints every message as one line of exactly three tab-separated fields', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 10 }), (messages) => {
        // Act
        const text = formatTraceText(
          messages.map((message) => logLine(message)),
          { timeZone: 'UTC' },
        );

        // Assess
        const lines = text.split('\n');
        expect(lines.pop()).toBe('');
        expect(lines).toHaveLength(messages.length);
        for (const line of lines) {
          const fields = line.split('\t');
          expect(fields).toHaveLength(3);
          expect(hasControl(fields.join(' '))).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the raw message in the JSON trace line', () => {
    // Act
    const json = toTraceLineJson(logLine('a\nb\u001b[31m'));

    // Assess
    expect(json.message).toBe('a\nb\u001b[31m');
  });
});

describe('toTraceLineJson', () => {
  it('adds an ISO 8601 UTC timestamp beside epochMs', () => {
    const line: TraceLine = {
      epochMs: 1637947755055,
      source: 'TASK',
      message: 'Created',
      kind: 'transition',
    };
    expect(toTraceLineJson(line)).toEqual({
      timestamp: '2021-11-26T17:29:15.055Z',
      epochMs: 1637947755055,
      source: 'TASK',
      message: 'Created',
      kind: 'transition',
    });
  });
});
