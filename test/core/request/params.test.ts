import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../lambda/core/errors.js';
import { isSinceCursor, parseApiRequest } from '../../../lambda/core/request/api-request.js';
import { cursorScope, makeCursorSeal } from '../../../lambda/core/request/cursor-seal.js';
import { MAX_DURATION_MS, MAX_LIST_LIMIT } from '../../../lambda/core/request/page-limits.js';
import {
  clusterPathSegment,
  decodePathSegment,
  parseCluster,
  parseClusterFilter,
  parseClusterRef,
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
    ['default', { name: 'default' }],
    ['dev-team_1', { name: 'dev-team_1' }],
    [
      'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
      { name: 'prod', account: '123456789012', region: 'eu-west-1' },
    ],
    [
      'arn:aws-cn:ecs:cn-north-1:123456789012:cluster/prod',
      { name: 'prod', account: '123456789012', region: 'cn-north-1' },
    ],
    ['  default  ', { name: 'default' }],
  ])('takes %s as cluster %o', (input, expected) => {
    expect(parseCluster(input)).toEqual(expected);
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

describe('parseClusterRef', () => {
  it('narrows a name by the account and region filters', () => {
    expect(parseClusterRef('prod', { account: '222233334444', region: 'us-west-2' })).toEqual({
      name: 'prod',
      account: '222233334444',
      region: 'us-west-2',
    });
    expect(parseClusterRef('prod', { account: '222233334444' })).toEqual({
      name: 'prod',
      account: '222233334444',
    });
  });

  it('takes filters that agree with the cluster ARN', () => {
    const arn = 'arn:aws:ecs:us-west-2:222233334444:cluster/prod';
    expect(parseClusterRef(arn, { account: '222233334444', region: 'us-west-2' })).toEqual({
      name: 'prod',
      account: '222233334444',
      region: 'us-west-2',
    });
  });

  it.each([
    [
      'an account the ARN does not name',
      { account: '111122223333' },
      'account: 111122223333 contradicts the cluster ARN, which names account 222233334444; give one of them',
    ],
    [
      'a region the ARN does not name',
      { region: 'eu-west-1' },
      'region: eu-west-1 contradicts the cluster ARN, which names region us-west-2; give one of them',
    ],
  ])('rejects %s', (_, filters, message) => {
    expect(() => parseClusterRef('arn:aws:ecs:us-west-2:222233334444:cluster/prod', filters)).toThrow(
      message,
    );
  });

  it.each([
    [{ account: '12345' }, 'account: "12345" is not an AWS account id (12 digits)'],
    [{ account: 'prod' }, 'account: "prod" is not an AWS account id (12 digits)'],
    [{ region: 'Tokyo' }, 'region: "Tokyo" is not an AWS region (like us-east-1)'],
  ])('rejects the filter %o', (filters, message) => {
    expect(() => parseClusterRef('prod', filters)).toThrow(InvalidInputError);
    expect(() => parseClusterRef('prod', filters)).toThrow(message);
  });

  it('names the filters as the caller spells them', () => {
    expect(() =>
      parseClusterRef('prod', { account: 'x' }, { cluster: 'CLUSTER', account: '--account' }),
    ).toThrow('--account: "x" is not an AWS account id (12 digits)');
  });
});

describe('parseClusterFilter', () => {
  it('takes both, either or no filter', () => {
    expect(parseClusterFilter({})).toEqual({});
    expect(parseClusterFilter({ region: ' us-east-1 ' })).toEqual({ region: 'us-east-1' });
    expect(parseClusterFilter({ account: '222233334444', region: 'us-east-1' })).toEqual({
      account: '222233334444',
      region: 'us-east-1',
    });
  });
});

describe('clusterPathSegment', () => {
  it('sends the ARN when account and region are known, else the name', () => {
    expect(clusterPathSegment({ name: 'prod' })).toBe('prod');
    expect(clusterPathSegment({ name: 'prod', account: '222233334444' })).toBe('prod');
    expect(clusterPathSegment({ name: 'prod', account: '222233334444', region: 'cn-north-1' })).toBe(
      'arn:aws-cn:ecs:cn-north-1:222233334444:cluster/prod',
    );
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
    expect(parseTask(input, { name: 'default' })).toBe(expected);
  });

  it('rejects a task ARN of another cluster', () => {
    expect(() =>
      parseTask(`arn:aws:ecs:eu-west-1:123456789012:task/prod/${TASK_ID}`, { name: 'default' }),
    ).toThrow('task: the task ARN belongs to cluster prod, not default');
  });

  it("takes a task ARN of the cluster's account and region", () => {
    const cluster = { name: 'prod', account: '222233334444', region: 'us-west-2' };
    expect(parseTask(`arn:aws:ecs:us-west-2:222233334444:task/prod/${TASK_ID}`, cluster)).toBe(TASK_ID);
  });

  it.each([
    [
      'another account',
      `arn:aws:ecs:us-west-2:111122223333:task/prod/${TASK_ID}`,
      'task: the task ARN belongs to account 111122223333, not 222233334444',
    ],
    [
      'another region',
      `arn:aws:ecs:eu-west-1:222233334444:task/prod/${TASK_ID}`,
      'task: the task ARN belongs to region eu-west-1, not us-west-2',
    ],
  ])('rejects a task ARN of the same-named cluster of %s', (_, arn, message) => {
    const cluster = { name: 'prod', account: '222233334444', region: 'us-west-2' };
    expect(() => parseTask(arn, cluster)).toThrow(message);
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
        cluster: { name: 'default' },
        taskId: TASK_ID,
        durationMs: 300_000,
        full: true,
        timeZone: 'Asia/Tokyo',
        format: 'json',
      },
    });
  });

  it('takes a URL-encoded cluster ARN as the cluster segment, with its account and region', () => {
    const arn = 'arn:aws:ecs:us-west-2:222233334444:cluster/prod';
    const request = parseApiRequest(
      { method: 'GET', path: `/clusters/${encodeURIComponent(arn)}/tasks/${TASK_ID}` },
      NOW_MS,
    );
    expect(request).toEqual({
      route: 'task',
      cluster: { name: 'prod', account: '222233334444', region: 'us-west-2' },
      taskId: TASK_ID,
    });
  });

  it.each([
    ['tasks', '/clusters/prod/tasks'],
    ['task', `/clusters/prod/tasks/${TASK_ID}`],
    ['trace', `/clusters/prod/tasks/${TASK_ID}/trace`],
  ])('narrows the cluster of the %s route by account and region', (_, path) => {
    const request = parseApiRequest(
      { method: 'GET', path, query: { account: '222233334444', region: 'us-west-2' } },
      NOW_MS,
    );
    const cluster =
      request.route === 'task' ? request.cluster : 'params' in request ? request.params.cluster : undefined;
    expect(cluster).toEqual({ name: 'prod', account: '222233334444', region: 'us-west-2' });
  });

  it('narrows the task changes (a since cursor) by account', () => {
    const request = parseApiRequest(
      { method: 'GET', path: '/clusters/prod/tasks', query: { since: 'start', account: '222233334444' } },
      NOW_MS,
    );
    expect(request).toEqual({
      route: 'task-changes',
      params: { cluster: { name: 'prod', account: '222233334444' }, since: 'start' },
    });
  });

  it('takes the account and region filters of /clusters', () => {
    expect(
      parseApiRequest({ method: 'GET', path: '/clusters', query: { account: '222233334444' } }, NOW_MS),
    ).toEqual({ route: 'clusters', filter: { account: '222233334444' } });
    expect(parseApiRequest({ method: 'GET', path: '/clusters' }, NOW_MS)).toEqual({
      route: 'clusters',
      filter: {},
    });
  });

  it.each([
    ['/clusters', { account: 'abc' }, 'account: "abc" is not an AWS account id (12 digits)'],
    ['/clusters', { region: 'mars' }, 'region: "mars" is not an AWS region (like us-east-1)'],
    [
      '/clusters/prod/tasks',
      { account: '1234567890123' },
      'account: "1234567890123" is not an AWS account id',
    ],
    [
      `/clusters/${encodeURIComponent('arn:aws:ecs:us-west-2:222233334444:cluster/prod')}/tasks`,
      { region: 'us-east-1' },
      'region: us-east-1 contradicts the cluster ARN, which names region us-west-2; give one of them',
    ],
  ])('rejects %s with %o', (path, query, message) => {
    expect(() => parseApiRequest({ method: 'GET', path, query }, NOW_MS)).toThrow(InvalidInputError);
    expect(() => parseApiRequest({ method: 'GET', path, query }, NOW_MS)).toThrow(message);
  });

  it('rejects a task ARN of another account than the cluster ARN', () => {
    const cluster = encodeURIComponent('arn:aws:ecs:us-west-2:222233334444:cluster/prod');
    const task = encodeURIComponent(`arn:aws:ecs:us-west-2:111122223333:task/prod/${TASK_ID}`);
    expect(() =>
      parseApiRequest({ method: 'GET', path: `/clusters/${cluster}/tasks/${task}` }, NOW_MS),
    ).toThrow('taskId: the task ARN belongs to account 111122223333, not 222233334444');
  });

  it('takes a sealed since cursor as a since cursor, not a time', () => {
    expect(isSinceCursor('eyJhIjoxfQ.abcDEF_-')).toBe(true);
    expect(isSinceCursor('eyJhIjoxfQ')).toBe(true);
    expect(isSinceCursor('2024-05-01')).toBe(false);
  });

  it('answers 405 for a method other than GET and HEAD', () => {
    expect(() => parseApiRequest({ method: 'POST', path: '/clusters' }, NOW_MS)).toThrow(
      /method POST is not allowed/,
    );
  });
});
