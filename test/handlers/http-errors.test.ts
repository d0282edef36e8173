import { describe, expect, it } from 'vitest';
import { AmbiguousClusterError } from '../../lambda/core/cluster-id.js';
import {
  AccessDeniedError,
  ClusterNotFoundError,
  InvalidInputError,
  InvalidTaskEventError,
  LogUnavailableError,
  TaskNotFoundError,
  ThrottledError,
} from '../../lambda/core/errors.js';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  OutOfTimeError,
  RouteError,
  toHttpError,
} from '../../lambda/handlers/http-errors.js';

const context = { requestId: 'req-1', retentionDays: 30 };

describe('toHttpError of an ambiguous cluster name', () => {
  it('answers 409 AmbiguousCluster with the ARNs in clusterArns', () => {
    // Prepare
    const arns = [
      'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
      'arn:aws:ecs:us-east-1:222233334444:cluster/prod',
    ];

    // Act
    const mapped = toHttpError(new AmbiguousClusterError('prod', arns), context);

    // Assess
    expect(mapped.statusCode).toBe(409);
    expect(mapped.body.error).toEqual({
      code: 'AmbiguousCluster',
      message: `cluster prod is ambiguous: 2 recorded clusters carry that name (${arns.join(', ')}); give the cluster ARN, or the account and region`,
      clusterArns: arns,
    });
  });
});

describe('toHttpError', () => {
  it.each<[string, unknown, number, string, string]>([
    [
      'invalid input',
      new InvalidInputError('limit: expected 1 to 100'),
      400,
      'InvalidInput',
      'limit: expected 1 to 100',
    ],
    [
      'an invalid event',
      new InvalidTaskEventError('detail.version: required', 'e1'),
      400,
      'InvalidInput',
      'invalid ECS event e1: detail.version: required',
    ],
    [
      'an unknown task',
      new TaskNotFoundError('default', 'abc'),
      404,
      'NotFound',
      'task abc not found in cluster default (tracer keeps tasks for 30 days)',
    ],
    [
      'an unknown task that knows the retention',
      new TaskNotFoundError('default', 'abc', 7),
      404,
      'NotFound',
      'task abc not found in cluster default (tracer keeps tasks for 7 days)',
    ],
    [
      'an unknown cluster',
      new ClusterNotFoundError('prod'),
      404,
      'NotFound',
      'cluster prod has no recorded tasks (tracer keeps tasks for 30 days)',
    ],
    ['an unknown route', new RouteError(404, 'no route for /x'), 404, 'NotFound', 'no route for /x'],
    [
      'a method other than GET',
      new RouteError(405, 'method POST is not allowed'),
      405,
      'InvalidInput',
      'method POST is not allowed',
    ],
    [
      'denied access',
      new AccessDeniedError('tracer may not describe tasks'),
      403,
      'AccessDenied',
      'tracer may not describe tasks',
    ],
    [
      'an unexpected error',
      new TypeError('Cannot read properties of undefined (reading "pk")'),
      500,
      'InternalError',
      'internal error (request id req-1)',
    ],
    [
      'a named error that has no status',
      new LogUnavailableError('error', 'log group /secret/x'),
      500,
      'InternalError',
      'internal error (request id req-1)',
    ],
    [
      'something thrown that is not an Error',
      'boom',
      500,
      'InternalError',
      'internal error (request id req-1)',
    ],
  ])('maps %s', (_name, error, statusCode, code, message) => {
    expect(toHttpError(error, context)).toEqual({ statusCode, body: { error: { code, message } } });
  });

  it('maps AWS throttling that outlasted the retries to 503 with the default Retry-After', () => {
    expect(toHttpError(new ThrottledError('try again in a minute'), context)).toEqual({
      statusCode: 503,
      body: { error: { code: 'Throttled', message: 'try again in a minute' } },
      headers: { 'Retry-After': String(DEFAULT_RETRY_AFTER_SECONDS) },
    });
  });

  it.each([
    [12, '12'],
    [2.2, '3'],
    [0, '1'],
  ])('rounds a throttling error’s own wait of %s s up to whole seconds, at least one', (seconds, header) => {
    const error = new ThrottledError('slow down', { retryAfterSeconds: seconds });
    expect(toHttpError(error, context).headers).toEqual({ 'Retry-After': header });
  });

  it('maps an answer that ran out of time to 503 Unavailable with Retry-After and the request id', () => {
    const mapped = toHttpError(new OutOfTimeError(29_000), context);
    expect(mapped.statusCode).toBe(503);
    expect(mapped.headers).toEqual({ 'Retry-After': String(DEFAULT_RETRY_AFTER_SECONDS) });
    expect(mapped.body.error).toEqual({
      code: 'Unavailable',
      message:
        "tracer could not answer within the API's time limit of 29 s (request id req-1); try again, or ask for less (a shorter duration, fewer tasks)",
    });
  });

  it('leaves the retention out when it is not known', () => {
    expect(toHttpError(new TaskNotFoundError('default', 'abc'), { requestId: 'r' }).body.error.message).toBe(
      'task abc not found in cluster default',
    );
  });
});
