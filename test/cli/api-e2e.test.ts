/**
 * The CLI against the real API handler (over in-memory ports holding the reference tasks), served on
 * loopback the way API Gateway would pass requests to it: the contract between client and API, end to end.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import type { TraceResponse } from '../../lambda/core/api-types.js';
import { type ApiDeps, makeApiHandler } from '../../lambda/handlers/api.js';
import {
  FakeServiceEventSource,
  fixedClock,
  InMemoryLogSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../fakes/trace-ports.js';
import { loadReference, loadReferences, REFERENCE_TASK_IDS } from '../support/reference-fixtures.js';
import { runTracer } from './run-cli.js';

const fixtures = loadReferences();

function referenceDeps(): ApiDeps {
  const history = new InMemoryTaskHistory();
  const logs = new InMemoryLogSource();
  for (const fixture of fixtures) {
    history.recordEvents(fixture.events);
    for (const group of fixture.logGroups) logs.createLogGroup(group);
    for (const stream of fixture.streams) {
      logs.putLogEvents(
        stream.logGroup,
        stream.logStream,
        stream.events.map((e) => ({ timestampMs: e.timestamp, message: e.message })),
      );
    }
  }
  return {
    history,
    taskDefinitions: new InMemoryTaskDefinitionStore(fixtures.flatMap((f) => f.taskDefinitions)),
    serviceEvents: new InMemoryServiceEventStore(),
    serviceEventSource: new FakeServiceEventSource(fixtures.flatMap((f) => f.serviceEvents)),
    logs,
    clock: fixedClock(Math.max(...fixtures.map((f) => f.nowMs))),
    retentionDays: 90,
    logger: silentLogger,
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

  it('lists the recorded cluster and its tasks, newest first', async () => {
    // Act
    const clusters = await runTracer(['--endpoint', url]);
    const tasks = await runTracer(['--endpoint', url, 'default']);

    // Assess
    expect(clusters.stdout).toBe('default\n');
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
