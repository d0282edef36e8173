import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiResponseError } from '../../lambda/adapters/http/api-errors.js';
import type { TaskListFilters, TraceRequest, TracerSource } from '../../lambda/cli/source.js';
import type { TraceResponse } from '../../lambda/core/api-types.js';
import type { ClusterRef } from '../../lambda/core/cluster-id.js';
import { makeRunUi } from '../../lambda/ui/host/ui-command.js';
import { refusal, startUiServer, type UiServer } from '../../lambda/ui/host/ui-server.js';

const TASK = '9f654c76cde14c7c85cf54dce087658a';

/** A source that records what it was asked and answers from small fixtures. */
class RecordingSource implements TracerSource {
  readonly description = 'the recording source';
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  failWith?: unknown;

  private record(method: string, ...args: unknown[]) {
    this.calls.push({ method, args });
    if (this.failWith) throw this.failWith;
  }

  async listClusters() {
    this.record('listClusters');
    return {
      clusters: [
        {
          clusterName: 'default',
          account: '123456789012',
          region: 'us-east-1',
          clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
          lastSeenAt: '2021-12-03T00:00:00.000Z',
        },
      ],
    };
  }
  // Records the cluster's name: the page names clusters by name.
  async listTasks(cluster: ClusterRef, filters?: TaskListFilters) {
    this.record('listTasks', cluster.name, filters);
    return { tasks: [] };
  }
  async getTask(cluster: ClusterRef, task: string) {
    this.record('getTask', cluster.name, task);
    return {
      cluster: cluster.name,
      taskId: task,
      taskArn: 'arn',
      lastStatus: 'STOPPED',
      version: 1,
      containers: [],
      source: 'recorded' as const,
    };
  }
  async getTraceText(cluster: ClusterRef, task: string, traceRequest: TraceRequest) {
    this.record('getTraceText', cluster.name, task, traceRequest);
    return { text: '2021-11-26T17:29:15.055Z\tTASK\tCreated\n', nextCursor: 'next' };
  }
  async getTraceJson(cluster: ClusterRef, task: string, traceRequest: TraceRequest): Promise<TraceResponse> {
    this.record('getTraceJson', cluster.name, task, traceRequest);
    const task_ = await this.getTask(cluster, task);
    return traceRequest.since === undefined
      ? { task: task_, lines: [], logCalls: 0 }
      : { task: task_, lines: [], logCalls: 0, sinceCursor: 'since-2' };
  }
  close() {}
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with exactly these headers (fetch would set Host and Origin itself). */
function send(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('tracer ui server', () => {
  let server: UiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(source = new RecordingSource()) {
    server = await startUiServer({ source, port: 0 });
    return { source, url: server.url };
  }

  it('answers the page for every route under /ui/, with a policy that allows only its own server', async () => {
    const { url } = await start();
    const page = await send(url, `/ui/clusters/default/tasks/${TASK}`);
    const script = await send(url, '/ui/assets/app.js');
    const root = await send(url, '/');

    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/ui/assets/app.js">');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(root.status).toBe(308);
    expect(root.headers.location).toBe('/ui/');
  });

  it("preloads a task page's first trace page, the very request the script makes", async () => {
    const { url } = await start();
    const page = await send(url, `/ui/clusters/default/tasks/${TASK}?full=true&source=TASK`);
    const clusters = await send(url, '/ui/');

    expect(page.body).toContain(
      `<link rel="preload" as="fetch" crossorigin="anonymous" href="/clusters/default/tasks/${TASK}/trace?full=true&amp;limit=200&amp;format=json">`,
    );
    expect(clusters.body).not.toContain('rel="preload"');
  });

  it('forwards the API paths to the source, with their filters and page sizes', async () => {
    const { source, url } = await start();

    const clusters = await send(url, '/clusters');
    await send(url, '/clusters/default/tasks?failed=true&status=stopped&limit=5&cursor=c1');
    await send(url, `/clusters/default/tasks/${TASK}`);
    await send(url, `/clusters/default/tasks/${TASK}/trace?format=json&full=true&limit=200&cursor=c2`);
    const text = await send(url, `/clusters/default/tasks/${TASK}/trace?duration=30s`);

    expect(JSON.parse(clusters.body).clusters[0].clusterName).toBe('default');
    expect(source.calls).toEqual([
      { method: 'listClusters', args: [] },
      { method: 'listTasks', args: ['default', { status: 'STOPPED', failed: true, cursor: 'c1', limit: 5 }] },
      { method: 'getTask', args: ['default', TASK] },
      {
        method: 'getTraceJson',
        args: ['default', TASK, { durationMs: 60_000, full: true, cursor: 'c2', limit: 200 }],
      },
      { method: 'getTask', args: ['default', TASK] },
      { method: 'getTraceText', args: ['default', TASK, { durationMs: 30_000 }] },
    ]);
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.headers['x-tracer-next-cursor']).toBe('next');
  });

  it('passes since through to the source and answers its sinceCursor, in JSON only', async () => {
    // Prepare
    const { source, url } = await start();

    // Act
    const polled = await send(url, `/clusters/default/tasks/${TASK}/trace?format=json&since=since-1`);
    const text = await send(url, `/clusters/default/tasks/${TASK}/trace?since=start`);

    // Assess
    expect(polled.status).toBe(200);
    expect(JSON.parse(polled.body).sinceCursor).toBe('since-2');
    expect(source.calls).toEqual([
      { method: 'getTraceJson', args: ['default', TASK, { durationMs: 60_000, since: 'since-1' }] },
      { method: 'getTask', args: ['default', TASK] },
    ]);
    expect(text.status).toBe(400);
    expect(JSON.parse(text.body).error.message).toBe('since: answered here in JSON only; add format=json');
  });

  it.each([
    [{ host: 'evil.example:8788' }, 421],
    [{ host: 'evil.example' }, 421],
    [{ host: '127.0.0.1:PORT', origin: 'http://evil.example' }, 403],
    [{ host: '127.0.0.1:PORT', 'sec-fetch-site': 'cross-site' }, 403],
    [{ host: '127.0.0.1:PORT', 'sec-fetch-site': 'same-site' }, 403],
  ])('rejects a request with headers %o (%i) and asks the source nothing', async (headers, status) => {
    const { source, url } = await start();
    const port = new URL(url).port;
    const filled = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('PORT', port)]));

    const answer = await send(url, '/clusters', { headers: filled });

    expect(answer.status).toBe(status);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(source.calls).toEqual([]);
  });

  it('accepts localhost and its own origin', () => {
    expect(
      refusal(
        { host: 'localhost:8788', origin: 'http://localhost:8788', 'sec-fetch-site': 'same-origin' },
        8788,
      ),
    ).toBeUndefined();
    expect(refusal({ host: '[::1]:8788' }, 8788)).toBeUndefined();
  });

  it('rejects methods other than GET and HEAD with 405', async () => {
    const { url } = await start();
    const answer = await send(url, '/clusters', { method: 'POST' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    ['/clusters?limit=5', 'unknown query parameter "limit": this route takes none'],
    ['/clusters/default/tasks?limit=0', 'limit: expected a positive integer, got "0"'],
    ['/clusters/default/tasks?failed=yes', 'failed: expected true or false, got "yes"'],
    [`/clusters/default/tasks/${TASK}/trace?duration=5`, 'duration: "5" is not a duration'],
    [`/clusters/default/tasks/${TASK}/trace?format=xml`, 'format: expected json or text, got "xml"'],
  ])('rejects %s with 400, naming the parameter', async (path, message) => {
    const { url } = await start();
    const answer = await send(url, path);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.message).toContain(message);
  });

  it("passes the API's error answers on, and answers 502 for a source that failed otherwise", async () => {
    const source = new RecordingSource();
    const { url } = await start(source);
    source.failWith = new ApiResponseError(
      404,
      'NotFound',
      'task x not found (tracer keeps tasks for 90 days)',
      {
        url: 'https://api.example',
      },
    );
    const missing = await send(url, `/clusters/default/tasks/${TASK}`);
    source.failWith = new Error('socket hang up');
    const broken = await send(url, '/clusters');

    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.message).toBe('task x not found (tracer keeps tasks for 90 days)');
    expect(broken.status).toBe(502);
  });
});

describe('tracer ui', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        stdout: { write: (text: string) => out.push(text) > 0 },
        stderr: { write: (text: string) => err.push(text) > 0 },
        env: {},
        nowMs: () => Date.parse('2024-05-01T00:00:00Z'),
        localTimeZone: 'UTC',
      },
    };
  };

  it("prints the task's page, opens the browser, and stops when told to", async () => {
    // Prepare
    const opened: string[] = [];
    let servedUrl = '';
    const run = makeRunUi({
      openSource: async () => new RecordingSource(),
      openBrowser: async (url) => {
        opened.push(url);
        servedUrl = url;
        return true;
      },
      untilStopped: async () => {
        // The page answers while the command runs.
        const answer = await fetch(servedUrl);
        expect(answer.status).toBe(200);
      },
    });
    const { out, io: cliIo } = io();

    // Act
    const code = await run(['--endpoint', 'http://127.0.0.1:8787', 'default', TASK], cliIo);

    // Assess
    expect(code).toBe(0);
    expect(out.join('')).toMatch(
      new RegExp(`^tracer ui: http://127\\.0\\.0\\.1:\\d+/ui/clusters/default/tasks/${TASK}\\n$`),
    );
    expect(opened).toHaveLength(1);
  });

  it('does not open the browser with --no-open', async () => {
    const opened: string[] = [];
    const run = makeRunUi({
      openSource: async () => new RecordingSource(),
      openBrowser: async (url) => opened.push(url) > 0,
      untilStopped: async () => {},
    });
    const code = await run(['--no-open', '--port', '0', '--endpoint', 'http://127.0.0.1:8787'], io().io);
    expect(code).toBe(0);
    expect(opened).toEqual([]);
  });

  it.each([
    [
      ['--port', 'abc', '--endpoint', 'http://127.0.0.1:8787'],
      '--port: expected a port from 0 to 65535, got "abc"',
    ],
    [['--endpoint', 'http://127.0.0.1:8787', 'a', 'b', 'c'], 'too many arguments: c'],
  ])('fails with a usage error for %o', async (argv, message) => {
    const run = makeRunUi({ openSource: async () => new RecordingSource(), untilStopped: async () => {} });
    const { err, io: cliIo } = io();
    const code = await run(argv, cliIo);
    expect(code).toBe(2);
    expect(err.join('')).toContain(message);
  });

  it('fails when no source is chosen', async () => {
    const run = makeRunUi({ openSource: async () => new RecordingSource(), untilStopped: async () => {} });
    const { err, io: cliIo } = io();
    expect(await run([], cliIo)).toBe(1);
    expect(err.join('')).toMatch(/endpoint|stack|live/);
  });
});
