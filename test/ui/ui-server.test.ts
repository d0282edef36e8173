import { afterEach, describe, expect, it } from 'vitest';
import { ApiResponseError } from '../../lambda/adapters/http/api-errors.js';
import { AmbiguousClusterError } from '../../lambda/core/cluster-id.js';
import { makeRunUi } from '../../lambda/ui/host/ui-command.js';
import { refusal, startUiServer, type UiServer } from '../../lambda/ui/host/ui-server.js';
import { RecordingSource, send, TASK } from './ui-server-harness.js';

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

  it("sends a JSON trace page's nextCursor in the header too, as the API does, so the next page is asked for early", async () => {
    const { url } = await start();

    const first = await send(url, `/clusters/default/tasks/${TASK}/trace?format=json&limit=200`);
    const last = await send(url, `/clusters/default/tasks/${TASK}/trace?format=json&cursor=c2`);

    expect(JSON.parse(first.body).nextCursor).toBe('next');
    expect(first.headers['x-tracer-next-cursor']).toBe('next');
    expect(last.headers['x-tracer-next-cursor']).toBeUndefined();
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

describe("tracer ui server's answer to an ambiguous cluster name", () => {
  it("is the API's 409 with the ARNs, so that the page can offer each cluster", async () => {
    // Prepare
    const source = new RecordingSource();
    source.failWith = new AmbiguousClusterError('prod', [
      'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
      'arn:aws:ecs:us-west-2:222233334444:cluster/prod',
    ]);
    const server = await startUiServer({ source, port: 0 });

    try {
      // Act
      const answer = await send(server.url, '/clusters/prod/tasks');

      // Assess
      expect(answer.status).toBe(409);
      expect(JSON.parse(answer.body).error).toEqual({
        code: 'AmbiguousCluster',
        message: expect.stringContaining('cluster prod is ambiguous'),
        clusterArns: [
          'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
          'arn:aws:ecs:us-west-2:222233334444:cluster/prod',
        ],
      });
    } finally {
      await server.close();
    }
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

  /** Runs `tracer ui --no-open` over `source` and answers the URL it printed, or its error output. */
  async function startUrl(argv: readonly string[], source = new RecordingSource()) {
    const run = makeRunUi({ openSource: async () => source, untilStopped: async () => {} });
    const { out, err, io: cliIo } = io();
    const code = await run(['--no-open', '--endpoint', 'http://127.0.0.1:8787', ...argv], cliIo);
    const path = /^tracer ui: http:\/\/127\.0\.0\.1:\d+(\S*)\n$/.exec(out.join(''))?.[1];
    return { code, path, err: err.join(''), source };
  }

  const OTHER = 'arn:aws:ecs:us-west-2:222233334444:cluster/default';

  it('opens the cluster of --account and --region by its ARN, asking the source nothing', async () => {
    const { code, path, source } = await startUrl([
      '--account',
      '222233334444',
      '--region',
      'us-west-2',
      'default',
      TASK,
    ]);

    expect(code).toBe(0);
    expect(path).toBe(`/ui/clusters/${encodeURIComponent(OTHER)}/tasks/${TASK}`);
    expect(source.calls).toEqual([]);
  });

  it('opens a cluster given by its ARN by that ARN', async () => {
    const { code, path } = await startUrl([OTHER]);

    expect(code).toBe(0);
    expect(path).toBe(`/ui/clusters/${encodeURIComponent(OTHER)}`);
  });

  it('narrows a name by --account alone among the recorded clusters', async () => {
    const source = new RecordingSource();
    const filters: unknown[] = [];
    const listClusters = source.listClusters.bind(source);
    source.listClusters = async (filter) => {
      filters.push(filter);
      return listClusters();
    };

    const { code, path } = await startUrl(['--account', '123456789012', 'default'], source);

    expect(code).toBe(0);
    expect(path).toBe(
      `/ui/clusters/${encodeURIComponent('arn:aws:ecs:us-east-1:123456789012:cluster/default')}`,
    );
    expect(filters).toEqual([{ account: '123456789012' }]);
  });

  it('opens the name itself when no recorded cluster of --account carries it', async () => {
    const { code, path } = await startUrl(['--account', '999988887777', 'other']);

    expect(code).toBe(0);
    expect(path).toBe('/ui/clusters/other');
  });

  it('refuses a name that --region alone leaves ambiguous, listing the ARNs', async () => {
    const source = new RecordingSource();
    const twoInRegion = {
      clusters: ['111122223333', '444455556666'].map((account) => ({
        clusterName: 'prod',
        account,
        region: 'us-east-1',
        clusterArn: `arn:aws:ecs:us-east-1:${account}:cluster/prod`,
        lastSeenAt: '2021-12-03T00:00:00.000Z',
      })),
    };
    source.listClusters = async () => twoInRegion;

    const { code, path, err } = await startUrl(['--region', 'us-east-1', 'prod'], source);

    expect(code).not.toBe(0);
    expect(path).toBeUndefined();
    expect(err).toContain('cluster prod is ambiguous: 2 recorded clusters carry that name');
  });

  it.each([
    [
      ['--account', '222233334444', OTHER.replace('222233334444', '123456789012')],
      '--account: 222233334444 contradicts the cluster ARN',
    ],
    [['--account', '12', 'default'], '--account: "12" is not an AWS account id'],
    [
      ['--account', '222233334444', 'default', `arn:aws:ecs:us-west-2:123456789012:task/default/${TASK}`],
      'TASK: the task ARN belongs to account 123456789012, not 222233334444',
    ],
  ])('refuses %o before opening the source', async (argv, message) => {
    let opened = false;
    const run = makeRunUi({
      openSource: async () => {
        opened = true;
        return new RecordingSource();
      },
      untilStopped: async () => {},
    });
    const { err, io: cliIo } = io();

    const code = await run(['--no-open', '--endpoint', 'http://127.0.0.1:8787', ...argv], cliIo);

    expect(code).not.toBe(0);
    expect(err.join('')).toContain(message);
    expect(opened).toBe(false);
  });

  it('fails when no source is chosen', async () => {
    const run = makeRunUi({ openSource: async () => new RecordingSource(), untilStopped: async () => {} });
    const { err, io: cliIo } = io();
    expect(await run([], cliIo)).toBe(1);
    expect(err.join('')).toMatch(/endpoint|stack|live/);
  });
});
