import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactIsoMs, isoToEpochMs } from '../../lambda/core/iso-time.js';

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

describe('isoToEpochMs', () => {
  it('is Date.parse, faster for the common shape', () => {
    for (const text of ['2021-11-26T17:29:15.055Z', '2021-11-26T17:29:15Z', '2021-11-26', 'nope']) {
      expect(isoToEpochMs(text)).toStrictEqual(Date.parse(text));
    }
  });
});
