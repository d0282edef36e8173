/**
 * The JSON contract of the trace API, shared by the API handler, the CLI, the MCP server and the local
 * server. Times are ISO 8601 UTC strings.
 */
import type { FailureClassification } from './failure.js';

/**
 * `{"error": {"code", "message"}}` for every non-2xx answer; an `AmbiguousCluster` answer (409) also lists
 * the ARNs of the clusters the name could mean.
 */
export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly clusterArns?: readonly string[];
  };
}

export type ApiErrorCode =
  | 'InvalidInput'
  | 'NotFound'
  | 'AccessDenied'
  | 'AmbiguousCluster'
  | 'Throttled'
  | 'Unavailable'
  | 'PayloadTooLarge'
  | 'InternalError';

/** One row of GET /clusters: a recorded cluster, told apart from same-named ones by account and region. */
export interface ClusterListItem {
  readonly clusterName: string;
  readonly account: string;
  readonly region: string;
  readonly clusterArn: string;
  readonly lastSeenAt: string;
}

/** GET /clusters */
export interface ClusterListResponse {
  readonly clusters: readonly ClusterListItem[];
}

/** One row of GET /clusters/{cluster}/tasks, the columns of `tracer CLUSTER`. */
export interface TaskListItem {
  readonly taskId: string;
  readonly taskArn: string;
  readonly taskDefinition?: string;
  readonly lastStatus: string;
  readonly desiredStatus?: string;
  readonly createdAt?: string;
  readonly stoppedAt?: string;
  readonly group?: string;
  readonly launchType?: string;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly failureKind?: string;
  /** In an answer to `?since=`: when the task changed to this status. */
  readonly changedAt?: string;
}

/** GET /clusters/{cluster}/tasks */
export interface TaskListResponse {
  readonly tasks: readonly TaskListItem[];
  readonly nextCursor?: string;
  /**
   * In an answer to `?since=start` or `?since=<cursor>`: pass it back as `since` for the changes after this
   * answer. `tasks` then holds one item per task transition, oldest first.
   */
  readonly sinceCursor?: string;
}

export interface ContainerSummary {
  readonly name: string;
  readonly image?: string;
  readonly lastStatus?: string;
  readonly exitCode?: number;
  readonly reason?: string;
  readonly healthStatus?: string;
  readonly essential?: boolean;
}

/** GET /clusters/{cluster}/tasks/{taskId}, and the `task` of a JSON trace. */
export interface TaskSummaryResponse {
  readonly cluster: string;
  readonly taskId: string;
  readonly taskArn: string;
  readonly taskDefinition?: string;
  readonly group?: string;
  readonly launchType?: string;
  readonly lastStatus: string;
  readonly desiredStatus?: string;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly createdAt?: string;
  readonly connectivityAt?: string;
  readonly pullStartedAt?: string;
  readonly pullStoppedAt?: string;
  readonly startedAt?: string;
  readonly stoppingAt?: string;
  readonly executionStoppedAt?: string;
  readonly stoppedAt?: string;
  readonly version: number;
  readonly containers: readonly ContainerSummary[];
  readonly failure?: FailureClassification;
  /** `recorded` when tracer stored it, `live` when it came straight from ECS. */
  readonly source: 'recorded' | 'live';
}

export type TraceLineKind = 'transition' | 'log' | 'service' | 'instance' | 'status' | 'notice';

/** One line of a JSON trace; the same line as the text trace. */
export interface TraceLineJson {
  readonly timestamp: string;
  readonly epochMs: number;
  readonly source: string;
  readonly message: string;
  readonly kind: TraceLineKind;
  /**
   * The other fields of a FireLens record whose `log` field is the message: `source`, `container_id`,
   * `container_name`, `ecs_cluster`, `ecs_task_arn`, `ecs_task_definition`, ...
   */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** GET /clusters/{cluster}/tasks/{taskId}/trace?format=json */
export interface TraceResponse {
  readonly task: TaskSummaryResponse;
  readonly lines: readonly TraceLineJson[];
  /** Present when the trace is paged (full mode or a response near Lambda's 6 MB limit). */
  readonly nextCursor?: string;
  /** CloudWatch Logs calls made for this answer. */
  readonly logCalls: number;
  /** In an answer to `?since=`: pass it back as `since` to get only what is new after this answer. */
  readonly sinceCursor?: string;
}
