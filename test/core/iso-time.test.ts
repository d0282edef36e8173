import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactIsoMs, isoToEpochMs, normalIso } from '../../lambda/core/iso-time.js';

/** What the fast path stands for: Date.parse, kept only when the text reads back exactly. */
function roundTrip(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === iso ? ms : undefined;
}

describe('exactIsoMs', () => {
  it('reads the times ECS sends', () => {
    expect(exactIsoMs('2021-11-26T17:29:15.055Z')).toBe(1637947755055);
    expect(exactIsoMs('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  });

  it('leaves out texts that do not read back exactly', () => {
    for (const text of [
      '2021-11-26T17:29:15Z',
      '2021-11-26T17:29:15.05Z',
      '2021-11-26T17:29:15.055+00:00',
      '2023-02-29T00:00:00.000Z',
      '2021-13-01T00:00:00.000Z',
      '2021-11-31T00:00:00.000Z',
      '2021-11-26T24:00:00.000Z',
      '2021-11-26T17:60:00.000Z',
      '2021-11-26T17:29:60.000Z',
      '2021-1a-26T17:29:15.055Z',
      'not a time at all, 24 ch',
    ]) {
      expect(exactIsoMs(text), text).toBeUndefined();
    }
  });

  it('agrees with the Date round trip on any instant and on altered texts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -62_000_000_000_000, max: 253_402_300_799_999 }),
        fc.nat(23),
        fc.constantFrom('0', '9', '3', 'x', '-'),
        (ms, at, char) => {
          const iso = new Date(ms).toISOString();
          expect(exactIsoMs(iso)).toBe(roundTrip(iso));
          const altered = `${iso.slice(0, at)}${char}${iso.slice(at + 1)}`;
          expect(exactIsoMs(altered)).toBe(roundTrip(altered));
        },
      ),
    );
  });
});

describe('exactIsoMs past the years 0 to 9999', () => {
  it('reads the extended years toISOString writes, and nothing of another length', () => {
    const far = new Date(8.64e15).toISOString();
    expect(far).toBe('+275760-09-13T00:00:00.000Z');
    expect(exactIsoMs(far)).toBe(8.64e15);
    expect(exactIsoMs('-000001-12-31T23:59:59.999Z')).toBe(roundTrip('-000001-12-31T23:59:59.999Z'));
    expect(exactIsoMs('2021-11-26T17:29:15.0555Z')).toBeUndefined();
  });
});

describe('normalIso', () => {
  /** What it stands for: the text as toISOString writes the instant it names. */
  const viaDate = (iso: string) => new Date(Date.parse(iso)).toISOString();

  it("keeps ECS's times and gives EventBridge's, to the second, their milliseconds", () => {
    expect(normalIso('2021-11-26T17:29:15.055Z')).toBe('2021-11-26T17:29:15.055Z');
    expect(normalIso('2020-01-23T17:57:34Z')).toBe('2020-01-23T17:57:34.000Z');
    expect(normalIso('2020-01-23T17:57:34+09:00')).toBe('2020-01-23T08:57:34.000Z');
    expect(normalIso('2021-11-26T17:29:15.05Z')).toBe('2021-11-26T17:29:15.050Z');
  });

  it('reads a day past the month as Date.parse does, and throws on a text that names no time', () => {
    // Date.parse rolls 30 February over into March: the normal form is that instant's.
    expect(normalIso('2021-02-30T00:00:00Z')).toBe(viaDate('2021-02-30T00:00:00Z'));
    expect(() => normalIso('2021-13-01T00:00:00Z')).toThrow(RangeError);
    expect(() => normalIso('nope')).toThrow(RangeError);
  });

  it('agrees with the Date round trip on any instant, to the second or the millisecond, and altered', () => {
    fc.assert(
      fc.property(
        // The whole range of a Date: the extended years (±YYYYYY) as well as 0000 to 9999.
        fc.integer({ min: -8.64e15, max: 8.64e15 }),
        fc.boolean(),
        fc.nat(19),
        fc.constantFrom('0', '9', '3', 'x', '-'),
        (ms, toTheSecond, at, char) => {
          const full = new Date(ms).toISOString();
          const iso = toTheSecond && full.length === 24 ? `${full.slice(0, 19)}Z` : full;
          expect(normalIso(iso)).toBe(viaDate(iso));
          const altered = `${iso.slice(0, at)}${char}${iso.slice(at + 1)}`;
          const expected = Number.isNaN(Date.parse(altered)) ? undefined : viaDate(altered);
          if (expected === undefined) expect(() => normalIso(altered)).toThrow(RangeError);
          else expect(normalIso(altered)).toBe(expected);
        },
      ),
    );
  });
});

describe('isoToEpochMs', () => {
  it('is Date.parse, faster for the common shape', () => {
    for (const text of ['2021-11-26T17:29:15.055Z', '2021-11-26T17:29:15Z', '2021-11-26', 'nope']) {
      expect(isoToEpochMs(text)).toStrictEqual(Date.parse(text));
    }
  });
});
