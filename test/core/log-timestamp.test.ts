import { describe, expect, it } from 'vitest';
import { parseLogTimestamp } from '../../lambda/core/log-timestamp.js';

const NOW_MS = Date.parse('2024-06-01T00:00:00Z');

describe('parseLogTimestamp', () => {
  it.each<[string, unknown, number]>([
    ['epoch milliseconds', 1_714_564_800_000, Date.parse('2024-05-01T12:00:00Z')],
    ['ISO 8601 in UTC', '2024-05-01T12:00:00Z', Date.parse('2024-05-01T12:00:00Z')],
    ['ISO 8601 with milliseconds', '2024-05-01T12:00:00.123Z', Date.parse('2024-05-01T12:00:00.123Z')],
    ['ISO 8601 with an offset', '2024-05-01T21:00:00+09:00', Date.parse('2024-05-01T12:00:00Z')],
    ['ISO 8601 with a compact offset', '2024-05-01T07:00:00-0500', Date.parse('2024-05-01T12:00:00Z')],
    ['RFC 3339 with a space', '2024-05-01 12:00:00Z', Date.parse('2024-05-01T12:00:00Z')],
    ['the first plausible instant', '2000-01-01T00:00:00Z', Date.parse('2000-01-01T00:00:00Z')],
    ['a time 2 hours ahead', NOW_MS + 7_200_000, NOW_MS + 7_200_000],
  ])('reads %s', (_name, value, epochMs) => {
    expect(parseLogTimestamp(value, NOW_MS)).toEqual({ ok: true, epochMs });
  });

  it.each<[string, unknown, string]>([
    [
      'epoch seconds',
      1_714_564_800,
      'timestamp 1714564800 looks like epoch seconds (2024-05-01T12:00:00.000Z); send epoch milliseconds: 1714564800000',
    ],
    [
      'fractional epoch seconds',
      1_714_564_800.25,
      'timestamp 1714564800.25 looks like epoch seconds (2024-05-01T12:00:00.250Z); send epoch milliseconds: 1714564800250',
    ],
    [
      'epoch microseconds',
      1_714_564_800_000_000,
      'timestamp 1714564800000000 looks like epoch microseconds (2024-05-01T12:00:00.000Z); send epoch milliseconds: 1714564800000',
    ],
    [
      'epoch nanoseconds',
      1.7145648e18,
      'timestamp 1714564800000000000 looks like epoch nanoseconds (2024-05-01T12:00:00.000Z); send epoch milliseconds: 1714564800000',
    ],
    [
      'a small number',
      5,
      'timestamp 5 (1970-01-01T00:00:00.005Z) is not a plausible time in epoch milliseconds: it is before 2000-01-01T00:00:00.000Z',
    ],
    [
      'a negative number',
      -1,
      'timestamp -1 (1969-12-31T23:59:59.999Z) is not a plausible time in epoch milliseconds: it is before 2000-01-01T00:00:00.000Z',
    ],
    [
      'milliseconds more than 2 hours ahead',
      NOW_MS + 7_200_001,
      'timestamp 1717207200001 (2024-06-01T02:00:00.001Z) is not a plausible time in epoch milliseconds: it is more than 2 hours ahead of now (2024-06-01T00:00:00.000Z)',
    ],
    [
      'fractional milliseconds',
      1_714_564_800_000.5,
      'timestamp 1714564800000.5 must be whole epoch milliseconds',
    ],
    ['not a finite number', Number.NaN, 'timestamp must be a finite number of epoch milliseconds'],
    [
      'ISO 8601 without a zone',
      '2024-05-01T12:00:00',
      'timestamp "2024-05-01T12:00:00" has no time zone; add Z for UTC or an offset such as +09:00 (2024-05-01T12:00:00Z)',
    ],
    [
      'ISO 8601 with milliseconds and no zone',
      '2024-05-01T12:00:00.123',
      'timestamp "2024-05-01T12:00:00.123" has no time zone; add Z for UTC or an offset such as +09:00 (2024-05-01T12:00:00Z)',
    ],
    [
      'a date alone',
      '2024-05-01',
      'timestamp "2024-05-01" is a date without a time; send a time such as 2024-05-01T12:00:00Z',
    ],
    [
      'an impossible date',
      '2024-13-01T12:00:00Z',
      'timestamp "2024-13-01T12:00:00Z" is not a valid date and time',
    ],
    [
      'an ISO time before 2000',
      '1999-12-31T23:59:59Z',
      'timestamp "1999-12-31T23:59:59Z" is before 2000-01-01T00:00:00.000Z',
    ],
    [
      'digits in a string',
      '1714564800000',
      'timestamp "1714564800000" is a string; send epoch milliseconds as a JSON number',
    ],
    [
      'a date in words',
      'May 1, 2024 12:00 UTC',
      'timestamp "May 1, 2024 12:00 UTC" is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z) or epoch milliseconds',
    ],
    [
      'an RFC 2822 date',
      'Wed, 01 May 2024 12:00:00 GMT',
      'timestamp "Wed, 01 May 2024 12:00:00 GMT" is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z) or epoch milliseconds',
    ],
    ['a missing timestamp', undefined, 'timestamp (epoch milliseconds or ISO 8601 with a zone) is missing'],
    [
      'a boolean',
      true,
      'timestamp must be epoch milliseconds (a number) or an ISO 8601 time with a zone (a string)',
    ],
  ])('rejects %s, saying why', (_name, value, reason) => {
    expect(parseLogTimestamp(value, NOW_MS)).toEqual({ ok: false, reason });
  });
});
