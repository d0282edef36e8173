/**
 * `tracer ui`'s server parses every API request through the front door (core/request/api-request.ts):
 * a parameter means what it means to the API, the CLI, MCP and local mode, and a bad one gets the API's
 * own 400 message before the source is asked anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../lambda/core/errors.js';
import { parseApiRequest, RouteError } from '../../lambda/core/request/api-request.js';
import { startUiServer, type UiServer } from '../../lambda/ui/host/ui-server.js';
import { RecordingSource, send, TASK } from './ui-server-harness.js';

const NOW_MS = Date.parse('2024-05-01T12:00:00Z');
const TRACE = `/clusters/default/tasks/${TASK}/trace`;
const ARN_PREFIX = 'arn:aws:ecs:eu-west-1:123456789012';

/** What the front door says about a path, as the API handler would answer it. */
function frontDoorMessage(path: string): string {
  const url = new URL(path, 'http://127.0.0.1');
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.at(-1) ?? '';
    multiValueQuery[name] = values;
  }
  try {
    parseApiRequest({ method: 'GET', path: url.pathname, query, multiValueQuery }, NOW_MS);
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof RouteError) return error.message;
    throw error;
  }
  throw new Error(`the front door accepts ${path}`);
}

describe("tracer ui server's front door", () => {
  let server: UiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start() {
    const source = new RecordingSource();
    server = await startUiServer({ source, port: 0, nowMs: () => NOW_MS });
    return { source, url: server.url };
  }

  it.each([
    ['/clusters?limit=5', 'unknown query parameter "limit"; this route takes account, region'],
    ['/clusters/default/tasks?limit=5&limit=6', 'limit: given more than once'],
    ['/clusters/default/tasks?limit=0', 'limit: expected a whole number from 1 to 100, got "0"'],
    ['/clusters/default/tasks?limit=101', 'limit: expected a whole number from 1 to 100, got "101"'],
    ['/clusters/default/tasks?failed=yes', 'failed: expected true or false, got "yes"'],
    ['/clusters/default/tasks?status=GONE', 'status: expected one of'],
    ['/clusters/default/tasks?since=yesterday', 'since: "yesterday" is not a time'],
    ['/clusters/default/tasks?until=soon', 'until: "soon" is not a time'],
    ['/clusters/default/tasks?since=1h&until=2h', 'since: 2024-05-01T11:00:00.000Z is after until'],
    ['/clusters/default/tasks?cursor=%7Bx%7D', 'cursor: not a cursor that tracer issued'],
    ['/clusters/default/tasks?since=start&limit=5', 'limit: cannot be combined with a since cursor'],
    ['/clusters/dev-team%2Fdefault/tasks', 'cluster: "dev-team%2Fdefault" holds an encoded slash'],
    ['/clusters/bad!name/tasks', 'cluster: "bad!name" is not a cluster name'],
    [
      `/clusters/${encodeURIComponent(`${ARN_PREFIX}:service/default`)}/tasks`,
      'is not a cluster name (letters, digits, hyphens and underscores, up to 255) or a cluster ARN',
    ],
    ['/clusters/default/tasks/not_a_task', 'taskId: "not_a_task" is not a task id or a task ARN'],
    [
      `/clusters/default/tasks/${encodeURIComponent(`${ARN_PREFIX}:task/other/${TASK}`)}`,
      'taskId: the task ARN belongs to cluster other, not default',
    ],
    [`${TRACE}?duration=5`, 'duration: "5" is not a duration'],
    [`${TRACE}?duration=25h`, 'duration: at most 24h0m0s, got "25h"'],
    [`${TRACE}?full=yes`, 'full: expected true or false, got "yes"'],
    [`${TRACE}?tz=Mars%2FOlympus`, 'tz: '],
    [`${TRACE}?format=xml`, 'format: expected json or text, got "xml"'],
    [`${TRACE}?limit=25001`, 'limit: expected a whole number from 1 to 25000, got "25001"'],
    [`${TRACE}?cursor=a%20b`, 'cursor: not a cursor that tracer issued'],
    [`${TRACE}?since=a%2Fb&format=json`, 'since: not a cursor that tracer issued'],
    [`${TRACE}?since=start&cursor=c1&format=json`, 'since: cannot be combined with cursor'],
    [
      `${TRACE}?verbose=true`,
      'unknown query parameter "verbose"; this route takes account, region, duration, full',
    ],
  ])("rejects %s with the front door's 400 and asks the source nothing", async (path, message) => {
    // Prepare
    const { source, url } = await start();

    // Act
    const answer = await send(url, path);

    // Assess
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('InvalidInput');
    expect(body.error.message).toContain(message);
    expect(body.error.message).toBe(frontDoorMessage(path));
    expect(source.calls).toEqual([]);
  });

  it.each(['/clusters/default', '/clusters/default/tasks/x/trace/more', '/clusters/default/services'])(
    'rejects %s, which no API route has, with 404',
    async (path) => {
      const { source, url } = await start();

      const answer = await send(url, path);

      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body).error.message).toBe(frontDoorMessage(path));
      expect(source.calls).toEqual([]);
    },
  );

  it('rejects since with format=text, which the source cannot answer with a since cursor', async () => {
    const { source, url } = await start();

    const answer = await send(url, `${TRACE}?since=start`);

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.message).toBe('since: answered here in JSON only; add format=json');
    expect(source.calls).toEqual([]);
  });

  it('forwards the parsed values: times counted from now, cluster and task ARNs as names, the default page size', async () => {
    // Prepare
    const { source, url } = await start();
    const clusterArn = encodeURIComponent(`${ARN_PREFIX}:cluster/default`);
    const taskArn = encodeURIComponent(`${ARN_PREFIX}:task/default/${TASK}`);

    // Act
    await send(url, '/clusters/default/tasks?since=2h&until=2024-05-01T11:30:00Z&status=running');
    await send(url, `/clusters/${clusterArn}/tasks?failed=false&cursor=live:50`);
    await send(url, `/clusters/${clusterArn}/tasks/${taskArn}`);
    await send(url, `${TRACE}?tz=Asia/Tokyo&full=false&limit=&duration=90s`);

    // Assess
    expect(source.calls).toEqual([
      {
        method: 'listTasks',
        args: [
          'default',
          {
            status: 'RUNNING',
            since: '2024-05-01T10:00:00.000Z',
            until: '2024-05-01T11:30:00.000Z',
            limit: 50,
          },
        ],
      },
      { method: 'listTasks', args: ['default', { cursor: 'live:50', limit: 50 }] },
      { method: 'getTask', args: ['default', TASK] },
      { method: 'getTraceText', args: ['default', TASK, { durationMs: 90_000, tz: 'Asia/Tokyo' }] },
    ]);
  });

  it("forwards a listing's since cursor as a follow of the cluster", async () => {
    const { source, url } = await start();

    await send(url, '/clusters/default/tasks?since=start&failed=true');

    expect(source.calls).toEqual([
      { method: 'listTasks', args: ['default', { since: 'start', failed: true }] },
    ]);
  });

  it('answers a trace in JSON when the Accept header prefers it, as the API does', async () => {
    const { source, url } = await start();

    const answer = await send(url, TRACE, { headers: { accept: 'text/plain;q=0.5, application/json' } });

    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(source.calls[0]).toEqual({
      method: 'getTraceJson',
      args: ['default', TASK, { durationMs: 60_000 }],
    });
  });

  it('answers HEAD like GET, without a body', async () => {
    const { source, url } = await start();

    const answer = await send(url, '/clusters', { method: 'HEAD' });

    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    expect(source.calls).toEqual([{ method: 'listClusters', args: [] }]);
  });
});
