import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../lambda/core/errors.js';
import { parseApiRequest } from '../../../lambda/core/request/api-request.js';
import { cursorScope, makeCursorSeal } from '../../../lambda/core/request/cursor-seal.js';
import { MAX_DURATION_MS, MAX_LIST_LIMIT } from '../../../lambda/core/request/page-limits.js';
import {
  decodePathSegment,
  parseCluster,
  parseCursorParam,
  parseDurationParam,
  parseInstantParam,
  parseLimit,
  parseTask,
  parseTimeZone,
} from '../../../lambda/core/request/params.js';
import { API_ROUTES, matchPath, resourceOf } from '../../../lambda/core/request/routes.js';

const NOW_MS = Date.parse('2024-05-01T12:00:00Z');
const TASK_ID = '9f654c76cde14c7c85cf54dce087658a';

describe('parseCluster', () => {
  it.each([
    ['default', 'default'],
    ['dev-team_1', 'dev-team_1'],
    ['arn:aws:ecs:eu-west-1:123456789012:cluster/prod', 'prod'],
    ['arn:aws-cn:ecs:cn-north-1:123456789012:cluster/prod', 'prod'],
    ['  default  ', 'default'],
  ])('takes %s as cluster %s', (input, expected) => {
    expect(parseCluster(input)).toBe(expected);
  });

  it.each([
    ['a path', 'dev-team/default'],
    ['an ARN of another service', 'arn:aws:iam::123456789012:role/default'],
    ['an ARN of a task', `arn:aws:ecs:eu-west-1:123456789012:task/default/${TASK_ID}`],
    ['a cluster ARN with a path', 'arn:aws:ecs:eu-west-1:123456789012:cluster/a/default'],
    ['a name with a space', 'my cluster'],
    ['an empty name', ''],
    ['a name of 256 characters', 'a'.repeat(256)],
  ])('rejects %s rather than cutting it to its last segment', (_, input) => {
    expect(() => parseCluster(input)).toThrow(InvalidInputError);
    expect(() => parseCluster(input)).toThrow(/^cluster: /);
  });
});

describe('decodePathSegment', () => {
  it.each(['dev-team%2Fdefault', 'dev-team%2fdefault', 'a%5Cb', '..%2F..%2Fetc'])(
    'rejects the encoded slash in %s',
    (segment) => {
      expect(() => decodePathSegment(segment, 'cluster')).toThrow(/^cluster: ".*" holds an encoded slash/);
    },
  );

  it('lets an encoded ARN through for parseCluster and parseTask to check whole', () => {
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod';
    expect(decodePathSegment(encodeURIComponent(arn), 'cluster')).toBe(arn);
  });

  it('decodes other escapes once', () => {
    expect(decodePathSegment('my%20cluster', 'cluster')).toBe('my cluster');
  });

  it('rejects broken escapes', () => {
    expect(() => decodePathSegment('%E0%A4%A', 'cluster')).toThrow(/is not valid URL encoding/);
  });
});

describe('parseTask', () => {
  it.each([
    [TASK_ID, TASK_ID],
    [`arn:aws:ecs:eu-west-1:123456789012:task/default/${TASK_ID}`, TASK_ID],
    [`arn:aws:ecs:eu-west-1:123456789012:task/${TASK_ID}`, TASK_ID],
  ])('takes %s', (input, expected) => {
    expect(parseTask(input, 'default')).toBe(expected);
  });

  it('rejects a task ARN of another cluster', () => {
    expect(() => parseTask(`arn:aws:ecs:eu-west-1:123456789012:task/prod/${TASK_ID}`, 'default')).toThrow(
      'task: the task ARN belongs to cluster prod, not default',
    );
  });

  it.each(['a/b', '../etc', 'not a task', ''])('rejects %j', (input) => {
    expect(() => parseTask(input)).toThrow(/^task: .* is not a task id or a task ARN/);
  });
});

describe('parseDurationParam', () => {
  it.each([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['24h', MAX_DURATION_MS],
    ['0', 0],
  ])('takes %s', (input, expected) => {
    expect(parseDurationParam(input)).toBe(expected);
  });

  it.each(['24h1ms', '25h', '1000h'])('rejects %s, over the 24-hour cap', (input) => {
    expect(() => parseDurationParam(input)).toThrow(/^duration: at most 24h0m0s/);
  });

  it('names the parameter as the front end spells it', () => {
    expect(() => parseDurationParam('5', '--duration')).toThrow(/^--duration: "5" is not a duration/);
  });
});

describe('parseInstantParam', () => {
  it.each([
    ['2024-05-01T10:00:00Z', Date.parse('2024-05-01T10:00:00Z')],
    ['2024-05-01', Date.parse('2024-05-01')],
    ['2h', NOW_MS - 7_200_000],
  ])('takes %s', (input, expected) => {
    expect(parseInstantParam(input, NOW_MS, 'since')).toBe(expected);
  });

  it.each(['yesterday', '2021-13-45T00:00:00Z', '1714560000'])('rejects %s', (input) => {
    expect(() => parseInstantParam(input, NOW_MS, 'since')).toThrow(/^since: .* is not a time/);
  });
});

describe('parseLimit, parseCursorParam and parseTimeZone', () => {
  it.each(['0', '-1', '1.5', 'ten', String(MAX_LIST_LIMIT + 1), ''])('rejects limit %j', (input) => {
    expect(() => parseLimit(input, MAX_LIST_LIMIT)).toThrow(/^limit: expected a whole number from 1 to 100/);
  });

  it('takes a limit within the bound', () => {
    expect(parseLimit('100', MAX_LIST_LIMIT)).toBe(100);
  });

  it.each(['abc!', 'x'.repeat(2049), 'a b', ''])('rejects cursor %j', (input) => {
    expect(() => parseCursorParam(input)).toThrow(/^cursor: not a cursor that tracer issued/);
  });

  it.each(['Mars/Base', 'UTC+25', ''])('rejects tz %j', (input) => {
    expect(() => parseTimeZone(input)).toThrow(/^tz: /);
  });

  it('takes an IANA zone', () => {
    expect(parseTimeZone(' Asia/Tokyo ')).toBe('Asia/Tokyo');
  });
});

describe('makeCursorSeal', () => {
  const seal = makeCursorSeal('a-key-of-at-least-sixteen-bytes');
  const scope = cursorScope('trace', 'default', TASK_ID);

  it('unseals what it sealed', () => {
    expect(seal.unseal(scope, seal.seal(scope, 'eyJ2IjoxfQ'))).toBe('eyJ2IjoxfQ');
  });

  it.each([
    ['another scope', (c: string) => [cursorScope('trace', 'default', 'other'), c] as const],
    ['a changed inner cursor', (c: string) => [scope, `x${c}`] as const],
    ['a changed tag', (c: string) => [scope, `${c.slice(0, -2)}AA`] as const],
    [
      'another key',
      (c: string) =>
        [
          scope,
          makeCursorSeal('another-key-of-sixteen-bytes').seal(scope, c.split('.')[0] as string),
        ] as const,
    ],
  ])('refuses %s', (_, tamper) => {
    const [where, sealed] = tamper(seal.seal(scope, 'eyJ2IjoxfQ'));
    expect(() => seal.unseal(where, sealed)).toThrow(InvalidInputError);
  });

  it('refuses a key too short to be one', () => {
    expect(() => makeCursorSeal('short')).toThrow(/at least 16 bytes/);
  });
});

describe('the route table', () => {
  it.each(API_ROUTES.map((route) => [resourceOf(route), route.name] as const))(
    'matches %s to %s',
    (resource, name) => {
      const path = resource.replace('{cluster}', 'default').replace('{taskId}', TASK_ID);
      expect(matchPath(path)?.route.name).toBe(name);
    },
  );

  it('parses a trace request in one call', () => {
    const request = parseApiRequest(
      {
        method: 'GET',
        path: `/clusters/default/tasks/${TASK_ID}/trace`,
        query: { duration: '5m', full: 'true', tz: 'Asia/Tokyo' },
        headers: { Accept: 'application/json' },
      },
      NOW_MS,
    );
    expect(request).toEqual({
      route: 'trace',
      params: {
        clusterName: 'default',
        taskId: TASK_ID,
        durationMs: 300_000,
        full: true,
        timeZone: 'Asia/Tokyo',
        format: 'json',
      },
    });
  });

  it('answers 405 for a method other than GET and HEAD', () => {
    expect(() => parseApiRequest({ method: 'POST', path: '/clusters' }, NOW_MS)).toThrow(
      /method POST is not allowed/,
    );
  });
});
