/**
 * The CLI against the real API handler (over in-memory ports holding the reference tasks), served on
 * loopback the way API Gateway would pass requests to it: the contract between client and API, end to end.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTracerSource } from '../../lambda/cli/open-source.js';
import { silentLogger } from '../../lambda/config/logger.js';
import type { TraceResponse } from '../../lambda/core/api-types.js';
import { type ApiDeps, makeApiHandler } from '../../lambda/handlers/api.js';
import {
  FakeServiceEventSource,
  fixedClock,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../fakes/trace-ports.js';
import { connectMcp, textOf } from '../mcp/mcp-harness.js';
import { testCursorSeal } from '../support/cursor-seal.js';
import {
  loadReference,
  loadReferences,
  REFERENCE_TASK_IDS,
  referenceLogSource,
} from '../support/reference-fixtures.js';
import { runTracer } from './run-cli.js';

const fixtures = loadReferences();

function referenceDeps(overrides: Partial<ApiDeps> = {}): ApiDeps {
  const history = new InMemoryTaskHistory();
  const logs = referenceLogSource(fixtures);
  for (const fixture of fixtures) history.recordEvents(fixture.events);
  return {
    history,
    taskDefinitions: new InMemoryTaskDefinitionStore(fixtures.flatMap((f) => f.taskDefinitions)),
    serviceEvents: new InMemoryServiceEventStore(),
    serviceEventSource: new FakeServiceEventSource(fixtures.flatMap((f) => f.serviceEvents)),
    logs,
    clock: fixedClock(Math.max(...fixtures.map((f) => f.nowMs))),
    retentionDays: 90,
    home: { account: '123456789012', region: 'ap-northeast-1' },
    cursorSeal: testCursorSeal,
    logger: silentLogger,
    ...overrides,
  };
}

/** Serves a Lambda proxy handler over HTTP, as API Gateway's proxy integration does. */
async function serveHandler(
  handler: ReturnType<typeof makeApiHandler>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const query: Record<string, string> = {};
    const multi: Record<string, string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      query[key] = values[values.length - 1] ?? '';
      multi[key] = values;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    void handler({
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: Object.keys(multi).length > 0 ? multi : null,
      headers,
    }).then((answer) => {
      const answerHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers ?? {})) answerHeaders[name] = String(value);
      res.writeHead(answer.statusCode, answerHeaders);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('tracer against the real API handler', () => {
  let url: string;
  let server: Server;

  beforeAll(async () => {
    ({ url, server } = await serveHandler(makeApiHandler(referenceDeps())));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each(Object.values(REFERENCE_TASK_IDS))('prints the golden trace of task %s', async (taskId) => {
    // Prepare
    const fixture = loadReference(taskId);

    // Act
    const run = await runTracer(['--endpoint', url, 'default', taskId], { localTimeZone: 'Asia/Tokyo' });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(fixture.goldenPath, 'utf8'));
    const printed = run.stdout.split('\n');
    let at = -1;
    for (const line of fixture.exampleText.trimEnd().split('\n')) {
      const next = printed.indexOf(line, at + 1);
      expect(next, `missing or out of order: ${line}`).toBeGreaterThan(at);
      at = next;
    }
  });

  it('prints the JSON trace with the failure of the failed pull', async () => {
    // Act
    const run = await runTracer(['--endpoint', url, '--json', 'default', REFERENCE_TASK_IDS.failedPull]);

    // Assess
    const trace = JSON.parse(run.stdout) as TraceResponse;
    expect(trace.task.failure).toMatchObject({ failed: true, kind: 'image-pull' });
    expect(trace.nextCursor).toBeUndefined();
  });

  it('prints the JSON trace with its times in --tz, and epochMs as the API sent them', async () => {
    // Prepare
    const utc = JSON.parse(
      (await runTracer(['--endpoint', url, '--json', 'default', REFERENCE_TASK_IDS.failedPull])).stdout,
    ) as TraceResponse;

    // Act
    const run = await runTracer(
      ['--endpoint', url, '--json', '--tz', 'Asia/Tokyo', 'default', REFERENCE_TASK_IDS.failedPull],
      { localTimeZone: 'UTC' },
    );

    // Assess
    const tokyo = JSON.parse(run.stdout) as TraceResponse;
    expect(utc.lines[0]?.timestamp).toBe('2021-11-26T17:29:15.055Z');
    expect(tokyo.lines[0]?.timestamp).toBe('2021-11-27T02:29:15.055+09:00');
    expect(tokyo.lines.map((line) => line.epochMs)).toEqual(utc.lines.map((line) => line.epochMs));
    expect(tokyo.lines.every((line) => line.timestamp.endsWith('+09:00'))).toBe(true);
    expect(tokyo.task.createdAt).toBe('2021-11-27T02:29:15.055+09:00');
    expect(tokyo.task.stoppedAt?.endsWith('+09:00')).toBe(true);
  });

  it('traces the task that a task ARN given alone names, in its cluster', async () => {
    // Act
    const run = await runTracer(
      [
        '--endpoint',
        url,
        `arn:aws:ecs:ap-northeast-1:123456789012:task/default/${REFERENCE_TASK_IDS.failedPull}`,
      ],
      { localTimeZone: 'Asia/Tokyo' },
    );

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(loadReference(REFERENCE_TASK_IDS.failedPull).goldenPath, 'utf8'));
  });

  it('lists the recorded cluster and its tasks, newest first', async () => {
    // Act
    const clusters = await runTracer(['--endpoint', url]);
    const tasks = await runTracer(['--endpoint', url, 'default']);

    // Assess
    expect(clusters.stdout).toBe(
      'default\t123456789012\tap-northeast-1\tarn:aws:ecs:ap-northeast-1:123456789012:cluster/default\n',
    );
    expect(tasks.stdout.split('\n').map((row) => row.split('\t')[0])).toEqual([
      REFERENCE_TASK_IDS.serviceReplaced,
      REFERENCE_TASK_IDS.failedPull,
      REFERENCE_TASK_IDS.userStopped,
      '',
    ]);
  });

  it('follows cursors to collect a long task list across the API page limit', async () => {
    // Act
    const run = await runTracer(['--endpoint', url, 'default', '--limit', '2']);

    // Assess
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(/^tracer: more tasks follow; for the next page add --cursor \S+\n$/);
  });

  it('fails with the API message for an unknown task', async () => {
    // Act
    const run = await runTracer(['--endpoint', url, 'default', '0123456789abcdef0123456789abcdef']);

    // Assess
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'tracer: task 0123456789abcdef0123456789abcdef not found in cluster default (tracer keeps tasks for 90 days)\n',
    });
  });
});

describe('tracer against the real API handler serving traces in small pages', () => {
  // Three lines a page splits every reference trace into several pages.
  const PAGE_LINES = 3;
  let unpaged: { url: string; server: Server };
  let paged: { url: string; server: Server };

  beforeAll(async () => {
    unpaged = await serveHandler(makeApiHandler(referenceDeps()));
    paged = await serveHandler(makeApiHandler(referenceDeps({ maxTraceLines: PAGE_LINES })));
  });

  afterAll(async () => {
    for (const { server } of [unpaged, paged]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers a first page that ends in the paging notice and names the next cursor', async () => {
    // Act
    const answer = await fetch(
      `${paged.url}/clusters/default/tasks/${REFERENCE_TASK_IDS.serviceReplaced}/trace`,
    );
    const body = await answer.text();

    // Assess
    expect(answer.headers.get('x-tracer-next-cursor')).toBeTruthy();
    expect(body.trimEnd().split('\n')).toHaveLength(PAGE_LINES + 1);
    expect(body.trimEnd().split('\n').at(-1)).toMatch(/\tTRACER\tmore lines follow: /);
  });

  it.each(Object.values(REFERENCE_TASK_IDS))(
    'prints the paged trace of task %s exactly as the unpaged one, without paging notices',
    async (taskId) => {
      // Prepare
      const whole = await runTracer(['--endpoint', unpaged.url, 'default', taskId]);

      // Act
      const run = await runTracer(['--endpoint', paged.url, 'default', taskId]);

      // Assess
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(whole.stdout.trimEnd().split('\n').length).toBeGreaterThan(PAGE_LINES);
      expect(run.stdout).toBe(whole.stdout);
      expect(run.stdout).not.toMatch(/more lines follow/);
    },
  );

  it.each(Object.values(REFERENCE_TASK_IDS))(
    'answers get_trace of task %s over paged text exactly as over the unpaged trace',
    async (taskId) => {
      // Prepare
      const connect = (url: string) =>
        connectMcp({
          openSource: () => openTracerSource({ selection: { kind: 'endpoint', endpoint: url } }),
        });
      const wholeMcp = await connect(unpaged.url);
      const pagedMcp = await connect(paged.url);
      try {
        const whole = await wholeMcp.call('get_trace', { cluster: 'default', task: taskId });

        // Act
        const result = await pagedMcp.call('get_trace', { cluster: 'default', task: taskId });

        // Assess
        expect(result.isError).toBeFalsy();
        expect(textOf(result)).toBe(textOf(whole));
        expect(textOf(result)).not.toMatch(/more lines follow/);
        expect(result.structuredContent).toEqual(whole.structuredContent);
      } finally {
        await wholeMcp.close();
        await pagedMcp.close();
      }
    },
  );
});
