/**
 * `tracer -f` against local mode end to end: the server in-process on the wall clock, the follow run in
 * process over HTTP, a log line and a STOPPED event posted while it runs. Waits on conditions, never on time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processClock } from '../../lambda/cli/follow-process.js';
import { runCli } from '../../lambda/cli/main.js';
import type { TaskListResponse, TraceResponse } from '../../lambda/core/api-types.js';
import type { LocalServer } from '../../lambda/local/local-server.js';
import { call, type SeededLocalServer, startSeededLocalServer } from '../local/local-harness.js';
import { FARGATE_SAMPLE_TASK_DEFINITION, loadEvent } from '../support/fixtures.js';
import { captureStream } from './run-cli.js';

const TASK_ID = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';
const CLUSTER = 'FargateCluster';
const LOG_STREAM = { logGroup: '/ecs/sample-fargate', logStream: `ecs/FargateApp/${TASK_ID}` };
const TASK_DEFINITION = FARGATE_SAMPLE_TASK_DEFINITION;
const RUNNING_EVENTS = [
  'lifecycle-fargate-1-provisioning',
  'lifecycle-fargate-2-pending',
  'lifecycle-fargate-3-pending',
  'lifecycle-fargate-4-running',
].map((name) => loadEvent(name));

/** The fixture's STOPPED event, with its essential container exited 1. */
function failedStopEvent() {
  const event = loadEvent('lifecycle-fargate-6-stopped') as { detail: Record<string, unknown> };
  const detail = event.detail as { containers: Array<Record<string, unknown>> } & Record<string, unknown>;
  detail.stopCode = 'EssentialContainerExited';
  detail.stoppedReason = 'Essential container in task exited';
  for (const container of detail.containers) container.exitCode = 1;
  return event;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('tracer -f against local mode', () => {
  let local: SeededLocalServer;
  let server: LocalServer;

  beforeAll(async () => {
    local = await startSeededLocalServer({ taskDefinitions: TASK_DEFINITION, events: RUNNING_EVENTS });
    server = local.server;
  }, 60_000);

  afterAll(async () => {
    await local?.close();
  });

  it('prints a line posted to /logs, then exits 3 with the diagnosis last once the task failed', async () => {
    // Prepare
    const stdout = captureStream(false);
    const stderr = captureStream(false);
    const controller = new AbortController();
    const follow = runCli(
      ['--endpoint', server.url, '--tz', 'UTC', '-f', CLUSTER, TASK_ID, '--interval', '500ms'],
      { stdout, stderr, env: {}, nowMs: () => Date.now(), localTimeZone: 'UTC' },
      {
        follow: async () => ({
          context: { clock: processClock, signal: controller.signal },
          release: () => {},
        }),
      },
    );
    await waitFor(() => stdout.text().includes('\tTASK\tCreated'), 30_000);

    // Act: a log line while the task runs
    const postedMs = Date.now();
    const logged = await call(
      server.url,
      'POST',
      '/logs',
      JSON.stringify({ ...LOG_STREAM, events: [{ timestamp: postedMs, message: 'migration step 1 done' }] }),
    );
    expect(logged.status).toBe(200);
    await waitFor(() => stdout.text().includes('migration step 1 done'), 30_000);
    const lineAfterMs = Date.now() - postedMs;

    // Act: the task stops with its essential container failed
    const stoppedMs = Date.now();
    await call(server.url, 'POST', '/events', JSON.stringify(failedStopEvent()));
    const code = await follow;
    const exitAfterMs = Date.now() - stoppedMs;

    // Assess
    expect(code).toBe(3);
    const lines = stdout.text().trimEnd().split('\n');
    expect(lines.filter((l) => l.endsWith('migration step 1 done'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/\tTRACER\tDiagnosis \(essential-container-exited\)/);
    // The figures of the promise (3 s and 10 s), reported rather than asserted: a loaded machine is slow.
    console.info(
      `follow: log line printed ${lineAfterMs} ms after POST /logs; exit 3 ${exitAfterMs} ms after STOPPED`,
    );
    expect(stderr.text()).toBe('');
  }, 60_000);

  it('answers since=start with a cursor, and the cursor with nothing new', async () => {
    // Act
    const first = (
      await call(server.url, 'GET', `/clusters/${CLUSTER}/tasks/${TASK_ID}/trace?format=json&since=start`)
    ).json as TraceResponse;
    const again = await call(
      server.url,
      'GET',
      `/clusters/${CLUSTER}/tasks/${TASK_ID}/trace?since=${first.sinceCursor}`,
    );

    // Assess
    expect(first.lines.length).toBeGreaterThan(0);
    expect(again.status).toBe(200);
    expect(again.text).toBe('');
    // A since cursor is sealed for the cluster and the task: base64url JSON, `.`, and its tag.
    expect(again.headers.get('x-tracer-since-cursor')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  }, 60_000);

  it('rejects a since that tracer did not issue with a 400 that says so', async () => {
    // Act
    const answer = await call(server.url, 'GET', `/clusters/${CLUSTER}/tasks/${TASK_ID}/trace?since=bogus`);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: {
        code: 'InvalidInput',
        message: expect.stringMatching(/^since: "bogus" is not a since cursor that tracer issued/),
      },
    });
  }, 60_000);

  it('answers since=start of the listing with no tasks, then the transitions recorded after it', async () => {
    // Prepare
    const start = (await call(server.url, 'GET', `/clusters/${CLUSTER}/tasks?since=start`))
      .json as TaskListResponse;
    const event = failedStopEvent() as { time: string; detail: Record<string, unknown> };
    event.time = new Date().toISOString();
    // Another task of the cluster, stopping now.
    const otherTaskId = '0f0f0f0f0f0f4f0f8f0f0f0f0f0f0f0f';
    event.detail.taskArn = String(event.detail.taskArn).replace(TASK_ID, otherTaskId);
    for (const container of event.detail.containers as Array<Record<string, unknown>>) {
      container.taskArn = event.detail.taskArn;
    }
    // Listings reach back as far as the retention: the task's life moves to the last few minutes.
    const shiftMs = Date.now() - Date.parse(String(event.detail.stoppedAt));
    for (const [key, value] of Object.entries(event.detail)) {
      if (key.endsWith('At') && typeof value === 'string') {
        event.detail[key] = new Date(Date.parse(value) + shiftMs).toISOString();
      }
    }
    const posted = await call(
      server.url,
      'POST',
      '/events',
      JSON.stringify({ ...event, id: 'follow-cluster-stop' }),
    );
    expect(posted.status).toBe(200);

    // Act
    const changes = (
      await call(server.url, 'GET', `/clusters/${CLUSTER}/tasks?since=${start.sinceCursor}&failed=true`)
    ).json as TaskListResponse;

    // Assess
    expect(start.tasks).toEqual([]);
    expect(changes.tasks).toEqual([
      expect.objectContaining({
        taskId: otherTaskId,
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        changedAt: event.time,
      }),
    ]);
    expect(changes.sinceCursor).not.toBe(start.sinceCursor);
  }, 60_000);

  it('rejects a trace cursor given to the listing with a 400 that says so', async () => {
    // Prepare
    const trace = (
      await call(server.url, 'GET', `/clusters/${CLUSTER}/tasks/${TASK_ID}/trace?format=json&since=start`)
    ).json as TraceResponse;

    // Act
    const answer = await call(server.url, 'GET', `/clusters/${CLUSTER}/tasks?since=${trace.sinceCursor}`);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/is not a since cursor that tracer issued for this cluster/);
  }, 60_000);
});
