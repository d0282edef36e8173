import { afterEach, describe, expect, it } from 'vitest';
import { CredentialsUnavailableError } from '../../lambda/adapters/http/api-errors.js';
import { ApiSource } from '../../lambda/adapters/http/api-source.js';
import { openTracerSource } from '../../lambda/cli/open-source.js';
import type { TracerSource } from '../../lambda/cli/source.js';
import { type FakeAnswer, readExpectedTrace, startFakeTracerApi } from '../support/fake-tracer-api.js';
import { connectMcp, type McpHarness, textOf } from './mcp-harness.js';

const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';
const UNKNOWN_TASK = '0123456789abcdef0123456789abcdef';

let mcp: McpHarness | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = undefined;
});

/** The next call works: the failed-pull trace comes back whole. */
async function expectServerStillAnswers(harness: McpHarness): Promise<void> {
  const next = await harness.call('get_trace', { cluster: 'default', task: FAILED_PULL });
  expect(next.isError).toBeFalsy();
  expect(textOf(next)).toBe(readExpectedTrace(FAILED_PULL));
}

function gatewayAnswer(status: number, errorType: string, message: string): FakeAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType },
    body: JSON.stringify({ message }),
  };
}

/** Answers `answer` once, for the first request whose path contains `path`, then behaves normally. */
function once(path: string, answer: FakeAnswer) {
  let used = false;
  return (request: { url: string }) => {
    if (used || !request.url.includes(path)) return undefined;
    used = true;
    return answer;
  };
}

describe('throttling', () => {
  const throttled: FakeAnswer = {
    status: 503,
    headers: { 'content-type': 'application/json', 'retry-after': '1' },
    body: JSON.stringify({ error: { code: 'Throttled', message: 'the table is throttling reads' } }),
  };

  /** The real source wiring, with retries that record their waits instead of waiting. */
  function withRecordedWaits(waits: number[]) {
    return (endpoint: string) =>
      openTracerSource(
        { selection: { kind: 'endpoint', endpoint } },
        { retryTiming: { sleep: async (ms) => void waits.push(ms), random: () => 0 } },
      );
  }

  it('answers a tool call after the API answered 503 Throttled once', async () => {
    // Prepare
    const waits: number[] = [];
    mcp = await connectMcp({
      api: { intercept: once('/trace', throttled) },
      openSource: withRecordedWaits(waits),
    });

    // Act
    const result = await mcp.call('get_trace', { cluster: 'default', task: FAILED_PULL });

    // Assess
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(readExpectedTrace(FAILED_PULL));
    expect(waits).toEqual([1000]);
  });

  it('reports throttling that outlasts the retries in the one line the CLI prints', async () => {
    // Prepare
    const waits: number[] = [];
    mcp = await connectMcp({
      api: { intercept: (request) => (request.url.includes('/trace') ? throttled : undefined) },
      openSource: withRecordedWaits(waits),
    });

    // Act
    const result = await mcp.call('get_trace', { cluster: 'default', task: FAILED_PULL });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'the API is throttled (HTTP 503, 4 attempts): the table is throttling reads; wait a moment and retry',
    );
    expect(waits).toEqual([1000, 1000, 1000]);
  });
});

describe('tool errors carry the one line the CLI prints, and the next call works', () => {
  it.each([
    {
      name: 'an unknown task (get_task)',
      tool: 'get_task',
      args: { cluster: 'default', task: UNKNOWN_TASK },
      message: `task ${UNKNOWN_TASK} not found in cluster default (tracer keeps tasks for 90 days)`,
    },
    {
      name: 'an unknown task (get_trace)',
      tool: 'get_trace',
      args: { cluster: 'default', task: UNKNOWN_TASK },
      message: `task ${UNKNOWN_TASK} not found in cluster default (tracer keeps tasks for 90 days)`,
    },
    {
      name: 'a task id that is not one',
      tool: 'get_trace',
      args: { cluster: 'default', task: 'not a task!' },
      message:
        'task: "not a task!" is not a task id or a task ARN (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID)',
    },
    {
      name: 'a task ARN of another cluster',
      tool: 'get_task',
      args: { cluster: 'default', task: `arn:aws:ecs:eu-west-1:123456789012:task/prod/${FAILED_PULL}` },
      message: 'task: the task ARN belongs to cluster prod, not default',
    },
    {
      name: 'a cluster name that is not one',
      tool: 'list_tasks',
      args: { cluster: 'a b' },
      message:
        'cluster: "a b" is not a cluster name (letters, digits, hyphens and underscores, up to 255) or a cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)',
    },
    {
      name: 'a duration that is not one',
      tool: 'get_trace',
      args: { cluster: 'default', task: FAILED_PULL, duration: 'forever' },
      message:
        'duration: "forever" is not a duration ("forever" is not a number with a unit); use values like 30s, 5m, 1m30s, 1.5h or 500ms',
    },
    {
      name: 'an unknown time zone',
      tool: 'get_trace',
      args: { cluster: 'default', task: FAILED_PULL, tz: 'Mars/Olympus_Mons' },
      message:
        'tz: "Mars/Olympus_Mons" is not a time zone; use an IANA name such as UTC, Asia/Tokyo or America/New_York',
    },
    {
      name: 'a damaged cursor',
      tool: 'get_trace',
      args: { cluster: 'default', task: FAILED_PULL, cursor: 'mcp1.e30-not-json' },
      message:
        'cursor "mcp1.e30-not-json" is damaged; pass the nextCursor of the previous get_trace answer unchanged',
    },
    {
      name: 'a since that is not a time',
      tool: 'list_tasks',
      args: { cluster: 'default', since: 'last tuesday' },
      message:
        'since: "last tuesday" is not a time; use ISO 8601 (2024-05-01T12:00:00Z) or a duration ago (2h)',
    },
    {
      name: 'a since after the until',
      tool: 'list_tasks',
      args: { cluster: 'default', since: '2024-05-02T00:00:00Z', until: '2024-05-01T00:00:00Z' },
      message: 'since: 2024-05-02T00:00:00.000Z is after until 2024-05-01T00:00:00.000Z',
    },
  ])('rejects $name', async ({ tool, args, message }) => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call(tool, args);

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(message);
    expect(mcp.logs.some((line) => line.includes('"tool call failed"') && line.includes(tool))).toBe(true);
    await expectServerStillAnswers(mcp);
  });

  it.each<{
    name: string;
    path: string;
    answer: FakeAnswer;
    tool: string;
    args: Record<string, unknown>;
    message: string;
  }>([
    {
      name: 'a cluster that tracer never recorded',
      path: '/clusters/prod/tasks',
      answer: {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          error: {
            code: 'NotFound',
            message: 'cluster prod has no recorded tasks (tracer keeps tasks for 90 days)',
          },
        }),
      },
      tool: 'list_tasks',
      args: { cluster: 'prod' },
      message: 'cluster prod has no recorded tasks (tracer keeps tasks for 90 days)',
    },
    {
      name: 'access denied by API Gateway',
      path: '/clusters',
      answer: gatewayAnswer(
        403,
        'AccessDeniedException',
        'User: arn:aws:iam::123456789012:user/x is not authorized to perform: execute-api:Invoke',
      ),
      tool: 'list_clusters',
      args: {},
      message: 'access denied by the API: the caller needs execute-api:Invoke',
    },
    {
      name: 'access denied by tracer',
      path: `/tasks/${FAILED_PULL}`,
      answer: {
        status: 403,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          error: { code: 'AccessDenied', message: 'the API may not read log group /ecs/nginx' },
        }),
      },
      tool: 'get_task',
      args: { cluster: 'default', task: FAILED_PULL },
      message: 'access denied: the API may not read log group /ecs/nginx',
    },
    {
      name: 'an internal error of the API',
      path: '/trace',
      answer: {
        status: 500,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1' },
        body: JSON.stringify({
          error: { code: 'InternalError', message: 'internal error (request id req-1)' },
        }),
      },
      tool: 'get_trace',
      args: { cluster: 'default', task: FAILED_PULL },
      message: "the API failed with an internal error (request id req-1); retry, or read the API's logs",
    },
  ])('reports $name', async ({ path, answer, tool, args, message }) => {
    // Prepare
    mcp = await connectMcp({ api: { intercept: once(path, answer) } });

    // Act
    const result = await mcp.call(tool, args);

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(message);
    await expectServerStillAnswers(mcp);
  });

  it('reports an unreachable endpoint, and answers once the endpoint is back', async () => {
    // Prepare: the source talks to a closed port until the API comes back.
    const closed = await startFakeTracerApi();
    await closed.close();
    let reachable = false;
    const sources: Record<string, TracerSource> = {};
    mcp = await connectMcp({
      openSource: async (endpoint) => {
        sources.down = new ApiSource({ endpoint: closed.url, maxAttempts: 1 });
        sources.up = new ApiSource({ endpoint });
        const pick = () => (reachable ? sources.up : sources.down) as TracerSource;
        return {
          description: endpoint,
          listClusters: () => pick().listClusters(),
          listTasks: (cluster, filters) => pick().listTasks(cluster, filters),
          getTask: (cluster, task) => pick().getTask(cluster, task),
          getTraceText: (cluster, task, request) => pick().getTraceText(cluster, task, request),
          getTraceJson: (cluster, task, request) => pick().getTraceJson(cluster, task, request),
          close: () => {},
        };
      },
    });

    // Act
    const down = await mcp.call('get_trace', { cluster: 'default', task: FAILED_PULL });
    reachable = true;

    // Assess
    expect(down.isError).toBe(true);
    expect(textOf(down)).toBe(`cannot reach ${closed.url}: connection refused; is \`npm start\` running?`);
    await expectServerStillAnswers(mcp);
  });

  it('reports a source that cannot be opened, and opens it on the next call', async () => {
    // Prepare
    let attempts = 0;
    mcp = await connectMcp({
      openSource: async (endpoint) => {
        attempts += 1;
        if (attempts === 1) throw new CredentialsUnavailableError('prod');
        return openTracerSource({ selection: { kind: 'endpoint', endpoint } });
      },
    });

    // Act
    const first = await mcp.call('list_clusters');

    // Assess
    expect(first.isError).toBe(true);
    expect(textOf(first)).toBe(
      'no credentials found for profile prod; check --profile and ~/.aws/config, or run aws sso login --profile prod',
    );
    await expectServerStillAnswers(mcp);
    expect(attempts).toBe(2);
  });

  it('reports an unexpected failure in one line and logs its stack to the server log', async () => {
    // Prepare
    mcp = await connectMcp({
      openSource: async () => {
        throw new Error('boom');
      },
    });

    // Act
    const result = await mcp.call('list_clusters');

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('unexpected error: boom (set TRACER_DEBUG=1 for details)');
    const logged = mcp.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'tool call failed',
        tool: 'list_clusters',
        stack: expect.stringContaining('Error: boom'),
      }),
    );
  });

  it.each([
    { name: 'a missing cluster', tool: 'list_tasks', args: {}, mentions: 'cluster is required' },
    { name: 'a missing task', tool: 'get_trace', args: { cluster: 'default' }, mentions: 'task is required' },
    {
      name: 'a status ECS does not have',
      tool: 'list_tasks',
      args: { cluster: 'default', status: 'EXPLODED' },
      mentions: 'status',
    },
    {
      name: 'a limit above one page',
      tool: 'list_tasks',
      args: { cluster: 'default', limit: 500 },
      mentions: 'limit must be from 1 to 100',
    },
    {
      name: 'a format other than text or json',
      tool: 'get_trace',
      args: { cluster: 'default', task: FAILED_PULL, format: 'xml' },
      mentions: 'format',
    },
  ])('rejects arguments against the input schema: $name', async ({ tool, args, mentions }) => {
    // Prepare
    mcp = await connectMcp();

    // Act
    const result = await mcp.call(tool, args);

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(mentions);
    expect(mcp.api.requests).toHaveLength(0);
    await expectServerStillAnswers(mcp);
  });
});
