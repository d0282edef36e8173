import { readFileSync } from 'node:fs';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lambda/config/logger.js';
import type { TaskListResponse, TaskSummaryResponse, TraceResponse } from '../../lambda/core/api-types.js';
import { AccessDeniedError, ThrottledError } from '../../lambda/core/errors.js';
import { cursorScope } from '../../lambda/core/request/cursor-seal.js';
import { MAX_CURSOR_SKIP, MAX_LOG_CALLS_PER_REQUEST } from '../../lambda/core/request/page-limits.js';
import { encodeTraceCursor } from '../../lambda/core/trace-page.js';
import {
  ANSWER_MARGIN_MS,
  type ApiDeps,
  type ApiRequestEvent,
  makeApiHandler,
  NEXT_CURSOR_HEADER,
  RESPONSE_RESERVE_MS,
  STOPPED_EARLY_NOTICE,
} from '../../lambda/handlers/api.js';
import type { TaskHistory } from '../../lambda/use-cases/ports.js';
import {
  FakeLiveTaskSource,
  FakeServiceEventSource,
  fixedClock,
  type InMemoryLogSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../fakes/trace-ports.js';
import { clusterNamed } from '../support/clusters.js';
import { testCursorSeal } from '../support/cursor-seal.js';
import {
  loadReference,
  loadReferences,
  REFERENCE_TASK_IDS,
  referenceLogSource,
} from '../support/reference-fixtures.js';

const { userStopped, failedPull, serviceReplaced } = REFERENCE_TASK_IDS;
const fixtures = loadReferences();
const NOW = Math.max(...fixtures.map((f) => f.nowMs));
/** The account and region of the reference tasks' cluster. */
const HOME = { account: '123456789012', region: 'ap-northeast-1' } as const;
const DEFAULT_ARN = 'arn:aws:ecs:ap-northeast-1:123456789012:cluster/default';

interface Harness {
  readonly handler: ReturnType<typeof makeApiHandler>;
  readonly logLines: Array<Record<string, unknown>>;
  readonly logs: InMemoryLogSource;
}

/** The API over in-memory ports holding the three reference tasks; logs are read `pageSize` events a call. */
function harness(overrides: Partial<ApiDeps> = {}, pageSize?: number): Harness {
  const history = new InMemoryTaskHistory();
  const logs = referenceLogSource(fixtures, pageSize);
  const serviceEvents = fixtures.flatMap((f) => f.serviceEvents);
  for (const fixture of fixtures) history.recordEvents(fixture.events);
  const logLines: Array<Record<string, unknown>> = [];
  const deps: ApiDeps = {
    history,
    taskDefinitions: new InMemoryTaskDefinitionStore(fixtures[0]?.taskDefinitions),
    serviceEvents: new InMemoryServiceEventStore(),
    serviceEventSource: new FakeServiceEventSource(serviceEvents),
    logs,
    clock: fixedClock(NOW),
    retentionDays: 90,
    home: HOME,
    cursorSeal: testCursorSeal,
    logger: createLogger({ service: 'api' }, { write: (line) => logLines.push(JSON.parse(line)) }),
    ...overrides,
  };
  return { handler: makeApiHandler(deps), logLines, logs };
}

function get(
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
): ApiRequestEvent {
  return {
    httpMethod: 'GET',
    path,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    headers,
  };
}

function json<T>(response: APIGatewayProxyResult): T {
  return JSON.parse(response.body) as T;
}

function errorOf(response: APIGatewayProxyResult): { code: string; message: string } {
  return json<{ error: { code: string; message: string } }>(response).error;
}

const tracePath = (taskId: string, cluster = 'default') => `/clusters/${cluster}/tasks/${taskId}/trace`;
const golden = (taskId: string) => readFileSync(loadReference(taskId).goldenPath, 'utf8');

describe('GET /clusters', () => {
  it('lists the recorded clusters', async () => {
    const response = await harness().handler(get('/clusters'));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['Content-Type']).toBe('application/json; charset=utf-8');
    expect(json(response)).toEqual({
      clusters: [
        {
          clusterName: 'default',
          account: '123456789012',
          region: 'ap-northeast-1',
          clusterArn: DEFAULT_ARN,
          lastSeenAt: '2021-12-03T02:23:04.000Z',
        },
      ],
    });
  });

  it('rejects query parameters it does not take', async () => {
    const response = await harness().handler(get('/clusters', { limit: '5' }));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toBe(
      'unknown query parameter "limit"; this route takes account, region',
    );
  });
});

describe('GET /clusters/{cluster}/tasks', () => {
  it('lists the cluster’s tasks newest first', async () => {
    const response = await harness().handler(get('/clusters/default/tasks'));
    expect(response.statusCode).toBe(200);
    const body = json<TaskListResponse>(response);
    expect(body.tasks.map((t) => t.taskId)).toEqual([serviceReplaced, failedPull, userStopped]);
    expect(body.tasks[1]).toMatchObject({
      taskDefinition: 'nginx:2',
      lastStatus: 'STOPPED',
      failureKind: 'image-pull',
    });
    expect(body.nextCursor).toBeUndefined();
  });

  it('filters by failed=true, status, since and until, and pages with limit and cursor', async () => {
    const { handler } = harness();
    const failed = json<TaskListResponse>(await handler(get('/clusters/default/tasks', { failed: 'true' })));
    expect(failed.tasks.map((t) => t.taskId)).toEqual([failedPull]);

    const windowed = json<TaskListResponse>(
      await handler(
        get('/clusters/default/tasks', {
          since: '2021-11-26T17:00:00Z',
          until: '2021-11-30T00:00:00Z',
          status: 'stopped',
        }),
      ),
    );
    expect(windowed.tasks.map((t) => t.taskId)).toEqual([failedPull]);

    const first = json<TaskListResponse>(await handler(get('/clusters/default/tasks', { limit: '2' })));
    expect(first.tasks).toHaveLength(2);
    const second = json<TaskListResponse>(
      await handler(get('/clusters/default/tasks', { limit: '2', cursor: first.nextCursor ?? '' })),
    );
    expect(second.tasks.map((t) => t.taskId)).toEqual([userStopped]);
  });

  it('takes a full cluster ARN, URL-encoded, as the cluster segment', async () => {
    const arn = encodeURIComponent('arn:aws:ecs:ap-northeast-1:123456789012:cluster/default');
    const response = await harness().handler(get(`/clusters/${arn}/tasks`));
    expect(response.statusCode).toBe(200);
  });

  it('rejects an ARN segment that is not a whole cluster ARN', async () => {
    const arn = encodeURIComponent('arn:aws:ecs:ap-northeast-1:123456789012:cluster/dev-team/default');
    const response = await harness().handler(get(`/clusters/${arn}/tasks`));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^cluster: ".*" is not a cluster name/);
  });

  it.each([
    ['a path whose last segment is a recorded cluster', 'dev-team%2Fdefault'],
    ['a lower-case encoded slash', 'dev-team%2fdefault'],
  ])('rejects an encoded slash in the cluster segment (%s) rather than cutting it', async (_, segment) => {
    const response = await harness().handler(get(`/clusters/${segment}/tasks`));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^cluster: ".*" holds an encoded slash/);
  });

  it('answers 404 for a cluster tracer never recorded, saying how long it keeps tasks', async () => {
    const response = await harness().handler(get('/clusters/prod/tasks'));
    expect(response.statusCode).toBe(404);
    expect(errorOf(response)).toEqual({
      code: 'NotFound',
      message: 'cluster prod has no recorded tasks (tracer keeps tasks for 90 days)',
    });
  });

  it.each([
    [{ status: 'SLEEPING' }, /^status: expected one of PROVISIONING, .* got "SLEEPING"$/],
    [{ failed: 'yes' }, /^failed: expected true or false, got "yes"$/],
    [{ since: 'yesterday' }, /^since: "yesterday" is not a time; use ISO 8601/],
    [{ until: '2021-13-45T00:00:00Z' }, /^until: "2021-13-45T00:00:00Z" is not a time/],
    [{ since: '2021-12-02T00:00:00Z', until: '2021-12-01T00:00:00Z' }, /^since: .* is after until /],
    [{ limit: '0' }, /^limit: expected a whole number from 1 to 100, got "0"$/],
    [{ limit: '101' }, /^limit: expected a whole number from 1 to 100, got "101"$/],
    [{ limit: 'ten' }, /^limit: expected a whole number from 1 to 100, got "ten"$/],
    [{ cursor: 'x'.repeat(3000) }, /^cursor: not a cursor that tracer issued/],
    [{ cursor: 'eyJ2IjoyfQ' }, /^cursor: not a cursor that tracer issued for this request/],
    [{ since: 'start', limit: '5' }, /^limit: cannot be combined with a since cursor/],
    [
      { since: 'eyJub3QiOiJhIGN1cnNvciJ9' },
      /^since: "eyJub3QiOiJhIGN1cnNvciJ9" is not a since cursor that tracer issued/,
    ],
    [
      { taskId: 'abc' },
      /^unknown query parameter "taskId"; this route takes account, region, status, failed, since, until, limit, cursor$/,
    ],
  ])('answers 400 for %o, naming the parameter', async (query, message) => {
    const response = await harness().handler(get('/clusters/default/tasks', query));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('InvalidInput');
    expect(errorOf(response).message).toMatch(message);
  });

  it('answers 400 for a parameter given twice with different values', async () => {
    const event: ApiRequestEvent = {
      ...get('/clusters/default/tasks', { limit: '5' }),
      multiValueQueryStringParameters: { limit: ['5', '6'] },
    };
    const response = await harness().handler(event);
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toBe('limit: given more than once');
  });

  it('answers 400 for a cluster name that is not one', async () => {
    const response = await harness().handler(get('/clusters/no%20spaces/tasks'));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^cluster: "no spaces" is not a cluster name/);
  });
});

describe('GET /clusters/{cluster}/tasks/{taskId}', () => {
  it('returns the task summary with its failure diagnosis', async () => {
    const response = await harness().handler(get(`/clusters/default/tasks/${failedPull}`));
    expect(response.statusCode).toBe(200);
    const body = json<TaskSummaryResponse>(response);
    expect(body).toMatchObject({
      cluster: 'default',
      taskId: failedPull,
      taskDefinition: 'nginx:2',
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      source: 'recorded',
      failure: { failed: true, kind: 'image-pull' },
    });
    expect(body.containers[0]).toMatchObject({ name: 'nginx', essential: true });
  });

  it('takes a full task ARN, URL-encoded, in the path when it names the same cluster', async () => {
    const arn = encodeURIComponent(`arn:aws:ecs:ap-northeast-1:123456789012:task/default/${userStopped}`);
    const response = await harness().handler(get(`/clusters/default/tasks/${arn}`));
    expect(response.statusCode).toBe(200);
  });

  it("rejects a task ARN of another cluster than the path's", async () => {
    const arn = encodeURIComponent(`arn:aws:ecs:ap-northeast-1:123456789012:task/prod/${userStopped}`);
    const response = await harness().handler(get(`/clusters/default/tasks/${arn}`));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^taskId: /);
  });

  it('rejects an encoded slash in a task segment that is not an ARN', async () => {
    const response = await harness().handler(get(`/clusters/default/tasks/x%2F${userStopped}`));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^taskId: ".*" holds an encoded slash/);
  });

  it('answers 404 for an unknown task, saying how long tracer keeps tasks', async () => {
    const response = await harness().handler(get('/clusters/default/tasks/0123456789abcdef0123456789abcdef'));
    expect(response.statusCode).toBe(404);
    expect(errorOf(response)).toEqual({
      code: 'NotFound',
      message:
        'task 0123456789abcdef0123456789abcdef not found in cluster default (tracer keeps tasks for 90 days)',
    });
  });

  it('falls back to ECS for a task tracer never recorded', async () => {
    const live = new FakeLiveTaskSource([
      {
        ...(await recordedSummary(userStopped)),
        taskId: 'feedfacefeedfacefeedfacefeedface',
        eventId: 'ecs:DescribeTasks',
      },
    ]);
    const response = await harness({ live }).handler(
      get('/clusters/default/tasks/feedfacefeedfacefeedfacefeedface'),
    );
    expect(response.statusCode).toBe(200);
    expect(json<TaskSummaryResponse>(response).source).toBe('live');
  });

  it('answers 400 for a task id that is not one', async () => {
    const response = await harness().handler(get('/clusters/default/tasks/no%20id'));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^taskId: "no id" is not a task id or a task ARN/);
  });
});

async function recordedSummary(taskId: string) {
  const history = new InMemoryTaskHistory();
  history.recordEvents(loadReference(taskId).events);
  const task = await history.getTask(clusterNamed('default'), taskId);
  if (!task) throw new Error('fixture');
  return task.summary;
}

describe('GET /clusters/{cluster}/tasks/{taskId}/trace', () => {
  it('returns the text trace in UTC by default', async () => {
    const response = await harness().handler(get(tracePath(serviceReplaced)));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(response.body.split('\n')[0]).toBe('2021-12-03T02:06:21.633Z\tTASK\tCreated');
    expect(response.headers?.[NEXT_CURSOR_HEADER]).toBeUndefined();
  });

  it.each(fixtures.map((f) => [f.taskId] as const))(
    'returns the golden trace of %s with tz=Asia/Tokyo',
    async (taskId) => {
      const response = await harness().handler(get(tracePath(taskId), { tz: 'Asia/Tokyo' }));
      expect(response.body).toBe(golden(taskId));
    },
  );

  it.each<[string, Record<string, string>, Record<string, string>, 'json' | 'text']>([
    ['Accept: application/json', {}, { Accept: 'application/json' }, 'json'],
    ['format=json', { format: 'json' }, {}, 'json'],
    ['format=text over Accept: application/json', { format: 'text' }, { accept: 'application/json' }, 'text'],
    ['a browser’s Accept', {}, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, 'text'],
    ['Accept preferring JSON by quality', {}, { accept: 'text/plain;q=0.5, application/json' }, 'json'],
    ['Accept: */*', {}, { accept: '*/*' }, 'text'],
  ])('negotiates the format: %s', async (_name, query, headers, format) => {
    const response = await harness().handler(get(tracePath(userStopped), query, headers));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['Content-Type']).toBe(
      format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    );
  });

  it('returns the JSON trace: the task summary and the same lines as objects', async () => {
    // Act
    const response = await harness().handler(
      get(tracePath(failedPull), { format: 'json', tz: 'Asia/Tokyo' }),
    );

    // Assess
    const body = json<TraceResponse>(response);
    expect(body.task).toMatchObject({
      taskId: failedPull,
      failure: { kind: 'image-pull' },
      source: 'recorded',
    });
    expect(body.lines[0]).toEqual({
      timestamp: '2021-11-26T17:29:15.055Z',
      epochMs: 1637947755055,
      source: 'TASK',
      message: 'Created',
      kind: 'transition',
    });
    expect(body.lines.map((l) => l.kind)).toEqual([
      'transition',
      'notice',
      'transition',
      'transition',
      'transition',
      'transition',
      'transition',
      'status',
      'notice',
    ]);
    expect(body.logCalls).toBe(0);
    expect(body.nextCursor).toBeUndefined();
  });

  it('reads a wider window with duration and the whole life with full=true', async () => {
    const { handler } = harness();
    const narrow = await handler(get(tracePath(serviceReplaced), { duration: '1s' }));
    const wide = await handler(get(tracePath(serviceReplaced), { duration: '90s' }));
    const full = await handler(get(tracePath(serviceReplaced), { full: 'true' }));
    const count = (r: APIGatewayProxyResult) => r.body.trimEnd().split('\n').length;
    expect(count(narrow)).toBeLessThan(count(wide));
    expect(count(wide)).toBeLessThan(count(full));
    expect(full.body).toContain('02:14:16.8');
  });

  it('pages a text trace that outgrows the response, with a header and a closing TRACER line', async () => {
    // Prepare: a budget of about 3 KB for a trace of about 13 KB.
    const { handler } = harness({ maxResponseBytes: 2048 + 3000 });
    const pages: string[] = [];
    let cursor: string | undefined;

    // Act
    for (let i = 0; i < 50; i++) {
      const response = await handler(
        get(tracePath(serviceReplaced), { tz: 'Asia/Tokyo', ...(cursor ? { cursor } : {}) }),
      );
      expect(response.statusCode).toBe(200);
      cursor = response.headers?.[NEXT_CURSOR_HEADER] as string | undefined;
      const lines = response.body.trimEnd().split('\n');
      if (cursor) {
        expect(lines.at(-1)).toMatch(
          new RegExp(`\\tTRACER\\tmore lines follow: repeat the request with cursor=${cursor}$`),
        );
        lines.pop();
      }
      pages.push(...lines);
      if (!cursor) break;
    }

    // Assess
    expect(`${pages.join('\n')}\n`).toBe(golden(serviceReplaced));
  });

  it('pages a JSON trace with nextCursor', async () => {
    const { handler } = harness({ maxResponseBytes: 2048 + 3000 + 1500, maxTraceLines: 20 });
    const lines: TraceResponse['lines'][number][] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const body = json<TraceResponse>(
        await handler(get(tracePath(serviceReplaced), { format: 'json', ...(cursor ? { cursor } : {}) })),
      );
      lines.push(...body.lines);
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    const whole = json<TraceResponse>(
      await harness().handler(get(tracePath(serviceReplaced), { format: 'json' })),
    );
    expect(pages).toBeGreaterThan(3);
    expect(lines).toEqual(whole.lines);
  });

  it('cuts a page at limit lines, and the pages join into the whole trace', async () => {
    // Prepare
    const { handler } = harness();
    const whole = json<TraceResponse>(await handler(get(tracePath(serviceReplaced), { format: 'json' })));
    // Act
    const first = json<TraceResponse>(
      await handler(get(tracePath(serviceReplaced), { format: 'json', limit: '5' })),
    );
    const rest = json<TraceResponse>(
      await handler(get(tracePath(serviceReplaced), { format: 'json', cursor: first.nextCursor ?? '' })),
    );
    // Assess
    expect(first.lines).toHaveLength(5);
    expect(first.task.pullStartedAt).toBeDefined();
    expect([...first.lines, ...rest.lines]).toEqual(whole.lines);
  });

  it.each([
    [{ duration: '5' }, /^duration: "5" is not a duration/],
    [{ duration: '25h' }, /^duration: at most 24h0m0s, got "25h"; read the whole life of the task with full/],
    [{ full: '1' }, /^full: expected true or false, got "1"$/],
    [{ tz: 'Mars/Base' }, /^tz: "Mars\/Base" is not a time zone/],
    [{ format: 'xml' }, /^format: expected json or text, got "xml"$/],
    [{ cursor: 'abc!' }, /^cursor: not a cursor that tracer issued; pass the nextCursor/],
    [{ cursor: 'eyJ2IjoxLCJ0Ijo1LCJuIjoyfQ' }, /^cursor: not a cursor that tracer issued for this request/],
    [{ limit: '0' }, /^limit: expected a whole number from 1 to 25000, got "0"$/],
    [{ limit: '25001' }, /^limit: expected a whole number from 1 to 25000, got "25001"$/],
    [
      { until: '2021-01-01T00:00:00Z' },
      /^unknown query parameter "until"; this route takes account, region, duration, full, cursor, tz, format, limit, since$/,
    ],
    [
      { since: '2021-01-01T00:00:00Z' },
      /^since: "2021-01-01T00:00:00Z" is not a since cursor that tracer issued/,
    ],
    [{ since: 'start', cursor: 'eyJ2IjoxLCJ0Ijo1LCJuIjoyfQ' }, /^since: cannot be combined with cursor/],
  ])('answers 400 for %o, naming the parameter', async (query, message) => {
    const response = await harness().handler(get(tracePath(userStopped), query));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(message);
  });

  it('answers 404 for an unknown task', async () => {
    const response = await harness().handler(get(tracePath('0123456789abcdef0123456789abcdef')));
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).message).toContain('(tracer keeps tasks for 90 days)');
  });
});

describe('deadlines', () => {
  const notice = `\tTRACER\t${STOPPED_EARLY_NOTICE}`;

  it('answers a trace it cannot read in time with the lines read so far, a TRACER notice and a cursor; the pages join into the whole trace', async () => {
    // Prepare: three log events a call (more than the stream holds in any one millisecond), and each call
    // spends a second of the time left.
    const { handler, logs } = harness({}, 3);
    let leftMs = 0;
    logs.onPage = () => {
      leftMs -= 1_000;
    };
    const context = { getRemainingTimeInMillis: () => leftMs };
    const lines: string[] = [];
    let cursor: string | undefined;
    let stoppedPages = 0;

    // Act: each request has three seconds for its reads.
    for (let i = 0; i < 200; i++) {
      leftMs = RESPONSE_RESERVE_MS + 3_000;
      const response = await handler(
        get(tracePath(serviceReplaced), { tz: 'Asia/Tokyo', ...(cursor ? { cursor } : {}) }),
        context,
      );
      expect(response.statusCode).toBe(200);
      cursor = response.headers?.[NEXT_CURSOR_HEADER] as string | undefined;
      const page = response.body.trimEnd().split('\n');
      if (cursor) page.pop();
      if (page.at(-1)?.endsWith(notice)) {
        stoppedPages += 1;
        page.pop();
      }
      lines.push(...page);
      if (!cursor) break;
    }

    // Assess
    expect(stoppedPages).toBeGreaterThan(1);
    expect(`${lines.join('\n')}\n`).toBe(golden(serviceReplaced));
  });

  it('ends a JSON page that ran out of time with the notice line and nextCursor', async () => {
    const { handler, logs } = harness({}, 2);
    let leftMs = RESPONSE_RESERVE_MS + 1_000;
    logs.onPage = () => {
      leftMs -= 1_000;
    };

    const response = await handler(get(tracePath(serviceReplaced), { format: 'json' }), {
      getRemainingTimeInMillis: () => leftMs,
    });

    const body = json<TraceResponse>(response);
    expect(response.statusCode).toBe(200);
    expect(body.nextCursor).toEqual(expect.any(String));
    expect(body.lines.at(-1)).toMatchObject({
      source: 'TRACER',
      kind: 'notice',
      message: STOPPED_EARLY_NOTICE,
    });
  });

  it('counts the time API Gateway spent before the handler ran against its 29 seconds', async () => {
    // Prepare: a clock that each page of logs moves five seconds on.
    const pagesRead = async (requestContext?: Partial<NonNullable<ApiRequestEvent['requestContext']>>) => {
      let nowMs = NOW;
      let pages = 0;
      const { handler, logs } = harness({ clock: { nowMs: () => nowMs } }, 1);
      logs.onPage = () => {
        pages += 1;
        nowMs += 5_000;
      };
      const event = {
        ...get(tracePath(serviceReplaced)),
        ...(requestContext ? { requestContext: requestContext as ApiRequestEvent['requestContext'] } : {}),
      };
      const response = await handler(event, { getRemainingTimeInMillis: () => 60_000 });
      expect(response.body).toContain(STOPPED_EARLY_NOTICE);
      return pages;
    };

    // Act
    const fresh = await pagesRead();
    const queued = await pagesRead({ requestId: 'r', requestTimeEpoch: NOW - 9_000 });
    const replayed = await pagesRead({ requestId: 'r', requestTimeEpoch: NOW - 3_600_000 });

    // Assess: 26 s of reads, 17 s after 9 s in the queue, and a stamp from long ago counts as 10 s at most.
    expect(fresh).toBeGreaterThan(queued);
    expect(queued).toBeGreaterThan(0);
    expect(replayed).toBeGreaterThan(0);
    expect(replayed).toBeLessThanOrEqual(queued);
  });

  it('answers 503 Unavailable with Retry-After, not a gateway timeout, when AWS does not answer in time', async () => {
    // Prepare: a table that never answers, and 50 ms before the last moment to answer.
    const hang = (): Promise<never> => new Promise(() => {});
    const { handler, logLines } = harness({
      history: { getTask: hang, listTransitions: hang, listTasks: hang, listClusters: hang },
    });

    // Act
    const response = await handler(get(tracePath(serviceReplaced)), {
      getRemainingTimeInMillis: () => ANSWER_MARGIN_MS + 50,
    });

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toMatch(/^[1-9]\d*$/);
    expect(errorOf(response)).toMatchObject({ code: 'Unavailable' });
    expect(errorOf(response).message).toContain("within the API's time limit of 29 s");
    expect(logLines).toContainEqual(
      expect.objectContaining({ level: 'error', statusCode: 503, errorCode: 'Unavailable' }),
    );
  });
});

describe('errors', () => {
  function failingHistory(error: Error): TaskHistory {
    const fail = async (): Promise<never> => {
      throw error;
    };
    return { getTask: fail, listTransitions: fail, listTasks: fail, listClusters: fail };
  }

  it.each<[string, Error, number, string]>([
    [
      'access denied',
      new AccessDeniedError('tracer may not describe tasks in cluster default (ecs:DescribeTasks)'),
      403,
      'AccessDenied',
    ],
  ])('maps %s to its status', async (_name, error, statusCode, code) => {
    const response = await harness({ history: failingHistory(error) }).handler(get('/clusters'));
    expect(response.statusCode).toBe(statusCode);
    expect(errorOf(response)).toEqual({ code, message: error.message });
  });

  it('answers 503 with Retry-After in whole seconds when AWS throttling outlasted the retries', async () => {
    const error = new ThrottledError('DynamoDB kept throttling GetItem; try again in a few seconds', {
      retryAfterSeconds: 5,
    });
    const response = await harness({ history: failingHistory(error) }).handler(get('/clusters'));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('5');
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'Throttled', message: error.message } });
  });

  it('answers 500 with only the request id, and logs the error', async () => {
    // Prepare
    const { handler, logLines } = harness({
      history: failingHistory(new Error('connect ECONNREFUSED 10.0.0.1:443 (table tracer-prod)')),
    });
    const event: ApiRequestEvent = {
      ...get('/clusters'),
      requestContext: { requestId: 'req-123' } as ApiRequestEvent['requestContext'],
    };

    // Act
    const response = await handler(event);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(errorOf(response)).toEqual({
      code: 'InternalError',
      message: 'internal error (request id req-123)',
    });
    expect(response.body).not.toContain('ECONNREFUSED');
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatchObject({
      level: 'error',
      requestId: 'req-123',
      statusCode: 500,
      error: { name: 'Error', message: 'connect ECONNREFUSED 10.0.0.1:443 (table tracer-prod)' },
    });
  });

  it('answers 404 for an unrecorded task in a cluster tracer may not describe', async () => {
    const live = new FakeLiveTaskSource();
    live.error = new AccessDeniedError(
      'tracer may not describe tasks in cluster default (ecs:DescribeTasks)',
    );
    const response = await harness({ live }).handler(get(tracePath('0123456789abcdef0123456789abcdef')));
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? '{}').error.code).toBe('NotFound');
  });
});

describe('routing', () => {
  it('routes API Gateway events by resource and path parameters', async () => {
    const event: ApiRequestEvent = {
      httpMethod: 'GET',
      resource: '/clusters/{cluster}/tasks/{taskId}/trace',
      path: `/prod/clusters/default/tasks/${serviceReplaced}/trace`,
      pathParameters: { cluster: 'default', taskId: serviceReplaced },
      queryStringParameters: { tz: 'Asia/Tokyo' },
      multiValueQueryStringParameters: { tz: ['Asia/Tokyo'] },
      headers: { Accept: 'text/plain' },
    };
    const response = await harness().handler(event);
    expect(response.body).toBe(golden(serviceReplaced));
  });

  it('rejects an API Gateway path parameter that decodes to a path', async () => {
    const event: ApiRequestEvent = {
      httpMethod: 'GET',
      resource: '/clusters/{cluster}/tasks/{taskId}',
      path: '/clusters/x/tasks/y',
      pathParameters: { cluster: 'dev-team%2Fdefault', taskId: failedPull },
    };
    const response = await harness().handler(event);
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^cluster: "dev-team%2Fdefault" holds an encoded slash/);
  });

  it.each([
    '/',
    '/clusters/default',
    '/clusters/default/services',
    '/clusters/default/tasks/abc/logs',
    '/health',
  ])('answers 404 for %s', async (path) => {
    const response = await harness().handler(get(path));
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).code).toBe('NotFound');
  });

  it('answers 405 for a method other than GET', async () => {
    const response = await harness().handler({ httpMethod: 'POST', path: '/clusters' });
    expect(response.statusCode).toBe(405);
    expect(errorOf(response).message).toBe('method POST is not allowed; the API only answers GET');
  });

  it('answers HEAD like GET without a body', async () => {
    const response = await harness().handler({ httpMethod: 'HEAD', path: '/clusters' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
  });

  it('answers 400 for broken URL encoding', async () => {
    const response = await harness().handler(get('/clusters/%E0%A4%A/tasks'));
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^cluster: "%E0%A4%A" is not valid URL encoding$/);
  });

  it('logs one structured line per request', async () => {
    const { handler, logLines } = harness();
    await handler(get(tracePath(userStopped), { format: 'json' }), { awsRequestId: 'lambda-1' });
    await handler(get('/clusters/prod/tasks'));
    expect(logLines).toHaveLength(2);
    expect(logLines[0]).toMatchObject({
      level: 'info',
      message: 'request',
      service: 'api',
      requestId: 'lambda-1',
      method: 'GET',
      route: 'trace',
      statusCode: 200,
      format: 'json',
      source: 'recorded',
      logCalls: 4,
      paged: false,
    });
    expect(logLines[0]?.durationMs).toEqual(expect.any(Number));
    expect(logLines[1]).toMatchObject({ statusCode: 404, errorCode: 'NotFound', route: 'tasks' });
  });
});

describe('cursors and bounds', () => {
  async function firstJsonPage(taskId: string) {
    const { handler } = harness({ maxResponseBytes: 2048 + 3000 + 1500, maxTraceLines: 20 });
    const body = json<TraceResponse>(await handler(get(tracePath(taskId), { format: 'json' })));
    if (!body.nextCursor) throw new Error('expected a paged trace');
    return { handler, cursor: body.nextCursor };
  }

  it('hands out opaque cursors that carry a tag', async () => {
    // Act
    const { cursor } = await firstJsonPage(serviceReplaced);

    // Assess
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  });

  it.each([
    // The first character of the tag: the last one's low bits are base64 padding, which decoding ignores.
    [
      'its tag changed',
      (c: string) => {
        const at = c.indexOf('.') + 1;
        return `${c.slice(0, at)}${c[at] === 'A' ? 'B' : 'A'}${c.slice(at + 1)}`;
      },
    ],
    [
      'its position changed',
      (c: string) => `${encodeTraceCursor({ epochMs: 0, skip: 0 })}${c.slice(c.indexOf('.'))}`,
    ],
    ['no tag', (c: string) => c.slice(0, c.indexOf('.'))],
  ])('answers 400 for a trace cursor with %s', async (_, tamper) => {
    // Prepare
    const { handler, cursor } = await firstJsonPage(serviceReplaced);

    // Act
    const response = await handler(
      get(tracePath(serviceReplaced), { format: 'json', cursor: tamper(cursor) }),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toMatch(/^cursor: not a cursor that tracer issued for this request/);
  });

  it('answers 400 for a cursor issued for another task', async () => {
    // Prepare
    const { handler, cursor } = await firstJsonPage(serviceReplaced);

    // Act
    const response = await handler(get(tracePath(userStopped), { format: 'json', cursor }));

    // Assess
    expect(response.statusCode).toBe(400);
  });

  it('answers 400 for a cursor sealed with another key', async () => {
    // Prepare
    const { makeCursorSeal } = await import('../../lambda/core/request/cursor-seal.js');
    const foreign = makeCursorSeal('another-deployment-key-0123456789').seal(
      cursorScope('trace', DEFAULT_ARN, serviceReplaced),
      encodeTraceCursor({ epochMs: 0, skip: 0 }),
    );

    // Act
    const response = await harness().handler(get(tracePath(serviceReplaced), { cursor: foreign }));

    // Assess
    expect(response.statusCode).toBe(400);
  });

  it(`answers 400 for a genuine cursor that skips more than ${MAX_CURSOR_SKIP} lines`, async () => {
    // Prepare
    const seal = await testCursorSeal();
    const scope = cursorScope('trace', DEFAULT_ARN, serviceReplaced);
    const within = seal.seal(scope, encodeTraceCursor({ epochMs: 0, skip: MAX_CURSOR_SKIP }));
    const beyond = seal.seal(scope, encodeTraceCursor({ epochMs: 0, skip: MAX_CURSOR_SKIP + 1 }));

    // Act
    const ok = await harness().handler(get(tracePath(serviceReplaced), { cursor: within }));
    const refused = await harness().handler(get(tracePath(serviceReplaced), { cursor: beyond }));

    // Assess
    expect(ok.statusCode).toBe(200);
    expect(refused.statusCode).toBe(400);
    expect(errorOf(refused).message).toMatch(/is not a trace cursor that tracer issued/);
  });

  it("gives every log read a share of the request's log calls", async () => {
    // Prepare
    const { handler, logs } = harness();

    // Act
    await handler(get(tracePath(serviceReplaced), { full: 'true' }));

    // Assess
    expect(logs.requests.length).toBeGreaterThan(0);
    expect(
      logs.requests.every((r) => r.maxCalls !== undefined && r.maxCalls <= MAX_LOG_CALLS_PER_REQUEST),
    ).toBe(true);
  });

  it('ends a page where its log calls ran out, and the pages still join into the whole trace', async () => {
    // Prepare: ten events per call and a budget of 3 calls, so that the whole life takes several requests.
    const maxLogCalls = 3;
    const { handler } = harness({ maxLogCalls }, 10);
    const whole = json<TraceResponse>(
      await harness().handler(get(tracePath(serviceReplaced), { format: 'json', full: 'true' })),
    );
    expect(whole.lines.length).toBeGreaterThan(100);

    // Act
    const lines: TraceResponse['lines'][number][] = [];
    const callsPerPage: number[] = [];
    let cursor: string | undefined;
    do {
      const body = json<TraceResponse>(
        await handler(
          get(tracePath(serviceReplaced), { format: 'json', full: 'true', ...(cursor ? { cursor } : {}) }),
        ),
      );
      lines.push(...body.lines);
      callsPerPage.push(body.logCalls);
      cursor = body.nextCursor;
    } while (cursor && callsPerPage.length < 500);

    // Assess
    expect(callsPerPage.length).toBeGreaterThan(1);
    expect(Math.max(...callsPerPage)).toBeLessThanOrEqual(maxLogCalls);
    expect(lines).toEqual(whole.lines);
  });
});
