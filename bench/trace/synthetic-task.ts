/**
 * The task the trace benchmark reads: a Fargate task that ran for an hour with one to three `awslogs`
 * containers, failed (its essential container exited 1), and logged N lines in all. The lines follow a
 * shape seen in real services: a burst while starting, a burst while stopping, and a steady stream in
 * between. Everything is derived from the parameters and a seeded generator, so the parent (which loads
 * the loopback fake) and the worker (which builds the trace) agree without passing data around.
 */

import {
  DEFAULT_LOG_WINDOW_MS,
  type LogWindow,
  logStreamName,
  logWindows,
} from '../../lambda/core/log-windows.js';
import type { TaskDefinitionInfo, TaskTransition } from '../../lambda/core/model.js';
import {
  EVENT_OVERHEAD_BYTES,
  MAX_PAGE_BYTES,
  MAX_PAGE_EVENTS,
} from '../../test/fakes/cloudwatch-logs-fake.js';

export const BENCH_CLUSTER = 'bench';
export const BENCH_TASK_ID = '5c1c2ee8a2b44a5c9a5d7d0c3f6b9e21';
export const BENCH_LOG_GROUP = '/ecs/bench-orders';
export const BENCH_STREAM_PREFIX = 'ecs';
const CONTAINER_NAMES = ['app', 'proxy', 'worker'] as const;
export const MAX_CONTAINERS = CONTAINER_NAMES.length;

const CREATED_MS = Date.parse('2024-03-04T05:00:00.000Z');
const SECOND = 1_000;
/** How long the task ran, from startedAt to stoppingAt. */
export const RUN_MS = 3_600 * SECOND;
/** Share of the lines written in the first minute after start, and in the last minute. */
const HEAD_BURST_SHARE = 0.1;
const TAIL_BURST_SHARE = 0.1;

export interface SyntheticTask {
  readonly summary: TaskTransition;
  readonly taskDefinition: TaskDefinitionInfo;
  readonly containers: readonly { readonly containerName: string; readonly logStream: string }[];
  /** Five weeks after the task stopped: long after ECS forgot it. */
  readonly nowMs: number;
  /** The head and tail windows for the default duration of one minute. */
  readonly windows: readonly LogWindow[];
  /** The whole life, as full mode reads it. */
  readonly fullWindow: LogWindow;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The benchmark's task with `containerCount` containers (1 to 3), all logging with awslogs.
 * @example syntheticTask(3).containers.map((c) => c.containerName) // ['app', 'proxy', 'worker']
 */
export function syntheticTask(containerCount: number): SyntheticTask {
  if (!Number.isInteger(containerCount) || containerCount < 1 || containerCount > MAX_CONTAINERS) {
    throw new RangeError(`containerCount must be 1 to ${MAX_CONTAINERS}, got ${containerCount}`);
  }
  const names = CONTAINER_NAMES.slice(0, containerCount);
  const startedMs = CREATED_MS + 15 * SECOND;
  const stoppingMs = startedMs + RUN_MS;
  const stoppedMs = stoppingMs + 30 * SECOND;
  const region = 'us-east-1';
  const account = '123456789012';
  const taskDefinitionArn = `arn:aws:ecs:${region}:${account}:task-definition/bench-orders:42`;
  const summary: TaskTransition = {
    eventId: 'c3f9a0de-0b7e-4d3e-9d2a-5b0e6f0a1c42',
    eventTime: iso(stoppedMs),
    region,
    account,
    clusterArn: `arn:aws:ecs:${region}:${account}:cluster/${BENCH_CLUSTER}`,
    clusterName: BENCH_CLUSTER,
    taskArn: `arn:aws:ecs:${region}:${account}:task/${BENCH_CLUSTER}/${BENCH_TASK_ID}`,
    taskId: BENCH_TASK_ID,
    version: 6,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    group: 'family:bench-orders',
    launchType: 'FARGATE',
    taskDefinitionArn,
    availabilityZone: 'us-east-1a',
    cpu: '1024',
    memory: '2048',
    createdAt: iso(CREATED_MS),
    connectivityAt: iso(CREATED_MS + 3 * SECOND),
    pullStartedAt: iso(CREATED_MS + 4 * SECOND),
    pullStoppedAt: iso(CREATED_MS + 12 * SECOND),
    startedAt: iso(startedMs),
    stoppingAt: iso(stoppingMs),
    executionStoppedAt: iso(stoppingMs + 25 * SECOND),
    stoppedAt: iso(stoppedMs),
    updatedAt: iso(stoppedMs),
    containers: names.map((name, i) => ({
      name,
      image: `${account}.dkr.ecr.${region}.amazonaws.com/bench-${name}:1.4.2`,
      lastStatus: 'STOPPED',
      exitCode: i === 0 ? 1 : 0,
    })),
  };
  const taskDefinition: TaskDefinitionInfo = {
    status: 'described',
    taskDefinitionArn,
    describedAt: iso(CREATED_MS),
    containers: names.map((containerName, i) => ({
      containerName,
      logDriver: 'awslogs',
      logGroup: BENCH_LOG_GROUP,
      streamPrefix: BENCH_STREAM_PREFIX,
      region,
      essential: i === 0,
    })),
  };
  const nowMs = stoppedMs + 35 * 24 * 3_600 * SECOND;
  const [fullWindow] = logWindows(summary, DEFAULT_LOG_WINDOW_MS, nowMs, { full: true });
  return {
    summary,
    taskDefinition,
    containers: names.map((containerName) => ({
      containerName,
      logStream: logStreamName(BENCH_STREAM_PREFIX, containerName, BENCH_TASK_ID),
    })),
    nowMs,
    windows: logWindows(summary, DEFAULT_LOG_WINDOW_MS, nowMs),
    fullWindow: fullWindow as LogWindow,
  };
}

/** A small, fast, seeded generator (mulberry32): the same seed gives the same lines on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const PATHS = [
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/carts/{id}/items',
  '/healthz',
  '/api/v1/payments',
];
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];

/** One log line in one of the shapes real containers write: access logs, JSON, short notes, stack traces. */
function logMessage(container: string, variant: number, next: () => number): string {
  const r = next();
  const id = Math.floor(next() * 1e9).toString(36);
  if (r < 0.45) {
    const path = (PATHS[Math.floor(next() * PATHS.length)] as string).replace('{id}', id);
    const status = next() < 0.97 ? 200 : 503;
    return `10.0.${variant % 251}.${variant % 13} - - "GET ${path} HTTP/1.1" ${status} ${Math.floor(next() * 9000)} "-" "Go-http-client/1.1" rt=0.0${Math.floor(next() * 90)}`;
  }
  if (r < 0.85) {
    const level = LEVELS[Math.floor(next() * LEVELS.length)] as string;
    return `{"level":"${level}","logger":"${container}.orders","msg":"order state changed","orderId":"ord_${id}","from":"PENDING","to":"PAID","durationMs":${Math.floor(next() * 400)}}`;
  }
  if (r < 0.99) return `${container}: heartbeat ok`;
  return `Error: connect ECONNREFUSED 10.0.3.17:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n    at Pool.connect (/app/node_modules/pg-pool/index.js:45:11)\n    at OrderRepository.save (/app/dist/orders/repository.js:88:20)`;
}

/**
 * Distinct message bodies drawn once per container; each line is a body plus its sequence number, which
 * keeps every line unique (identical lines would be deduplicated) while creating few objects per line:
 * generating a million lines stays well under a second instead of being dominated by garbage collection.
 */
const MESSAGE_POOL_SIZE = 4_096;

/** One container's log events, in time order. */
export interface GeneratedStream {
  readonly containerName: string;
  readonly logStream: string;
  readonly events: { readonly timestamp: number; readonly message: string }[];
}

/**
 * The log events of one container: `count` lines with unique messages, in time order.
 * @example generateLogEvents(syntheticTask(1), 0, 1_000).events.length === 1_000
 */
export function generateLogEvents(
  task: SyntheticTask,
  containerIndex: number,
  count: number,
): GeneratedStream {
  const container = task.containers[containerIndex];
  if (!container) throw new RangeError(`the task has no container ${containerIndex}`);
  const next = random(0x7ace_0000 + containerIndex * 7919 + count);
  const startedMs = Date.parse(task.summary.startedAt as string);
  const stoppingMs = Date.parse(task.summary.stoppingAt as string);
  const endMs = stoppingMs + 20 * SECOND;
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const r = next();
    if (r < HEAD_BURST_SHARE) times[i] = startedMs + Math.floor(next() * 60 * SECOND);
    else if (r < HEAD_BURST_SHARE + TAIL_BURST_SHARE)
      times[i] = stoppingMs - 40 * SECOND + Math.floor(next() * 60 * SECOND);
    else times[i] = startedMs + Math.floor(next() * (endMs - startedMs));
  }
  times.sort();
  const pool = Array.from({ length: MESSAGE_POOL_SIZE }, (_, variant) =>
    logMessage(container.containerName, variant, next),
  );
  const events = new Array<{ timestamp: number; message: string }>(count);
  for (let i = 0; i < count; i++) {
    events[i] = { timestamp: times[i] as number, message: `${pool[i % MESSAGE_POOL_SIZE]} seq=${i}` };
  }
  return { containerName: container.containerName, logStream: container.logStream, events };
}

/**
 * Counts the GetLogEvents pages a read of a stream needs when every page is as full as the API allows
 * (10,000 events or 1 MB, whichever comes first). Filled greedily in stream order, which is the fewest
 * pages any reader can use: the physical limit.
 */
export class PageCounter {
  private pagesClosed = 0;
  private eventsInPage = 0;
  private bytesInPage = 0;
  events = 0;
  bytes = 0;

  add(messageBytes: number): void {
    const size = messageBytes + EVENT_OVERHEAD_BYTES;
    if (
      this.eventsInPage > 0 &&
      (this.eventsInPage >= MAX_PAGE_EVENTS || this.bytesInPage + size > MAX_PAGE_BYTES)
    ) {
      this.pagesClosed += 1;
      this.eventsInPage = 0;
      this.bytesInPage = 0;
    }
    this.eventsInPage += 1;
    this.bytesInPage += size;
    this.events += 1;
    this.bytes += size;
  }

  /** Pages needed so far. */
  get pages(): number {
    return this.pagesClosed + (this.eventsInPage > 0 ? 1 : 0);
  }

  /** The simple bound: the events and the bytes each divided by a page's capacity, rounded up. */
  get lowerBound(): number {
    return Math.max(Math.ceil(this.events / MAX_PAGE_EVENTS), Math.ceil(this.bytes / MAX_PAGE_BYTES));
  }
}
