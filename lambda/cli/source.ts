/**
 * Where the CLI and the MCP server read tasks and traces from. Every implementation answers in the JSON
 * contract of the trace API (core/api-types.ts), so the printing code never knows which one it talks to:
 * the deployed API over SigV4, a local server over plain HTTP, or ECS and CloudWatch Logs directly.
 */
import type {
  ClusterListResponse,
  TaskListResponse,
  TaskSummaryResponse,
  TraceResponse,
} from '../core/api-types.js';
import type { ClusterRef } from '../core/cluster-id.js';

/** The `account` and `region` filters of a cluster listing. */
export interface ClusterListFilter {
  readonly account?: string;
  readonly region?: string;
}

/** Filters of a cluster's task listing. Times are ISO 8601 strings. */
export interface TaskListFilters {
  /** lastStatus to keep, such as `STOPPED` or `RUNNING`. */
  readonly status?: string;
  /** Keep only tasks whose stop was classified as a failure. */
  readonly failed?: boolean;
  /**
   * Keep tasks created at or after this time; or `start`, or the `sinceCursor` of the previous answer, for
   * the task transitions after it (`tracer -f CLUSTER`).
   */
  readonly since?: string;
  /** Keep tasks created before this time. */
  readonly until?: string;
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** What part of a task's life a trace covers and how its timestamps are printed. */
export interface TraceRequest {
  /** The log window around the task's start and stop (`d` of the head and tail windows). */
  readonly durationMs: number;
  /** Read the task's whole life instead of the head and tail windows. */
  readonly full?: boolean;
  /** IANA time zone of the text timestamps, such as `Asia/Tokyo`; UTC when absent. */
  readonly tz?: string;
  /** The `nextCursor` of the previous page of a paged trace. */
  readonly cursor?: string;
  /** Lines of this page at most; the source's own page size when absent. */
  readonly limit?: number;
  /** `start`, or the `sinceCursor` of the previous answer: only what is new, never paged (`tracer -f`). */
  readonly since?: string;
}

/** One page of a text trace: lines `<timestamp>\t<source>\t<message>\n`. */
export interface TraceText {
  readonly text: string;
  /** Present when more of the trace follows. */
  readonly nextCursor?: string;
}

/** A source of recorded (or live) tasks and their traces. */
export interface TracerSource {
  /** Where the answers come from, for messages: a URL, or `ECS and CloudWatch Logs`. */
  readonly description: string;
  /** The clusters, each with its account, region and ARN, within the filters. */
  listClusters(filter?: ClusterListFilter): Promise<ClusterListResponse>;
  /**
   * The cluster's tasks, newest first. `cluster` is a cluster name, narrowed by account and region where
   * known; a name that several recorded clusters carry fails with an ambiguous-cluster error.
   */
  listTasks(cluster: ClusterRef, filters?: TaskListFilters): Promise<TaskListResponse>;
  /** The task summary; `task` is a task id. Fails with `TaskNotFoundError` (or a 404 `ApiResponseError`). */
  getTask(cluster: ClusterRef, task: string): Promise<TaskSummaryResponse>;
  /** One page of the text trace. */
  getTraceText(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceText>;
  /** One page of the JSON trace. */
  getTraceJson(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceResponse>;
  /** Releases connections so a short-lived process exits promptly. */
  close(): void;
}
