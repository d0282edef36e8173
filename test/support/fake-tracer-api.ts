/**
 * A loopback fake of tracer's HTTP API (the JSON contract of core/api-types.ts), serving the tasks of the
 * reference examples. Clients under test (the CLI, the MCP server) talk to it over real HTTP. It can check
 * SigV4 signatures, page traces, and answer with injected faults.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type {
  ClusterListResponse,
  TaskListItem,
  TaskSummaryResponse,
  TraceLineJson,
  TraceLineKind,
  TraceResponse,
} from '../../lambda/core/api-types.js';
import { clusterIdOfArn } from '../../lambda/core/cluster-id.js';
import { parseDuration } from '../../lambda/core/duration.js';
import { formatTraceText } from '../../lambda/core/format.js';
import type { ReceivedRequest, Verdict } from './sigv4-verifier.js';

/** A task the fake knows: its summary, its listing row and its trace lines. */
export interface FakeTask {
  readonly summary: TaskSummaryResponse;
  readonly listItem: TaskListItem;
  readonly lines: readonly TraceLineJson[];
}

/** An answer the fake sends instead of the normal one. */
export interface FakeAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface FakeTracerApiOptions {
  readonly tasks?: readonly FakeTask[];
  readonly clusters?: ClusterListResponse['clusters'];
  /** A stage prefix such as `/prod`, as API Gateway URLs have. */
  readonly basePath?: string;
  /** Lines per trace page; unlimited when absent. */
  readonly tracePageLines?: number;
  /** Refuses requests whose verdict is not ok, as API Gateway does with IAM authorization. */
  readonly authorize?: (request: ReceivedRequest) => Promise<Verdict>;
  /** Runs first; an answer here replaces the normal one (fault injection). */
  readonly intercept?: (request: ReceivedRequest) => FakeAnswer | undefined;
  readonly retentionDays?: number;
}

export interface FakeTracerApi {
  /** The base URL, stage included. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

const EXPECTED_DIR = join(import.meta.dirname, '..', 'fixtures', 'expected');

/** The reference examples: task id → expected text file (Asia/Tokyo timestamps). */
export const REFERENCE_TRACES = {
  '84b5991528504856a2f003b7da9b2b82': 'cli-user-stopped.txt',
  '9f654c76cde14c7c85cf54dce087658a': 'cli-failed-pull.txt',
  '834a5628bef14f2dbb81c7bc0b272160': 'cli-service-replaced.txt',
} as const;

export type ReferenceTaskId = keyof typeof REFERENCE_TRACES;

/** The expected text of a reference trace, exactly as the CLI prints it with TZ=Asia/Tokyo. */
export function readExpectedTrace(taskId: ReferenceTaskId): string {
  return readFileSync(join(EXPECTED_DIR, REFERENCE_TRACES[taskId]), 'utf8');
}

function kindOf(source: string, message: string): TraceLineKind {
  if (source === 'TASK') return 'transition';
  if (source === 'SERVICE') return 'service';
  if (source === 'TRACER') return 'notice';
  return /^[A-Z]+ \(exit code: -?\d+\)/.test(message) ? 'status' : 'log';
}

/** Turns a text trace back into JSON lines. */
export function parseTraceText(text: string): TraceLineJson[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [stamp = '', source = '', ...rest] = line.split('\t');
      const message = rest.join('\t');
      const epochMs = Date.parse(stamp);
      return {
        timestamp: new Date(epochMs).toISOString(),
        epochMs,
        source,
        message,
        kind: kindOf(source, message),
      };
    });
}

const ACCOUNT = '123456789012';
const REGION = 'ap-northeast-1';

function referenceTask(
  taskId: ReferenceTaskId,
  fields: Omit<
    TaskSummaryResponse,
    'cluster' | 'taskId' | 'taskArn' | 'version' | 'source' | 'createdAt' | 'stoppedAt'
  >,
): FakeTask {
  const lines = parseTraceText(readExpectedTrace(taskId));
  const at = (message: string) => lines.find((l) => l.source === 'TASK' && l.message === message)?.timestamp;
  const createdAt = at('Created');
  const stoppedAt = at('Stopped');
  const summary: TaskSummaryResponse = {
    cluster: 'default',
    taskId,
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/default/${taskId}`,
    version: 5,
    source: 'recorded',
    ...(createdAt ? { createdAt } : {}),
    ...(stoppedAt ? { stoppedAt } : {}),
    ...fields,
  };
  const listItem: TaskListItem = {
    taskId,
    taskArn: summary.taskArn,
    lastStatus: summary.lastStatus,
    ...(summary.taskDefinition ? { taskDefinition: summary.taskDefinition } : {}),
    ...(summary.desiredStatus ? { desiredStatus: summary.desiredStatus } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(stoppedAt ? { stoppedAt } : {}),
    ...(summary.group ? { group: summary.group } : {}),
    ...(summary.launchType ? { launchType: summary.launchType } : {}),
    ...(summary.stopCode ? { stopCode: summary.stopCode } : {}),
    ...(summary.stoppedReason ? { stoppedReason: summary.stoppedReason } : {}),
    ...(summary.failure?.failed ? { failureKind: summary.failure.kind } : {}),
  };
  return { summary, listItem, lines };
}

/** The three tasks of the reference examples, in cluster `default`. */
export function referenceTasks(): FakeTask[] {
  const failedPullReason = readExpectedTrace('9f654c76cde14c7c85cf54dce087658a')
    .split('\n')
    .find((l) => l.includes('StoppedReason:'))
    ?.split('StoppedReason:')[1];
  return [
    referenceTask('84b5991528504856a2f003b7da9b2b82', {
      taskDefinition: 'nginx:1',
      group: 'family:nginx',
      launchType: 'FARGATE',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'Request stop task by user action.',
      containers: [{ name: 'nginx', image: 'nginx:latest', lastStatus: 'STOPPED', exitCode: 0 }],
      failure: {
        failed: false,
        kind: 'not-failed',
        diagnosis: 'The task stopped normally: Request stop task by user action.',
      },
    }),
    referenceTask('9f654c76cde14c7c85cf54dce087658a', {
      taskDefinition: 'ngin:1',
      group: 'family:ngin',
      launchType: 'FARGATE',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      ...(failedPullReason ? { stoppedReason: failedPullReason } : {}),
      containers: [{ name: 'nginx', image: 'ngin:latest', lastStatus: 'STOPPED' }],
      failure: {
        failed: true,
        kind: 'image-pull',
        diagnosis: 'The image ngin:latest could not be pulled.',
        hint: 'Check the image URI and tag, and that the task execution role may pull from the registry (ECR: ecr:GetAuthorizationToken, ecr:BatchGetImage).',
      },
    }),
    referenceTask('834a5628bef14f2dbb81c7bc0b272160', {
      taskDefinition: 'nginx-local:3',
      group: 'service:nginx-local',
      launchType: 'FARGATE',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
      containers: [{ name: 'nginx', image: 'nginx:latest', lastStatus: 'STOPPED', exitCode: 0 }],
      failure: {
        failed: false,
        kind: 'not-failed',
        diagnosis:
          'The task stopped normally: Scaling activity initiated by (deployment ecs-svc/8709920613704280865)',
      },
    }),
  ];
}

function json(status: number, value: unknown): FakeAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function apiError(status: number, code: string, message: string): FakeAnswer {
  return json(status, { error: { code, message } });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function route(request: ReceivedRequest, options: FakeTracerApiOptions): FakeAnswer {
  const tasks = options.tasks ?? referenceTasks();
  const url = new URL(request.url, 'http://fake');
  const base = options.basePath ?? '';
  if (!url.pathname.startsWith(`${base}/`)) return json(403, { message: 'Missing Authentication Token' });
  const parts = url.pathname
    .slice(base.length + 1)
    .split('/')
    .map(decodeURIComponent);
  const q = url.searchParams;
  if (request.method !== 'GET') return apiError(400, 'InvalidInput', `${request.method} is not supported`);

  if (parts.length === 1 && parts[0] === 'clusters') {
    const clusters = options.clusters ?? [
      {
        clusterName: 'default',
        account: '123456789012',
        region: 'us-east-1',
        clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
        lastSeenAt: tasks[0]?.summary.stoppedAt ?? '2021-12-03T02:23:04.873Z',
      },
    ];
    return json(200, { clusters });
  }
  if (parts[0] !== 'clusters' || parts.length < 3 || parts[2] !== 'tasks') {
    return json(403, { message: 'Missing Authentication Token' });
  }
  // The cluster segment is a name or a cluster ARN; this fake holds one account's clusters.
  const cluster = clusterIdOfArn(parts[1] ?? '')?.name ?? parts[1] ?? '';
  const inCluster = tasks.filter((t) => t.summary.cluster === cluster);

  if (parts.length === 3) {
    const limit = Number(q.get('limit') ?? '100');
    if (!Number.isInteger(limit) || limit < 1)
      return apiError(400, 'InvalidInput', `limit "${q.get('limit')}" is not a positive integer`);
    const offset = Number((q.get('cursor') ?? 'o0').slice(1));
    let rows = inCluster.map((t) => t.listItem);
    const status = q.get('status');
    if (status) rows = rows.filter((r) => r.lastStatus === status);
    if (q.get('failed') === 'true') rows = rows.filter((r) => r.failureKind !== undefined);
    rows.sort((a, b) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? ''));
    const page = rows.slice(offset, offset + limit);
    const next = offset + limit < rows.length ? { nextCursor: `o${offset + limit}` } : {};
    return json(200, { tasks: page, ...next });
  }

  const taskId = parts[3] ?? '';
  const task = inCluster.find((t) => t.summary.taskId === taskId);
  if (!task) {
    return apiError(
      404,
      'NotFound',
      `task ${taskId} not found in cluster ${cluster} (tracer keeps tasks for ${options.retentionDays ?? 90} days)`,
    );
  }
  if (parts.length === 4) return json(200, task.summary);
  if (parts.length !== 5 || parts[4] !== 'trace')
    return json(403, { message: 'Missing Authentication Token' });

  const duration = q.get('duration');
  if (duration !== null) {
    try {
      parseDuration(duration);
    } catch (error) {
      return apiError(400, 'InvalidInput', error instanceof Error ? error.message : 'bad duration');
    }
  }
  const start = Number((q.get('cursor') ?? 'l0').slice(1));
  const size = options.tracePageLines ?? task.lines.length;
  const lines = task.lines.slice(start, start + size);
  const nextCursor = start + size < task.lines.length ? `l${start + size}` : undefined;
  const wantsJson = q.get('format') === 'json' || (request.headers.accept ?? '').includes('application/json');
  if (wantsJson) {
    const body: TraceResponse = {
      task: task.summary,
      lines,
      ...(nextCursor ? { nextCursor } : {}),
      logCalls: 2,
    };
    return json(200, body);
  }
  let text: string;
  try {
    text = formatTraceText(lines, { timeZone: q.get('tz') ?? 'UTC' });
  } catch (error) {
    return apiError(400, 'InvalidInput', error instanceof Error ? error.message : 'bad tz');
  }
  return {
    status: 200,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      ...(nextCursor ? { 'x-tracer-next-cursor': nextCursor } : {}),
    },
    body: text,
  };
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  res.writeHead(answer.status, { ...answer.headers });
  res.end(answer.body);
}

/**
 * Starts the fake on 127.0.0.1 on a free port.
 * @example const api = await startFakeTracerApi(); ...; await api.close();
 */
export async function startFakeTracerApi(options: FakeTracerApiOptions = {}): Promise<FakeTracerApi> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const received: ReceivedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: await readBody(req),
      };
      requests.push(received);
      const injected = options.intercept?.(received);
      if (injected) return send(res, injected);
      if (options.authorize) {
        const verdict = await options.authorize(received);
        if (!verdict.ok) {
          return send(res, {
            status: 403,
            headers: { 'content-type': 'application/json', 'x-amzn-errortype': verdict.errorType },
            body: JSON.stringify({ message: verdict.reason }),
          });
        }
      }
      send(res, route(received, options));
    })().catch((error: unknown) => {
      send(res, { status: 500, body: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
