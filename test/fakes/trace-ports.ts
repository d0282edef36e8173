/**
 * In-memory fakes of the ports the trace and the task queries use. Each records what it was asked, and
 * each can be told to fail, so use-case and handler tests need no AWS and no `vi.mock`.
 */
import { type ClusterId, clusterArn, clusterIdOfTask, clusterScope } from '../../lambda/core/cluster-id.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { LogUnavailableError } from '../../lambda/core/errors.js';
import { classifyFailure } from '../../lambda/core/failure.js';
import { toRecordEvent } from '../../lambda/core/log-records.js';
import {
  type ServiceEvent,
  type TaskDefinitionInfo,
  type TaskSummary,
  type TaskTransition,
  toEpochMs,
} from '../../lambda/core/model.js';
import type {
  Clock,
  ListTasksQuery,
  LiveTaskSource,
  LogEvent,
  LogSource,
  LogStreamRequest,
  LogStreamResult,
  Page,
  RecordedCluster,
  RecordedTask,
  ServiceEventSource,
  ServiceEventStore,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TaskHistory,
} from '../../lambda/use-cases/ports.js';

/** A clock that always says `nowMs`. */
export function fixedClock(nowMs: number): Clock {
  return { nowMs: () => nowMs };
}

/** The recorded history, fed with EventBridge events or transitions. Newest version wins, as in the table. */
export class InMemoryTaskHistory implements TaskHistory {
  private readonly tasks = new Map<string, RecordedTask>();
  private readonly transitions = new Map<string, TaskTransition[]>();
  private readonly clusters = new Map<string, RecordedCluster>();
  getTaskCalls = 0;

  /** Parses and records EventBridge events; returns the service events among them. */
  recordEvents(events: readonly unknown[]): ServiceEvent[] {
    const serviceEvents: ServiceEvent[] = [];
    for (const raw of events) {
      const event = parseEcsEvent(raw);
      if (event.type === 'task-state-change') this.recordTransition(event.transition);
      else if (event.type === 'service-event') serviceEvents.push(event.event);
    }
    return serviceEvents;
  }

  recordTransition(transition: TaskTransition, failure = classifyFailure(transition)): void {
    const key = `${transition.clusterName}/${transition.taskId}`;
    const list = this.transitions.get(key) ?? [];
    if (!list.some((t) => t.version === transition.version)) list.push(transition);
    list.sort((a, b) => a.version - b.version);
    this.transitions.set(key, list);
    const current = this.tasks.get(key);
    if (!current || current.summary.version < transition.version) {
      this.tasks.set(key, failure ? { summary: transition, failure } : { summary: transition });
    }
    const id = clusterIdOfTask(transition);
    const seen = this.clusters.get(clusterScope(id));
    if (!seen || seen.lastSeenAt < transition.eventTime) {
      this.clusters.set(clusterScope(id), {
        account: id.account,
        region: id.region,
        clusterName: id.name,
        clusterArn: clusterArn(id),
        lastSeenAt: transition.eventTime,
      });
    }
  }

  /** Tasks are found by cluster name: the fake's tasks are all of one account and region. */
  async getTask(cluster: ClusterId, taskId: string): Promise<RecordedTask | undefined> {
    this.getTaskCalls += 1;
    return this.tasks.get(`${cluster.name}/${taskId}`);
  }

  async listTransitions(cluster: ClusterId, taskId: string): Promise<TaskTransition[]> {
    return [...(this.transitions.get(`${cluster.name}/${taskId}`) ?? [])];
  }

  async listTasks(query: ListTasksQuery): Promise<Page<RecordedTask>> {
    const matching = [...this.tasks.values()]
      .filter((t) => t.summary.clusterName === query.cluster.name)
      .filter((t) => query.status === undefined || t.summary.lastStatus === query.status)
      .filter((t) => !query.failedOnly || t.failure?.failed === true)
      .filter((t) => {
        const createdMs = toEpochMs(t.summary.createdAt ?? t.summary.eventTime);
        return (query.sinceMs ?? -Infinity) <= createdMs && createdMs <= (query.untilMs ?? Infinity);
      })
      .sort((a, b) => (b.summary.createdAt ?? '').localeCompare(a.summary.createdAt ?? ''));
    const offset = query.cursor === undefined ? 0 : Number(query.cursor);
    const items = matching.slice(offset, offset + query.limit);
    const next = offset + query.limit;
    return next < matching.length ? { items, nextCursor: String(next) } : { items };
  }

  async listClusters(): Promise<RecordedCluster[]> {
    return [...this.clusters.values()];
  }
}

/** Recorded task definitions; `failPuts` makes every write fail, as a table without write access would. */
export class InMemoryTaskDefinitionStore implements TaskDefinitionStore {
  readonly items = new Map<string, TaskDefinitionInfo>();
  readonly puts: TaskDefinitionInfo[] = [];
  failPuts = false;

  constructor(infos: readonly TaskDefinitionInfo[] = []) {
    for (const info of infos) this.items.set(info.taskDefinitionArn, info);
  }

  async getTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined> {
    return this.items.get(taskDefinitionArn);
  }

  async putTaskDefinition(info: TaskDefinitionInfo): Promise<void> {
    if (this.failPuts) throw new Error('AccessDeniedException: not authorized to perform dynamodb:PutItem');
    this.puts.push(info);
    this.items.set(info.taskDefinitionArn, info);
  }
}

/** ECS's DescribeTaskDefinition: answers from a list, or fails with `error`. */
export class FakeTaskDefinitionSource implements TaskDefinitionSource {
  readonly calls: string[] = [];
  error: Error | undefined;

  constructor(private readonly infos: readonly TaskDefinitionInfo[] = []) {}

  async describeTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo> {
    this.calls.push(taskDefinitionArn);
    if (this.error) throw this.error;
    return (
      this.infos.find((i) => i.taskDefinitionArn === taskDefinitionArn) ?? {
        status: 'unavailable',
        taskDefinitionArn,
        reason: 'ClientException: Unable to describe task definition.',
        describedAt: '2021-12-03T00:00:00.000Z',
      }
    );
  }
}

export class InMemoryServiceEventStore implements ServiceEventStore {
  readonly events: ServiceEvent[] = [];
  readonly queries: Array<{ serviceName: string; fromMs: number; toMs: number }> = [];

  constructor(events: readonly ServiceEvent[] = []) {
    this.events.push(...events);
  }

  async putServiceEvents(_cluster: ClusterId, events: readonly ServiceEvent[]): Promise<void> {
    for (const event of events) {
      if (!this.events.some((e) => e.eventId === event.eventId && e.serviceName === event.serviceName)) {
        this.events.push(event);
      }
    }
  }

  async listServiceEvents(
    cluster: ClusterId,
    serviceName: string,
    fromMs: number,
    toMs: number,
  ): Promise<ServiceEvent[]> {
    this.queries.push({ serviceName, fromMs, toMs });
    return this.events
      .filter((e) => e.clusterName === cluster.name && e.serviceName === serviceName)
      .filter((e) => toEpochMs(e.createdAt) >= fromMs && toEpochMs(e.createdAt) <= toMs)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}

/** DescribeServices: the service's recent events, undefined once the service is gone, or an error. */
export class FakeServiceEventSource implements ServiceEventSource {
  error: Error | undefined;

  constructor(private readonly events: readonly ServiceEvent[] | undefined) {}

  async recentServiceEvents(): Promise<ServiceEvent[] | undefined> {
    if (this.error) throw this.error;
    return this.events ? [...this.events] : undefined;
  }
}

/**
 * Container logs by group and stream, paged like GetLogEvents (`pageSize` events a call, plus the call that
 * sees the token repeat), with per-stream faults.
 */
export class InMemoryLogSource implements LogSource {
  private readonly groups = new Map<string, Map<string, LogEvent[]>>();
  private readonly faults = new Map<string, LogUnavailableError | Error>();
  readonly requests: LogStreamRequest[] = [];
  /**
   * Called after each page read under a deadline (`timeLeftMs`): a test spends its fake time there. A read
   * under a deadline asks the time left before each page, as the CloudWatch Logs adapter does.
   */
  onPage: (() => void) | undefined;

  constructor(private readonly pageSize = 10_000) {}

  createLogGroup(logGroup: string): void {
    if (!this.groups.has(logGroup)) this.groups.set(logGroup, new Map());
  }

  putLogEvents(logGroup: string, logStream: string, events: readonly LogEvent[]): void {
    this.createLogGroup(logGroup);
    const streams = this.groups.get(logGroup) as Map<string, LogEvent[]>;
    const list = streams.get(logStream) ?? [];
    list.push(...events);
    list.sort((a, b) => a.timestampMs - b.timestampMs);
    streams.set(logStream, list);
  }

  /** Puts fixture streams as CloudWatch Logs has them (`{ logGroup, logStream, events: [{ timestamp, message }] }`). */
  putStreams(
    streams: ReadonlyArray<{
      readonly logGroup: string;
      readonly logStream: string;
      readonly events: ReadonlyArray<{ readonly timestamp: number; readonly message: string }>;
    }>,
  ): this {
    for (const stream of streams) {
      this.putLogEvents(
        stream.logGroup,
        stream.logStream,
        stream.events.map((e) => ({ timestampMs: e.timestamp, message: e.message })),
      );
    }
    return this;
  }

  /** Makes every read of the stream fail with `error`. */
  fail(logGroup: string, logStream: string, error: LogUnavailableError | Error): void {
    this.faults.set(`${logGroup}\n${logStream}`, error);
  }

  async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
    this.requests.push(request);
    const fault = this.faults.get(`${request.logGroup}\n${request.logStream}`);
    if (fault) throw fault;
    const streams = this.groups.get(request.logGroup);
    if (!streams) {
      throw new LogUnavailableError('log-group-not-found', `log group ${request.logGroup} does not exist`);
    }
    const all = streams.get(request.logStream);
    if (!all) {
      throw new LogUnavailableError(
        'log-stream-not-found',
        `log stream ${request.logStream} does not exist in log group ${request.logGroup}`,
      );
    }
    const inWindow = all
      .filter((e) => e.timestampMs >= request.startMs && e.timestampMs <= request.endMs)
      .flatMap((e) => toRecordEvent(e.timestampMs, e.message, request.records) ?? []);
    // A call budget bounds the events to the pages it allows.
    const max = Math.min(
      request.maxEvents ?? Number.POSITIVE_INFINITY,
      request.maxCalls === undefined ? Number.POSITIVE_INFINITY : request.maxCalls * this.pageSize,
    );
    if (request.timeLeftMs) {
      const wanted = Math.min(inWindow.length, max);
      let read = 0;
      let pages = 0;
      while (pages === 0 || read < wanted) {
        if (request.timeLeftMs() <= 0) {
          const events = inWindow.slice(0, read);
          const last = events[events.length - 1];
          return {
            events,
            calls: pages,
            truncated: true,
            stoppedEarly: true,
            ...(last ? { resumeAfterMs: last.timestampMs } : {}),
          };
        }
        read = Math.min(wanted, read + this.pageSize);
        pages += 1;
        this.onPage?.();
      }
    }
    if (inWindow.length <= max) {
      return { events: inWindow, calls: Math.ceil(inWindow.length / this.pageSize) + 1, truncated: false };
    }
    const events = inWindow.slice(0, max);
    const last = events[events.length - 1];
    const calls = Math.min(
      Math.ceil((max + 1) / this.pageSize),
      request.maxCalls ?? Number.POSITIVE_INFINITY,
    );
    return last
      ? { events, calls, truncated: true, resumeAfterMs: last.timestampMs }
      : { events, calls, truncated: true };
  }
}

/** ECS's DescribeTasks for tasks tracer never recorded. */
export class FakeLiveTaskSource implements LiveTaskSource {
  readonly calls: Array<{ clusterName: string; taskId: string }> = [];
  error: Error | undefined;

  constructor(private readonly tasks: readonly TaskSummary[] = []) {}

  async describeTask(cluster: ClusterId | string, taskId: string): Promise<TaskSummary | undefined> {
    const clusterName = typeof cluster === 'string' ? cluster : cluster.name;
    this.calls.push({ clusterName, taskId });
    if (this.error) throw this.error;
    return this.tasks.find((t) => t.clusterName === clusterName && t.taskId === taskId);
  }
}
