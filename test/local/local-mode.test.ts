/**
 * Local mode end to end: the server started in-process and as `npx tsx lambda/local/main.ts`, the sample
 * incidents, events and logs posted over HTTP, traces asked for over HTTP and with `tracer --endpoint`,
 * and the data still there after a restart.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import type { TaskListResponse, TraceResponse } from '../../lambda/core/api-types.js';
import type { PostedEventsAnswer } from '../../lambda/local/local-event-intake.js';
import {
  type LocalServer,
  LocalServerStartError,
  startLocalServer,
} from '../../lambda/local/local-server.js';
import { runTracer } from '../cli/run-cli.js';
import { FARGATE_SAMPLE_TASK_DEFINITION, loadEvent } from '../support/fixtures.js';
import { loadLogDriverFixture } from '../support/log-driver-fixtures.js';
import { loadReference, REFERENCE_TASK_IDS } from '../support/reference-fixtures.js';
import {
  call,
  type LocalChild,
  processState,
  removeDir,
  startLocalChild,
  tempDir,
  waitUntilEnded,
} from './local-harness.js';

/** A fixed "now", so that the samples' age never depends on the day the tests run. */
const NOW_MS = Date.parse('2024-06-01T00:00:00Z');
const clock = { nowMs: () => NOW_MS };

const FARGATE_TASK_ID = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';
const FARGATE_TASK_DEFINITION = 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1';
const FARGATE_EVENTS = [
  'lifecycle-fargate-1-provisioning',
  'lifecycle-fargate-2-pending',
  'lifecycle-fargate-3-pending',
  'lifecycle-fargate-4-running',
  'lifecycle-fargate-5-deprovisioning',
  'lifecycle-fargate-6-stopped',
].map((name) => loadEvent(name));
const FARGATE_STREAM = {
  logGroup: '/ecs/sample-fargate',
  logStream: `ecs/FargateApp/${FARGATE_TASK_ID}`,
  events: [
    { timestamp: Date.parse('2020-01-23T17:57:59.000Z'), message: 'listening on :80' },
    { timestamp: '2020-01-23T18:12:30.000Z', message: 'caught SIGTERM, draining' },
  ],
};
const FARGATE_TASK_DEFINITION_JSON = FARGATE_SAMPLE_TASK_DEFINITION;

function golden(taskId: string): string {
  return readFileSync(loadReference(taskId).goldenPath, 'utf8');
}

function traceText(url: string, cluster: string, taskId: string): Promise<string> {
  return call(url, 'GET', `/clusters/${cluster}/tasks/${taskId}/trace?tz=Asia/Tokyo`).then((a) => a.text);
}

function start(
  dataDir: string,
  overrides: Parameters<typeof startLocalServer>[0] = {},
): Promise<LocalServer> {
  return startLocalServer({ port: 0, dataDir, aws: 'off', logger: silentLogger, clock, ...overrides });
}

describe('local mode in-process', () => {
  let dataDir: string;
  let server: LocalServer;

  beforeAll(async () => {
    dataDir = await tempDir();
    server = await start(dataDir);
  });

  afterAll(async () => {
    await server?.close();
    await removeDir(dataDir);
  });

  it('preloads the sample incidents on first start', () => {
    expect(server.samples).toBe('loaded');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.aws.used).toBe(false);
  });

  it.each(Object.values(REFERENCE_TASK_IDS))('serves the golden trace of sample task %s', async (taskId) => {
    // Act
    const text = await traceText(server.url, 'default', taskId);

    // Assess
    expect(text).toBe(golden(taskId));
  });

  it('prints the failed-pull trace with tracer --endpoint', async () => {
    // Act
    const run = await runTracer(['--endpoint', server.url, 'default', REFERENCE_TASK_IDS.failedPull], {
      localTimeZone: 'Asia/Tokyo',
    });

    // Assess
    expect(run).toEqual({ code: 0, stdout: golden(REFERENCE_TASK_IDS.failedPull), stderr: '' });
  });

  it('lists the sample tasks newest first, page by page, and the failed one alone', async () => {
    // Act
    const first = (await call(server.url, 'GET', '/clusters/default/tasks?limit=2')).json as TaskListResponse;
    const rest = (
      await call(server.url, 'GET', `/clusters/default/tasks?limit=2&cursor=${first.nextCursor ?? ''}`)
    ).json as TaskListResponse;
    const failed = (await call(server.url, 'GET', '/clusters/default/tasks?failed=true'))
      .json as TaskListResponse;

    // Assess
    expect([...first.tasks, ...rest.tasks].map((t) => t.taskId)).toEqual([
      REFERENCE_TASK_IDS.serviceReplaced,
      REFERENCE_TASK_IDS.failedPull,
      REFERENCE_TASK_IDS.userStopped,
    ]);
    expect(rest.nextCursor).toBeUndefined();
    expect(failed.tasks.map((t) => t.taskId)).toEqual([REFERENCE_TASK_IDS.failedPull]);
  });

  it('records one posted event, and says so', async () => {
    // Act
    const answer = await call(server.url, 'POST', '/events', JSON.stringify(FARGATE_EVENTS[0]));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      received: 1,
      stored: 1,
      duplicates: 0,
      rejected: 0,
      failed: 0,
      results: [
        {
          index: 0,
          position: 'line 1',
          status: 'stored',
          type: 'task-state-change',
          eventId: FARGATE_EVENTS[0]?.id,
          clusterName: 'FargateCluster',
          taskId: FARGATE_TASK_ID,
          version: 1,
          lastStatus: 'PROVISIONING',
        },
      ],
    });
  });

  it('records an array of events, reporting the ones it already had as duplicates', async () => {
    // Act
    const answer = await call(server.url, 'POST', '/events', JSON.stringify(FARGATE_EVENTS.slice(0, 3)));

    // Assess
    const body = answer.json as PostedEventsAnswer;
    expect(answer.status).toBe(200);
    expect(body.results.map((r) => [r.position, r.status])).toEqual([
      ['item 1', 'duplicate'],
      ['item 2', 'stored'],
      ['item 3', 'stored'],
    ]);
  });

  it('records JSON Lines, and answers 422 naming each line it rejected and why', async () => {
    // Prepare
    const lines = [
      JSON.stringify(FARGATE_EVENTS[3]),
      '{"detail-type": "ECS Task State Change", ',
      JSON.stringify({ ...FARGATE_EVENTS[4], detail: { ...FARGATE_EVENTS[4]?.detail, version: 'five' } }),
      JSON.stringify(FARGATE_EVENTS[4]),
      JSON.stringify(FARGATE_EVENTS[5]),
      JSON.stringify(loadEvent('service-action_service_steady_state_awsdocs')),
    ].join('\n');

    // Act
    const answer = await call(server.url, 'POST', '/events', `${lines}\n`);

    // Assess
    const body = answer.json as PostedEventsAnswer;
    expect(answer.status).toBe(422);
    expect(body).toMatchObject({ received: 6, stored: 4, duplicates: 0, rejected: 2, failed: 0 });
    expect(body.results[1]).toMatchObject({
      position: 'line 2',
      status: 'rejected',
      reason: expect.stringMatching(/^not JSON/),
    });
    expect(body.results[2]).toMatchObject({
      position: 'line 3',
      status: 'rejected',
      reason: expect.stringContaining('detail.version'),
    });
    expect(body.results[5]).toMatchObject({
      status: 'stored',
      type: 'service-event',
      serviceName: 'servicetest',
    });
  });

  it.each([
    ['a body that is not JSON', '{"id": '],
    [
      'an event of a detail type tracer does not record',
      JSON.stringify({
        ...loadEvent('container-instance-state-change_awsdocs'),
        'detail-type': 'ECS Container Instance Weather Report',
      }),
    ],
    [
      'an SQS batch instead of an EventBridge event',
      JSON.stringify({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }),
    ],
  ])('rejects %s with 400 and the reason', async (_name, body) => {
    // Act
    const answer = await call(server.url, 'POST', '/events', body);

    // Assess
    expect(answer.status).toBe(400);
    const result = (answer.json as PostedEventsAnswer).results[0];
    expect(result).toMatchObject({ status: 'rejected', reason: expect.any(String) });
    expect(result?.reason).not.toBe('');
  });

  it('rejects an empty body with 400', async () => {
    // Act
    const answer = await call(server.url, 'POST', '/events', '');

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: {
        code: 'InvalidInput',
        message: 'the body holds no events: send one EventBridge event, a JSON array, or JSON Lines',
      },
    });
  });

  it('explains in the trace that it could not describe a task definition without AWS credentials', async () => {
    // Act
    const text = await traceText(server.url, 'FargateCluster', FARGATE_TASK_ID);

    // Assess
    expect(text).toContain(
      'TRACER\ttask definition sample-fargate:1 could not be described (local mode has no AWS credentials to call DescribeTaskDefinition; POST the task definition to /task-definitions)',
    );
  });

  it('stores posted logs and task definitions, and the trace shows the container lines', async () => {
    // Act
    const definitions = await call(
      server.url,
      'POST',
      '/task-definitions',
      JSON.stringify(FARGATE_TASK_DEFINITION_JSON),
    );
    const logs = await call(server.url, 'POST', '/logs', JSON.stringify([FARGATE_STREAM]));
    const text = await traceText(server.url, 'FargateCluster', FARGATE_TASK_ID);

    // Assess
    expect(definitions).toMatchObject({ status: 200, json: { stored: [FARGATE_TASK_DEFINITION] } });
    expect(logs).toMatchObject({ status: 200, json: { stored: { logStreams: 1, logEvents: 2 } } });
    expect(text).toContain('2020-01-24T02:57:59.000+09:00\tCONTAINER:FargateApp\tlistening on :80\n');
    expect(text).toContain('2020-01-24T03:12:30.000+09:00\tCONTAINER:FargateApp\tcaught SIGTERM, draining\n');
    expect(text).not.toContain('could not be described');
  });

  it('stores the valid streams of a log batch, and answers 422 naming each refused one and why', async () => {
    // Prepare
    const body = JSON.stringify([
      { logGroup: '/ecs/ok', logStream: 'ok/1', events: [{ timestamp: 1_700_000_000_000, message: 'fine' }] },
      { logGroup: '', logStream: 'x', events: [{ timestampMs: -1, message: 3 }] },
    ]);

    // Act
    const answer = await call(server.url, 'POST', '/logs', body);
    const health = await call(server.url, 'GET', '/health');

    // Assess
    expect(answer.status).toBe(422);
    expect(answer.json).toEqual({
      received: { logStreams: 2, logEvents: 2 },
      stored: { logStreams: 1, logEvents: 1 },
      rejected: { logStreams: 1, logEvents: 1 },
      results: [
        {
          index: 0,
          position: 'batch 1',
          status: 'stored',
          logGroup: '/ecs/ok',
          logStream: 'ok/1',
          logEvents: 1,
        },
        {
          index: 1,
          position: 'batch 2',
          status: 'rejected',
          logGroup: '',
          logStream: 'x',
          logEvents: 1,
          reason:
            'logGroup must be a non-empty string; events[0]: timestamp -1 (1969-12-31T23:59:59.999Z) is not a plausible time in epoch milliseconds: it is before 2000-01-01T00:00:00.000Z; events[0]: message must be a string',
        },
      ],
    });
    expect(health.json).toMatchObject({ logStreams: 4, logEvents: 239 });
  });

  it.each([
    ['epoch seconds', 1_700_000_000, /looks like epoch seconds .*; send epoch milliseconds: 1700000000000$/],
    ['an ISO 8601 time without a zone', '2023-11-14T22:13:20', /has no time zone; add Z for UTC/],
    ['a time in words', 'yesterday at noon', /is not an ISO 8601 time with a zone .* or epoch milliseconds$/],
  ])(
    'refuses a log event stamped with %s, with 400 and the reason, storing nothing',
    async (_name, timestamp, reason) => {
      // Prepare
      const before = (await call(server.url, 'GET', '/health')).json;
      const body = { logGroup: '/ecs/refused', logStream: 'r/1', events: [{ timestamp, message: 'when?' }] };

      // Act
      const answer = await call(server.url, 'POST', '/logs', JSON.stringify(body));
      const after = (await call(server.url, 'GET', '/health')).json;

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({
        stored: { logStreams: 0, logEvents: 0 },
        results: [{ position: 'batch 1', status: 'rejected', reason: expect.stringMatching(reason) }],
      });
      expect(after).toEqual(before);
    },
  );

  it('makes curl -f fail for a batch of events with one rejected', async () => {
    // Prepare
    const body = [JSON.stringify(FARGATE_EVENTS[1]), '{"detail-type": "ECS Task State Change"}'].join('\n');

    // Act
    const answer = await call(server.url, 'POST', '/events', body);

    // Assess
    expect(answer.status).toBe(422);
    expect(answer.json).toMatchObject({
      stored: 0,
      duplicates: 1,
      rejected: 1,
      results: [
        { position: 'line 1', status: 'duplicate' },
        { position: 'line 2', status: 'rejected', reason: expect.any(String) },
      ],
    });
  });

  it.each([
    ['/logs', 'not json'],
    ['/task-definitions', 'not json'],
    ['/task-definitions', JSON.stringify({ taskDefinition: { taskDefinitionArn: 'nginx:1' } })],
  ])('rejects a bad body posted to %s with 400', async (path, body) => {
    // Act
    const answer = await call(server.url, 'POST', path, body);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: 'InvalidInput', details: [expect.any(String)] } });
  });

  it('rejects a body larger than the limit with 413', async () => {
    // Act
    const answer = await call(server.url, 'POST', '/events', 'x'.repeat(16 * 1024 * 1024 + 1));

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: { code: 'PayloadTooLarge' } });
  });

  it.each([
    ['GET', '/events', 405],
    ['DELETE', '/logs', 405],
    ['POST', '/clusters', 405],
    ['GET', '/nowhere', 404],
  ])('answers %s %s with %i and a JSON error', async (method, path, status) => {
    // Act
    const answer = await call(server.url, method, path);

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it('answers the API in JSON when asked, with the failure of the failed pull', async () => {
    // Act
    const answer = await call(
      server.url,
      'GET',
      `/clusters/default/tasks/${REFERENCE_TASK_IDS.failedPull}/trace`,
      undefined,
      { accept: 'application/json' },
    );

    // Assess
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.json).toMatchObject({ task: { failure: { failed: true, kind: 'image-pull' } } });
  });

  it('reports its health', async () => {
    // Act
    const answer = await call(server.url, 'GET', '/health');

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: 'ok', dataDir, logs: 'local log store' });
  });

  it('fails to start a second server on the same data folder, saying which process holds it', async () => {
    // Act
    const second = start(dataDir);

    // Assess
    await expect(second).rejects.toBeInstanceOf(LocalServerStartError);
    await expect(second).rejects.toThrow(
      `another tracer local server (process ${process.pid}) is using ${dataDir}`,
    );
  });

  it('fails to start on a port that is in use, naming it', async () => {
    // Prepare
    const otherDir = await tempDir();
    try {
      // Act
      const second = start(otherDir, { port: server.port, samples: false });

      // Assess
      await expect(second).rejects.toThrow(
        `port ${server.port} on 127.0.0.1 is in use; set PORT to another port`,
      );
      expect(await readFile(join(otherDir, 'logs.jsonl'), 'utf8')).toBe('');
      // The failed start let go of its folder: a server may start there now.
      const third = await start(otherDir, { samples: false });
      await third.close();
    } finally {
      await removeDir(otherDir);
    }
  });

  describe('after a restart on the same data folder', () => {
    let restarted: LocalServer;

    beforeAll(async () => {
      await server.close();
      restarted = await start(dataDir);
    });

    afterAll(async () => {
      await restarted?.close();
    });

    it('keeps everything it acknowledged and does not load the samples again', async () => {
      // Act
      const text = await traceText(restarted.url, 'FargateCluster', FARGATE_TASK_ID);
      const health = await call(restarted.url, 'GET', '/health');
      const sample = await traceText(restarted.url, 'default', REFERENCE_TASK_IDS.serviceReplaced);

      // Assess
      expect(restarted.samples).toBe('already-loaded');
      expect(text).toContain('CONTAINER:FargateApp\tlistening on :80');
      expect(text).toContain('TASK\tStopped');
      expect(health.json).toMatchObject({ logStreams: 4, logEvents: 239 });
      expect(sample).toBe(golden(REFERENCE_TASK_IDS.serviceReplaced));
    });

    it('lists the clusters and tasks recorded before the restart', async () => {
      // Act
      const clusters = await call(restarted.url, 'GET', '/clusters');
      const tasks = (await call(restarted.url, 'GET', '/clusters/FargateCluster/tasks'))
        .json as TaskListResponse;

      // Assess
      expect(clusters.json).toMatchObject({
        clusters: expect.arrayContaining([
          expect.objectContaining({ clusterName: 'default' }),
          expect.objectContaining({ clusterName: 'FargateCluster' }),
        ]),
      });
      expect(tasks.tasks.map((t) => t.taskId)).toEqual([FARGATE_TASK_ID]);
    });
  });
});

describe('local mode with a FireLens task', () => {
  let dataDir: string;
  let server: LocalServer;

  beforeAll(async () => {
    dataDir = await tempDir();
    server = await start(dataDir);
  });

  afterAll(async () => {
    await server?.close();
    await removeDir(dataDir);
  });

  it('traces a FireLens task from posted events, task definition and records, as the API does', async () => {
    // Prepare
    const fixture = loadLogDriverFixture('fireLens');
    const batches = fixture.streams.map(({ logGroup, logStream, events }) => ({
      logGroup,
      logStream,
      events,
    }));

    // Act
    const events = await call(server.url, 'POST', '/events', JSON.stringify(fixture.events));
    const definitions = await call(
      server.url,
      'POST',
      '/task-definitions',
      JSON.stringify(fixture.describeTaskDefinition),
    );
    const logs = await call(server.url, 'POST', '/logs', JSON.stringify(batches));
    const path = `/clusters/test/tasks/${fixture.taskId}/trace`;
    const text = await call(server.url, 'GET', `${path}?tz=UTC`);
    const json = await call(server.url, 'GET', `${path}?format=json`);

    // Assess
    expect([events.status, definitions.status, logs.status]).toEqual([200, 200, 200]);
    expect(text.text).toBe(readFileSync(fixture.goldenPath, 'utf8'));
    const lines = (json.json as TraceResponse).lines.filter(
      (l) => l.source === 'CONTAINER:app' && l.kind === 'log',
    );
    expect(lines[0]?.fields).toMatchObject({ source: 'stdout', ecs_task_definition: 'example-api-v1:21' });
  });
});

describe('local mode with a table folder deleted by hand', () => {
  it('loads the samples again, without doubling their log lines', async () => {
    // Prepare
    const dataDir = await tempDir();
    try {
      const first = await start(dataDir);
      await first.close();
      await removeDir(join(dataDir, 'dynamodb'));

      // Act
      const again = await start(dataDir);
      const text = await traceText(again.url, 'default', REFERENCE_TASK_IDS.userStopped);
      const health = await call(again.url, 'GET', '/health');
      await again.close();

      // Assess
      expect(again.samples).toBe('loaded');
      expect(text).toBe(golden(REFERENCE_TASK_IDS.userStopped));
      expect(health.json).toMatchObject({ logStreams: 2, logEvents: 236 });
    } finally {
      await removeDir(dataDir);
    }
  });
});

describe('local mode as npm start runs it', () => {
  let dataDir: string;
  let child: LocalChild | undefined;

  beforeAll(async () => {
    dataDir = await tempDir();
  });

  afterAll(async () => {
    await child?.stop('SIGKILL');
    await removeDir(dataDir);
  });

  it('starts, prints how to query it, serves the sample trace, logs a line per request, and stops cleanly on Ctrl-C', async () => {
    // Prepare
    child = await startLocalChild({
      TRACER_DATA_DIR: dataDir,
      TRACER_RETENTION_DAYS: '36500',
      TRACER_LOG_LEVEL: 'info',
    });

    // Act
    const text = await traceText(child.url, 'default', REFERENCE_TASK_IDS.failedPull);
    const posted = await call(child.url, 'POST', '/events', JSON.stringify(FARGATE_EVENTS[5]));
    await child.stop('SIGINT');

    // Assess
    expect(text).toBe(golden(REFERENCE_TASK_IDS.failedPull));
    expect(posted.status).toBe(200);
    expect(child.stdout()).toContain(`export TRACER_ENDPOINT=${child.url}\n`);
    const logLines = child
      .stderr()
      .split('\n')
      .filter((line) => line !== '');
    expect(logLines.filter((line) => !line.startsWith('warn: '))).toEqual([
      expect.stringMatching(
        new RegExp(`^GET /clusters/default/tasks/${REFERENCE_TASK_IDS.failedPull}/trace 200 \\d+ms$`),
      ),
      expect.stringMatching(/^POST \/events 200 \d+ms stored=1$/),
    ]);
    expect(child.stdout()).toContain('stopped; the data is kept in the data folder');
  });

  it('keeps what it acknowledged across a restart, even after being killed', async () => {
    // Prepare
    child = await startLocalChild({ TRACER_DATA_DIR: dataDir, TRACER_RETENTION_DAYS: '36500' });
    const logs = await call(child.url, 'POST', '/logs', JSON.stringify(FARGATE_STREAM));
    await child.stop('SIGKILL');

    // Act
    child = await startLocalChild({ TRACER_DATA_DIR: dataDir, TRACER_RETENTION_DAYS: '36500' });
    const task = await call(child.url, 'GET', `/clusters/FargateCluster/tasks/${FARGATE_TASK_ID}`);
    const health = await call(child.url, 'GET', '/health');
    await child.stop('SIGTERM');

    // Assess
    expect(logs.status).toBe(200);
    expect(task.status).toBe(200);
    expect(task.json).toMatchObject({ taskId: FARGATE_TASK_ID, lastStatus: 'STOPPED' });
    expect(health.json).toMatchObject({ logStreams: 3, logEvents: 238 });
    expect(child.stdout()).toContain('3 sample incidents in cluster default\n');
  });

  it('starts at once on a data folder whose killed server is a zombie nobody has reaped', async () => {
    // Prepare
    const zombieDir = await tempDir();
    let holder: LocalChild | undefined;
    try {
      holder = await startLocalChild(
        { TRACER_DATA_DIR: zombieDir, TRACER_LOCAL_SAMPLES: 'off' },
        { parent: 'non-reaping' },
      );
      const posted = await call(holder.url, 'POST', '/events', JSON.stringify(FARGATE_EVENTS[5]));
      process.kill(holder.serverPid, 'SIGKILL');
      // Its parent never waits for it, so the killed server stays a zombie: a process id that still exists.
      await waitUntilEnded(holder.serverPid);

      // Act
      const restarted = await start(zombieDir, { samples: false });
      const task = await call(restarted.url, 'GET', `/clusters/FargateCluster/tasks/${FARGATE_TASK_ID}`);
      await restarted.close();

      // Assess
      expect(posted.status).toBe(200);
      expect(await processState(holder.serverPid)).toBe('Z');
      expect(task.status).toBe(200);
      expect(task.json).toMatchObject({ taskId: FARGATE_TASK_ID, lastStatus: 'STOPPED' });
    } finally {
      await holder?.stop('SIGKILL');
      await removeDir(zombieDir);
    }
  });
});
