/**
 * `--live`: answers straight from ECS and CloudWatch Logs, like the original tracer, with no tracer stack.
 * Traces come from the same use case as the API's, with an empty history, so every task is looked up in
 * ECS (which remembers a stopped task for about an hour).
 */

import { AwsClientFactory, type AwsClientSettings } from '../adapters/aws-client-factory.js';
import { CloudWatchLogSource } from '../adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { EcsLiveCatalog } from '../adapters/ecs/ecs-live-catalog.js';
import { EcsLiveInstanceSource } from '../adapters/ecs/ecs-live-instance-source.js';
import { EcsLiveTaskSource } from '../adapters/ecs/ecs-live-task-source.js';
import { EcsServiceEventSource } from '../adapters/ecs/ecs-service-event-source.js';
import { EcsTaskDefinitionSource } from '../adapters/ecs/ecs-task-definition-source.js';
import { systemClock } from '../adapters/system-clock.js';
import type {
  ClusterListResponse,
  TaskListResponse,
  TaskSummaryResponse,
  TraceResponse,
} from '../core/api-types.js';
import {
  type ClusterRef,
  clusterIdOfArn,
  type HomeScope,
  homeCluster,
  UNKNOWN_HOME,
} from '../core/cluster-id.js';
import { InvalidInputError } from '../core/errors.js';
import { classifyFailure } from '../core/failure.js';
import { DEFAULT_TIME_ZONE, formatTraceText, toTraceLineJson } from '../core/format.js';
import type { TaskDefinitionInfo, TaskSummary } from '../core/model.js';
import { toTaskListItem, toTaskSummaryResponse } from '../core/task-view.js';
import { type BuildTraceDeps, buildTaskTrace, type TaskTrace } from '../use-cases/build-trace.js';
import { liveTraceSince } from '../use-cases/live-trace-since.js';
import type {
  Clock,
  ForwardLogSource,
  InstanceHistory,
  LiveTaskSource,
  LogSource,
  Page,
  RecordedTask,
  ServiceEventSource,
  ServiceEventStore,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TaskHistory,
} from '../use-cases/ports.js';
import { getTask } from '../use-cases/query-tasks.js';
import { isSinceCursor, taskChanges } from '../use-cases/task-changes.js';
import { sinceCursorAfter, traceSince } from '../use-cases/trace-since.js';
import { DEFAULT_TASK_LIMIT } from './args.js';
import type { ClusterListFilter, TaskListFilters, TraceRequest, TracerSource, TraceText } from './source.js';

/** Nothing is recorded in live mode: every lookup falls through to ECS. */
const emptyHistory: TaskHistory = {
  getTask: async () => undefined,
  listTransitions: async () => [],
  listTasks: async (): Promise<Page<RecordedTask>> => ({ items: [] }),
  listClusters: async () => [],
};

/** Service events are read from DescribeServices only; nothing is kept between runs. */
const noServiceEvents: ServiceEventStore = {
  putServiceEvents: async () => {},
  listServiceEvents: async () => [],
};

/** Task definitions described once per process, so that a long-running MCP server asks ECS once. */
class MemoryTaskDefinitionStore implements TaskDefinitionStore {
  private readonly byArn = new Map<string, TaskDefinitionInfo>();

  async getTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined> {
    return this.byArn.get(taskDefinitionArn);
  }

  async putTaskDefinition(info: TaskDefinitionInfo): Promise<void> {
    // Only revisions ECS described are worth keeping; an unavailable one may be a passing denial.
    if (info.status === 'described') this.byArn.set(info.taskDefinitionArn, info);
  }
}

/** What the live source is made of; `create` wires the real adapters. */
export interface LiveSourceDeps {
  readonly catalog: Pick<EcsLiveCatalog, 'listClusterArns' | 'listTasks'>;
  readonly live: LiveTaskSource;
  readonly taskDefinitionSource: TaskDefinitionSource;
  readonly serviceEventSource: ServiceEventSource;
  readonly logs: LogSource;
  /** Forward reads of log streams for `tracer -f --live`. @default - a follow reads the windows again */
  readonly forwardLogs?: ForwardLogSource;
  /**
   * The container instance of an EC2 task as ECS reports it now (DescribeContainerInstances).
   * @default - no `INSTANCE` lines
   */
  readonly instances?: InstanceHistory;
  readonly clock: Clock;
  /** Releases the AWS clients. */
  readonly close?: () => void;
}

/**
 * Lines of one live trace page, as the API pages its traces (`DEFAULT_TRACE_PAGE_LINES` of the API
 * handler, which is not imported because it loads the DynamoDB client): a chatty container is read page by
 * page instead of whole into memory.
 */
export const LIVE_TRACE_PAGE_LINES = 25_000;

const LIVE_CURSOR = /^live:(\d{1,9})$/;
/**
 * ECS is asked by cluster name with the profile's own credentials, and nothing is read from a table, so
 * the account and region of a live cluster name no record.
 */
const LIVE_HOME: HomeScope = UNKNOWN_HOME;
/** How long the next pages of a live task listing reuse its first page's snapshot. */
const SNAPSHOT_TTL_MS = 5 * 60_000;

/** Reads ECS and CloudWatch Logs directly. */
export class LiveSource implements TracerSource {
  readonly description = 'ECS and CloudWatch Logs (live)';
  private readonly traceDeps: BuildTraceDeps;
  private readonly taskDefinitions = new MemoryTaskDefinitionStore();
  private readonly listings = new Map<
    string,
    { readonly tasks: TaskSummary[]; readonly takenAtMs: number }
  >();

  constructor(private readonly deps: LiveSourceDeps) {
    this.traceDeps = {
      history: emptyHistory,
      taskDefinitions: this.taskDefinitions,
      taskDefinitionSource: deps.taskDefinitionSource,
      serviceEvents: noServiceEvents,
      serviceEventSource: deps.serviceEventSource,
      logs: deps.logs,
      live: deps.live,
      ...(deps.instances ? { instances: deps.instances } : {}),
      clock: deps.clock,
    };
  }

  /**
   * The live source over real AWS clients of the chosen profile and region.
   * @example const source = LiveSource.create({ profile: 'prod', region: 'eu-west-1' });
   */
  static create(settings: AwsClientSettings = {}): LiveSource {
    const clients = new AwsClientFactory(settings);
    const clock = systemClock;
    const ecs = clients.ecs();
    const logs = new CloudWatchLogSource({ clientFor: (region) => clients.logs(region) });
    return new LiveSource({
      catalog: new EcsLiveCatalog({ client: ecs }),
      live: new EcsLiveTaskSource(ecs),
      taskDefinitionSource: new EcsTaskDefinitionSource({ client: ecs, clock }),
      serviceEventSource: new EcsServiceEventSource({ client: ecs }),
      logs,
      forwardLogs: logs,
      instances: new EcsLiveInstanceSource(ecs, clock),
      clock,
      close: () => clients.destroy(),
    });
  }

  async listClusters(filter: ClusterListFilter = {}): Promise<ClusterListResponse> {
    const arns = await this.deps.catalog.listClusterArns();
    // ECS reports the cluster now, so "now" is when tracer last saw it.
    const lastSeenAt = new Date(this.deps.clock.nowMs()).toISOString();
    return {
      clusters: arns.flatMap((clusterArn) => {
        const id = clusterIdOfArn(clusterArn);
        if (!id) return [];
        if (filter.account !== undefined && id.account !== filter.account) return [];
        if (filter.region !== undefined && id.region !== filter.region) return [];
        return [{ clusterName: id.name, account: id.account, region: id.region, clusterArn, lastSeenAt }];
      }),
    };
  }

  // ECS answers for the account and region of the credentials and client: a name is that account's cluster.
  async listTasks(ref: ClusterRef, filters: TaskListFilters = {}): Promise<TaskListResponse> {
    const cluster = ref.name;
    if (filters.since !== undefined && isSinceCursor(filters.since)) {
      // A follow of the cluster: what ECS says now, against the previous poll's positions.
      return taskChanges(
        {
          recentTasks: async (id, options) =>
            (await this.deps.catalog.listTasks(id.name))
              .filter((summary) => !options.failedOnly || classifyFailure(summary)?.failed === true)
              .slice(0, options.limit)
              .map((summary) => ({ summary })),
        },
        this.deps.clock,
        {
          cluster: homeCluster(LIVE_HOME, cluster),
          since: filters.since,
          ...(filters.failed ? { failedOnly: true } : {}),
        },
      );
    }
    const offset = this.decodeCursor(filters.cursor);
    const limit = filters.limit ?? DEFAULT_TASK_LIMIT;
    const sinceMs = filters.since === undefined ? undefined : Date.parse(filters.since);
    const untilMs = filters.until === undefined ? undefined : Date.parse(filters.until);
    const status = filters.status?.toUpperCase();
    const keep = (summary: TaskSummary): boolean => {
      if (status && summary.lastStatus !== status) return false;
      const createdMs = summary.createdAt ? Date.parse(summary.createdAt) : undefined;
      if (sinceMs !== undefined && (createdMs === undefined || createdMs < sinceMs)) return false;
      if (untilMs !== undefined && (createdMs === undefined || createdMs >= untilMs)) return false;
      if (filters.failed && classifyFailure(summary)?.failed !== true) return false;
      return true;
    };
    const matching = (await this.snapshot(cluster, filters.cursor !== undefined)).filter(keep);
    const page = matching.slice(offset, offset + limit);
    const next = offset + limit;
    return {
      tasks: page.map((summary) => toTaskListItem({ summary })),
      ...(next < matching.length ? { nextCursor: `live:${next}` } : {}),
    };
  }

  async getTask(cluster: ClusterRef, task: string): Promise<TaskSummaryResponse> {
    return getTask(this.traceDeps, homeCluster(LIVE_HOME, cluster.name), task);
  }

  async getTraceText(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceText> {
    const trace = await this.buildTrace(cluster.name, task, request);
    const text = formatTraceText(trace.lines, { timeZone: request.tz ?? DEFAULT_TIME_ZONE });
    return trace.nextCursor ? { text, nextCursor: trace.nextCursor } : { text };
  }

  async getTraceJson(ref: ClusterRef, task: string, request: TraceRequest): Promise<TraceResponse> {
    const cluster = ref.name;
    if (request.since !== undefined && this.deps.forwardLogs) {
      const { trace, sinceCursor } = await liveTraceSince(
        { ...this.traceDeps, forwardLogs: this.deps.forwardLogs },
        {
          cluster: homeCluster(LIVE_HOME, cluster),
          taskId: task,
          durationMs: request.durationMs,
          maxLines: LIVE_TRACE_PAGE_LINES,
          ...(request.full ? { full: true } : {}),
          since: request.since,
        },
      );
      return {
        task: toTaskSummaryResponse(trace.task, trace.source, trace.taskDefinition),
        lines: trace.lines.map(toTraceLineJson),
        logCalls: trace.logCalls,
        sinceCursor,
      };
    }
    if (request.since !== undefined) {
      const result = await traceSince(this.traceDeps, {
        cluster: homeCluster(LIVE_HOME, cluster),
        taskId: task,
        durationMs: request.durationMs,
        maxLines: LIVE_TRACE_PAGE_LINES,
        ...(request.full ? { full: true } : {}),
        since: request.since,
      });
      const trace = result.trace;
      return {
        task: toTaskSummaryResponse(trace.task, trace.source, trace.taskDefinition),
        lines: trace.lines.map(toTraceLineJson),
        logCalls: trace.logCalls,
        sinceCursor: sinceCursorAfter(result, trace.lines.length),
      };
    }
    const trace = await this.buildTrace(cluster, task, request);
    return {
      task: toTaskSummaryResponse(trace.task, trace.source, trace.taskDefinition),
      lines: trace.lines.map(toTraceLineJson),
      ...(trace.nextCursor ? { nextCursor: trace.nextCursor } : {}),
      logCalls: trace.logCalls,
    };
  }

  close(): void {
    this.deps.close?.();
  }

  private buildTrace(cluster: string, task: string, request: TraceRequest): Promise<TaskTrace> {
    return buildTaskTrace(this.traceDeps, {
      cluster: homeCluster(LIVE_HOME, cluster),
      taskId: task,
      durationMs: request.durationMs,
      maxLines: Math.min(request.limit ?? LIVE_TRACE_PAGE_LINES, LIVE_TRACE_PAGE_LINES),
      ...(request.full ? { full: true } : {}),
      ...(request.cursor ? { cursor: request.cursor } : {}),
    });
  }

  /**
   * The cluster's tasks. The next pages of a listing reuse the snapshot of its first page, so that they
   * neither repeat nor skip tasks while ECS moves on, and cost no further ECS calls.
   */
  private async snapshot(cluster: string, nextPage: boolean): Promise<TaskSummary[]> {
    const nowMs = this.deps.clock.nowMs();
    const cached = this.listings.get(cluster);
    if (nextPage && cached && nowMs - cached.takenAtMs < SNAPSHOT_TTL_MS) return cached.tasks;
    const tasks = await this.deps.catalog.listTasks(cluster);
    this.listings.set(cluster, { tasks, takenAtMs: nowMs });
    return tasks;
  }

  private decodeCursor(cursor: string | undefined): number {
    if (cursor === undefined) return 0;
    const match = LIVE_CURSOR.exec(cursor);
    if (!match) throw new InvalidInputError(`cursor "${cursor}" does not come from a --live task list`);
    return Number(match[1]);
  }
}
