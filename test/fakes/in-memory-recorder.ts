/**
 * In-memory implementations of the recorder's ports with the same idempotence rules as the DynamoDB
 * adapters: first write of a transition wins, the summary is the highest version, lastSeenAt only
 * moves forward while active days accumulate, and service events are keyed by (cluster, service,
 * createdAt, eventId).
 */

import type { Logger } from '../../lambda/config/logger.js';
import type { ClusterId } from '../../lambda/core/cluster-id.js';
import type { ServiceEvent, TaskDefinitionInfo, TaskTransition } from '../../lambda/core/model.js';
import type {
  RecordedTask,
  RecordOutcome,
  ServiceEventSource,
  ServiceEventStore,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TransitionStore,
} from '../../lambda/use-cases/ports.js';

export class InMemoryTransitionStore implements TransitionStore {
  readonly transitions = new Map<string, TaskTransition>();
  readonly summaries = new Map<string, RecordedTask>();
  /** Cluster name → lastSeenAt. */
  readonly clusters = new Map<string, string>();
  /** Cluster name → the UTC days its tasks are listed under. */
  readonly activeDays = new Map<string, Set<string>>();
  readonly calls = { recordTransition: 0, registerCluster: 0 };
  /** Set to make the next calls fail, as DynamoDB does when it keeps throttling. */
  failWith: Error | undefined;

  async recordTransition(task: RecordedTask): Promise<RecordOutcome> {
    this.calls.recordTransition += 1;
    if (this.failWith) throw this.failWith;
    const transition = task.summary;
    const key = `${transition.clusterName}#${transition.taskId}#${transition.version}`;
    if (this.transitions.has(key)) return { transition: 'duplicate', summary: 'stale' };
    this.transitions.set(key, transition);
    const taskKey = `${transition.clusterName}#${transition.taskId}`;
    const stored = this.summaries.get(taskKey);
    if (stored && stored.summary.version >= transition.version)
      return { transition: 'stored', summary: 'stale' };
    this.summaries.set(taskKey, task);
    return { transition: 'stored', summary: 'advanced' };
  }

  /** Clusters are kept by name: the fake's events are all of one account and region. */
  async registerCluster(cluster: ClusterId, seenAt: string, listedAt: string): Promise<void> {
    const clusterName = cluster.name;
    this.calls.registerCluster += 1;
    // Yield once, so that concurrent registrations overlap as they would on the network.
    await Promise.resolve();
    if (this.failWith) throw this.failWith;
    const stored = this.clusters.get(clusterName);
    if (stored === undefined || stored < seenAt) this.clusters.set(clusterName, seenAt);
    const days = this.activeDays.get(clusterName) ?? new Set<string>();
    days.add(listedAt.slice(0, 10));
    this.activeDays.set(clusterName, days);
  }

  summary(clusterName: string, taskId: string): RecordedTask | undefined {
    return this.summaries.get(`${clusterName}#${taskId}`);
  }
}

export class InMemoryTaskDefinitionStore implements TaskDefinitionStore {
  readonly items = new Map<string, TaskDefinitionInfo>();
  readonly calls = { get: 0, put: 0 };

  async getTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined> {
    this.calls.get += 1;
    return this.items.get(taskDefinitionArn);
  }

  async putTaskDefinition(info: TaskDefinitionInfo): Promise<void> {
    this.calls.put += 1;
    const stored = this.items.get(info.taskDefinitionArn);
    if (stored?.status === 'described' && info.status === 'unavailable') return;
    this.items.set(info.taskDefinitionArn, info);
  }
}

/** Answers DescribeTaskDefinition from a table; an Error value is thrown (a transient fault). */
export class FakeTaskDefinitionSource implements TaskDefinitionSource {
  readonly described: string[] = [];

  constructor(readonly answers: Map<string, TaskDefinitionInfo | Error> = new Map()) {}

  async describeTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo> {
    this.described.push(taskDefinitionArn);
    // Yield once, so that concurrent callers overlap as they would on the network.
    await Promise.resolve();
    const answer = this.answers.get(taskDefinitionArn);
    if (answer instanceof Error) throw answer;
    return (
      answer ?? {
        status: 'unavailable',
        taskDefinitionArn,
        reason: 'ClientException: Unable to describe task definition.',
        describedAt: '2000-01-01T00:00:00.000Z',
      }
    );
  }
}

export class InMemoryServiceEventStore implements ServiceEventStore {
  readonly events = new Map<string, ServiceEvent>();
  failWith: Error | undefined;

  async putServiceEvents(_cluster: ClusterId, events: readonly ServiceEvent[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    for (const e of events)
      this.events.set(`${e.clusterName}#${e.serviceName}#${e.createdAt}#${e.eventId}`, e);
  }

  async listServiceEvents(
    cluster: ClusterId,
    serviceName: string,
    fromMs: number,
    toMs: number,
  ): Promise<ServiceEvent[]> {
    return [...this.events.values()]
      .filter((e) => e.clusterName === cluster.name && e.serviceName === serviceName)
      .filter((e) => Date.parse(e.createdAt) >= fromMs && Date.parse(e.createdAt) <= toMs)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }
}

/** DescribeServices from a table keyed by `cluster/service`; an Error value is thrown. */
export class FakeServiceEventSource implements ServiceEventSource {
  readonly calls: string[] = [];

  constructor(readonly services: Map<string, ServiceEvent[] | Error> = new Map()) {}

  async recentServiceEvents(clusterName: string, serviceName: string): Promise<ServiceEvent[] | undefined> {
    this.calls.push(`${clusterName}/${serviceName}`);
    const answer = this.services.get(`${clusterName}/${serviceName}`);
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

/** A logger that keeps what it was told, for asserting on warnings. */
export class CapturingLogger implements Logger {
  constructor(
    private readonly base: Record<string, unknown> = {},
    /** Shared with children, so a test sees everything in one place. */
    readonly entries: { level: string; message: string; fields: Record<string, unknown> }[] = [],
  ) {}

  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'debug', message, fields: { ...this.base, ...fields } });
  }
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'info', message, fields: { ...this.base, ...fields } });
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'warn', message, fields: { ...this.base, ...fields } });
  }
  error(message: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'error', message, fields: { ...this.base, ...fields } });
  }
  child(fields: Record<string, unknown>): Logger {
    return new CapturingLogger({ ...this.base, ...fields }, this.entries);
  }

  at(level: string): { message: string; fields: Record<string, unknown> }[] {
    return this.entries.filter((e) => e.level === level);
  }
}
