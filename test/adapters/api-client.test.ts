import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiProtocolError,
  ApiResponseError,
  ApiUnreachableError,
  CredentialsUnavailableError,
} from '../../lambda/adapters/http/api-errors.js';
import {
  ApiSource,
  formatDurationParam,
  isLoopbackHttp,
  regionOfExecuteApiHost,
} from '../../lambda/adapters/http/api-source.js';
import { InvalidInputError } from '../../lambda/core/errors.js';
import { type FakeAnswer, type FakeTracerApi, startFakeTracerApi } from '../support/fake-tracer-api.js';

const TASK_ID = '9f654c76cde14c7c85cf54dce087658a';
const noWait = async () => {};

let api: FakeTracerApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  vi.unstubAllEnvs();
});

describe('regionOfExecuteApiHost', () => {
  it.each([
    ['abc123.execute-api.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['ABC123.Execute-Api.ap-northeast-1.amazonaws.com', 'ap-northeast-1'],
    ['abc123-vpce-0123.execute-api.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
    ['abc123.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['api.example.com', undefined],
    ['127.0.0.1', undefined],
  ])('reads %s as %s', (host, region) => {
    expect(regionOfExecuteApiHost(host)).toBe(region);
  });
});

describe('isLoopbackHttp', () => {
  it.each([
    ['http://127.0.0.1:8787', true],
    ['http://localhost:8787/', true],
    ['http://127.1.2.3', true],
    ['http://[::1]:8787', true],
    ['https://127.0.0.1:8787', false],
    ['http://10.0.0.1:8787', false],
    ['https://abc.execute-api.eu-west-1.amazonaws.com/prod', false],
  ])('says %s is %s', (url, expected) => {
    expect(isLoopbackHttp(new URL(url))).toBe(expected);
  });
});

describe('formatDurationParam', () => {
  it.each([
    [60_000, '1m'],
    [90_000, '90s'],
    [7_200_000, '2h'],
    [1500, '1500ms'],
    [0, '0s'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDurationParam(ms)).toBe(text);
  });
});

describe('ApiSource requests', () => {
  it('sends the filters and the trace parameters as the API names them', async () => {
    // Prepare
    api = await startFakeTracerApi();
    const source = new ApiSource({ endpoint: `${api.url}/`, userAgent: 'tracer/test' });

    // Act
    await source.listTasks(
      { name: 'default' },
      {
        status: 'STOPPED',
        failed: true,
        since: '2021-11-01T00:00:00.000Z',
        until: '2021-12-01T00:00:00.000Z',
        limit: 20,
        cursor: 'o0',
      },
    );
    await source.getTraceText({ name: 'default' }, TASK_ID, {
      durationMs: 30_000,
      full: true,
      tz: 'UTC',
      cursor: 'l0',
    });
    await source.getTraceJson({ name: 'default' }, TASK_ID, { durationMs: 60_000 });
    await source.getTask({ name: 'default' }, TASK_ID);

    // Assess
    expect(api.requests.map((r) => r.url)).toEqual([
      '/clusters/default/tasks?status=STOPPED&failed=true&since=2021-11-01T00%3A00%3A00.000Z&until=2021-12-01T00%3A00%3A00.000Z&limit=20&cursor=o0',
      `/clusters/default/tasks/${TASK_ID}/trace?duration=30s&full=true&cursor=l0&tz=UTC`,
      `/clusters/default/tasks/${TASK_ID}/trace?duration=1m&format=json`,
      `/clusters/default/tasks/${TASK_ID}`,
    ]);
    expect(api.requests.map((r) => r.headers.accept)).toEqual([
      'application/json',
      'text/plain',
      'application/json',
      'application/json',
    ]);
    expect(api.requests[0]?.headers['user-agent']).toBe('tracer/test');
  });

  it('returns the next cursor of a paged text trace from its header', async () => {
    // Prepare
    api = await startFakeTracerApi({ tracePageLines: 4 });
    const source = new ApiSource({ endpoint: api.url });

    // Act
    const first = await source.getTraceText({ name: 'default' }, TASK_ID, { durationMs: 60_000, tz: 'UTC' });
    const second = await source.getTraceText({ name: 'default' }, TASK_ID, {
      durationMs: 60_000,
      tz: 'UTC',
      ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
    });

    // Assess
    expect(first.nextCursor).toBe('l4');
    expect(first.text.split('\n')).toHaveLength(5);
    expect(second.nextCursor).toBeUndefined();
    expect(second.text.split('\n')).toHaveLength(3);
  });

  it('sends no signature to a plain-HTTP loopback endpoint and never looks for credentials', async () => {
    // Prepare
    vi.stubEnv('AWS_PROFILE', 'profile-that-does-not-exist');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    api = await startFakeTracerApi();
    const source = new ApiSource({ endpoint: api.url });

    // Act
    const clusters = await source.listClusters();

    // Assess
    expect(source.signed).toBe(false);
    expect(clusters.clusters.map((c) => c.clusterName)).toEqual(['default']);
    expect(api.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('signs requests to an https endpoint by default', () => {
    expect(new ApiSource({ endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' }).signed).toBe(
      true,
    );
  });
});

describe('ApiSource retries', () => {
  function failingFirst(times: number, answer: FakeAnswer) {
    let left = times;
    return () => {
      if (left <= 0) return undefined;
      left -= 1;
      return answer;
    };
  }

  it.each([429, 502, 503, 504])('retries HTTP %d and then succeeds', async (status) => {
    // Prepare
    api = await startFakeTracerApi({
      intercept: failingFirst(2, { status, body: '{"message":"slow down"}' }),
    });
    const sleep = vi.fn(noWait);
    const source = new ApiSource({ endpoint: api.url, sleep });

    // Act
    const clusters = await source.listClusters();

    // Assess
    expect(clusters.clusters).toHaveLength(1);
    expect(api.requests).toHaveLength(3);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  it('waits as long as Retry-After says', async () => {
    // Prepare
    api = await startFakeTracerApi({
      intercept: failingFirst(2, { status: 429, headers: { 'retry-after': '1' }, body: '' }),
    });
    const sleep = vi.fn(noWait);
    const source = new ApiSource({ endpoint: api.url, sleep });

    // Act
    await source.listClusters();

    // Assess
    expect(sleep.mock.calls).toEqual([[1000], [1000]]);
  });

  it('fails with the last answer when throttling outlasts the attempts', async () => {
    // Prepare
    api = await startFakeTracerApi({
      intercept: () => ({
        status: 429,
        headers: { 'content-type': 'application/json' },
        body: '{"error":{"code":"Throttled","message":"too many requests"}}',
      }),
    });
    const source = new ApiSource({ endpoint: api.url, sleep: noWait, maxAttempts: 3 });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({ status: 429, code: 'Throttled', apiMessage: 'too many requests' });
    expect(api.requests).toHaveLength(3);
  });

  it('retries a 503 Throttled after the Retry-After seconds, then answers', async () => {
    // Prepare
    api = await startFakeTracerApi({
      intercept: failingFirst(1, {
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '3' },
        body: '{"error":{"code":"Throttled","message":"the table is throttling reads"}}',
      }),
    });
    const sleep = vi.fn(noWait);
    const source = new ApiSource({ endpoint: api.url, sleep, random: () => 0 });

    // Act
    const clusters = await source.listClusters();

    // Assess
    expect(clusters.clusters).toHaveLength(1);
    expect(api.requests).toHaveLength(2);
    expect(sleep.mock.calls).toEqual([[3000]]);
  });

  it('reads a Retry-After date against its clock', async () => {
    // Prepare
    const nowMs = Date.parse('2024-05-01T12:00:00Z');
    api = await startFakeTracerApi({
      intercept: failingFirst(1, {
        status: 503,
        headers: { 'retry-after': 'Wed, 01 May 2024 12:00:04 GMT' },
        body: '',
      }),
    });
    const sleep = vi.fn(noWait);
    const source = new ApiSource({ endpoint: api.url, sleep, nowMs: () => nowMs, random: () => 0 });

    // Act
    await source.listClusters();

    // Assess
    expect(sleep.mock.calls).toEqual([[4000]]);
  });

  it('backs off exponentially with jitter when no Retry-After is given, and stops after 4 attempts', async () => {
    // Prepare
    api = await startFakeTracerApi({ intercept: () => ({ status: 503, body: '' }) });
    const sleep = vi.fn(noWait);
    const source = new ApiSource({ endpoint: api.url, sleep, random: () => 1 });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ status: 503, details: { attempts: 4 } });
    expect(sleep.mock.calls).toEqual([[250], [500], [1000]]);
  });

  it('gives up before its waits would pass the total it allows', async () => {
    // Prepare
    api = await startFakeTracerApi({
      intercept: () => ({ status: 429, headers: { 'retry-after': '8' }, body: '' }),
    });
    const sleep = vi.fn(noWait);
    const source = new ApiSource({ endpoint: api.url, sleep });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ status: 429, details: { attempts: 3 } });
    expect(sleep.mock.calls).toEqual([[8000], [8000]]);
  });

  it('does not retry a 500', async () => {
    // Prepare
    api = await startFakeTracerApi({
      intercept: () => ({
        status: 500,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1' },
        body: '{"error":{"code":"InternalError","message":"internal error"}}',
      }),
    });
    const source = new ApiSource({ endpoint: api.url, sleep: noWait });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ status: 500, code: 'InternalError', details: { requestId: 'req-1' } });
    expect(api.requests).toHaveLength(1);
  });
});

describe('ApiSource failures', () => {
  it('fails with ApiUnreachableError when nothing listens', async () => {
    // Prepare
    api = await startFakeTracerApi();
    const url = api.url;
    await api.close();
    api = undefined;
    const source = new ApiSource({ endpoint: url });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect(error).toMatchObject({ url, reason: 'connection-refused' });
  });

  it('fails with ApiUnreachableError when the answer does not come in time', async () => {
    // Prepare: a server that accepts the connection and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const source = new ApiSource({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 50 });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);
    silent.close();

    // Assess
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect(error).toMatchObject({ reason: 'timeout', detail: 'timed out' });
  });

  it.each<[string, FakeAnswer, string]>([
    [
      'an HTML page',
      { status: 200, headers: { 'content-type': 'text/html' }, body: '<html></html>' },
      'expected JSON (a cluster list), got text/html',
    ],
    [
      'JSON that is not a cluster list',
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"items":[]}' },
      'the answer is not a cluster list',
    ],
    [
      'broken JSON',
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"clusters":' },
      'the answer is not valid JSON (a cluster list)',
    ],
  ])('rejects %s as not the tracer API', async (_name, answer, message) => {
    // Prepare
    api = await startFakeTracerApi({ intercept: () => answer });
    const source = new ApiSource({ endpoint: api.url });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ApiProtocolError);
    expect((error as Error).message).toContain(message);
  });

  it('rejects a text trace that comes back as something else', async () => {
    // Prepare
    api = await startFakeTracerApi({
      intercept: () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<p>hi</p>' }),
    });
    const source = new ApiSource({ endpoint: api.url });

    // Act
    const act = source.getTraceText({ name: 'default' }, TASK_ID, { durationMs: 60_000 });

    // Assess
    await expect(act).rejects.toThrow('expected a text/plain trace, got text/html');
  });

  it.each<[string, FakeAnswer, Record<string, unknown>]>([
    [
      "tracer's error body",
      {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"error":{"code":"NotFound","message":"task x not found in cluster default\\n(tracer keeps tasks for 90 days)"}}',
      },
      {
        status: 404,
        code: 'NotFound',
        apiMessage: 'task x not found in cluster default (tracer keeps tasks for 90 days)',
      },
    ],
    [
      "API Gateway's refusal",
      {
        status: 403,
        headers: {
          'content-type': 'application/json',
          'x-amzn-errortype': 'AccessDeniedException:http://internal',
        },
        body: '{"message":"User: arn:aws:iam::123456789012:user/x is not authorized to perform: execute-api:Invoke"}',
      },
      { status: 403, code: 'AccessDeniedException', details: { gatewayErrorType: 'AccessDeniedException' } },
    ],
    ['a bare status', { status: 502, body: '' }, { status: 502, code: 'HTTP502', apiMessage: 'HTTP 502' }],
  ])('reads %s into ApiResponseError', async (_name, answer, expected) => {
    // Prepare
    api = await startFakeTracerApi({ intercept: () => answer });
    const source = new ApiSource({ endpoint: api.url, maxAttempts: 1 });

    // Act
    const error = await source.getTask({ name: 'default' }, 'x').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject(expected);
  });

  it('fails with CredentialsUnavailableError when a signed request finds no credentials', async () => {
    // Prepare
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    ]) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    api = await startFakeTracerApi();
    const source = new ApiSource({ endpoint: api.url, signing: 'sigv4', region: 'us-east-1' });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(api.requests).toHaveLength(0);
  });

  it('rejects an endpoint that is not an http URL', () => {
    expect(() => new ApiSource({ endpoint: 'file:///etc/passwd' })).toThrow(InvalidInputError);
    expect(() => new ApiSource({ endpoint: 'not a url' })).toThrow('endpoint "not a url" is not a URL');
  });
});
