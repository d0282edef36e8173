/**
 * Ports: the small interfaces that use cases call and adapters implement. Each is named for its role and
 * holds only the methods some use case calls. Adapters (lambda/adapters) are the only code that imports
 * @aws-sdk/*; tests pass in-memory fakes.
 */
import type { ClusterId, HomeScope } from '../core/cluster-id.js';
import type { RemainingTime } from '../core/deadline.js';
import type { LogUnavailableError } from '../core/errors.js';
import type { FailureClassification } from '../core/failure.js';
import type { ContainerInstanceChange, Ec2InstanceNotice, InstanceActivity } from '../core/instance.js';
import type { LogRecordFilter } from '../core/log-records.js';
import type { ServiceEvent, TaskDefinitionInfo, TaskSummary, TaskTransition } from '../core/model.js';
import type { ReadScope } from '../core/read-role.js';

/** Time, injected so that use cases and the core never read the clock themselves. */
export interface Clock {
  nowMs(): number;
}

/** A page of results with an opaque cursor for the next page (absent on the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/** A recorded task: its summary (the newest version) and what tracer derived from it. */
export interface RecordedTask {
  readonly summary: TaskSummary;
  readonly failure?: FailureClassification;
}

/** What recording one transition did. */
export interface RecordOutcome {
  /** `duplicate` when the same version of the task was already stored (the first write wins). */
  readonly transition: 'stored' | 'duplicate';
  /** `advanced` when the version is now the task's newest, so that it is its summary. */
  readonly summary: 'advanced' | 'stale';
}

/** Records a task's transitions; the newest one is the task's summary. Idempotent. */
export interface TransitionStore {
  /**
   * Stores the transition (`task.summary`) and its failure classification, unless the same version of
   * the task is already stored.
   */
  recordTransition(task: RecordedTask): Promise<RecordOutcome>;
  /**
   * Remembers that the cluster has recorded tasks, for listing clusters (lastSeenAt only moves forward),
   * and the UTC day of `listedAt` (the task's createdAt, else its event time: the day its summary is
   * listed under) as one of the cluster's active days, for listing its tasks.
   */
  registerCluster(cluster: ClusterId, seenAt: string, listedAt: string): Promise<void>;
}

/** Filters of a cluster's task listing. Times are epoch milliseconds. */
export interface ListTasksQuery {
  readonly cluster: ClusterId;
  readonly status?: string;
  readonly failedOnly?: boolean;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit: number;
  readonly cursor?: string;
}

/** A cluster that tracer has recorded: its account, region and name, and its ARN. */
export interface RecordedCluster {
  readonly account: string;
  readonly region: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly lastSeenAt: string;
}

/** Reads what the recorder stored. Expired items that DynamoDB has not yet swept are never returned. */
export interface TaskHistory {
  getTask(cluster: ClusterId, taskId: string): Promise<RecordedTask | undefined>;
  /** The task's transitions in version order. */
  listTransitions(cluster: ClusterId, taskId: string): Promise<TaskTransition[]>;
  /** Newest first by createdAt. */
  listTasks(query: ListTasksQuery): Promise<Page<RecordedTask>>;
  listClusters(): Promise<RecordedCluster[]>;
}

/** Records the host's events. Idempotent and order-independent: duplicates and late events change nothing. */
export interface InstanceEventStore {
  recordContainerInstanceChange(cluster: ClusterId, change: ContainerInstanceChange): Promise<void>;
  /** Remembers which EC2 instance a container instance runs on, so that EC2's notices reach its traces. */
  recordEc2Mapping(
    cluster: ClusterId,
    change: ContainerInstanceChange & { readonly ec2InstanceId: string },
  ): Promise<void>;
  /** `scope` is the account and region of the EC2 instance: its id is unique only there. */
  recordEc2InstanceNotice(scope: HomeScope, notice: Ec2InstanceNotice): Promise<void>;
}

/** What a container instance went through; recorded events, or ECS's answer now (`live`). */
export interface InstanceHistory {
  /**
   * The container instance's changes, and its EC2 instance's notices, between the instants (epoch ms).
   * Undefined when nothing is known of the container instance.
   */
  listInstanceActivity(
    cluster: ClusterId,
    containerInstanceId: string,
    fromMs: number,
    toMs: number,
  ): Promise<InstanceActivity | undefined>;
}

/** Reads a task definition revision's container log configuration from ECS. */
export interface TaskDefinitionSource {
  /**
   * Returns `unavailable` when ECS says the revision does not exist (deleted) or access is denied;
   * throws on transient faults (throttling, network) so the caller can retry later.
   */
  describeTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo>;
}

/** The recorded copy of task definition revisions, so traces outlive deregistration and deletion. */
export interface TaskDefinitionStore {
  getTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined>;
  putTaskDefinition(info: TaskDefinitionInfo): Promise<void>;
}

/** Service events that tracer recorded: from EventBridge, and copied from DescribeServices at task stop. */
export interface ServiceEventStore {
  /** Idempotent by (cluster, service, eventId). The events are the cluster's. */
  putServiceEvents(cluster: ClusterId, events: readonly ServiceEvent[]): Promise<void>;
  listServiceEvents(
    cluster: ClusterId,
    serviceName: string,
    fromMs: number,
    toMs: number,
  ): Promise<ServiceEvent[]>;
}

/** What a caller needs of an answer about a service's recent events. */
export interface RecentServiceEventsOptions {
  /**
   * The answer must have been asked of ECS at or after this instant (epoch ms): a stopped task needs an
   * answer that already holds its stop. A cache may serve any fresh enough answer it holds.
   * @default - any answer a cache holds
   */
  readonly notBeforeMs?: number;
  /**
   * The account and region of the service's task: another account is described through its read role.
   * @default - the function's own account and region
   */
  readonly scope?: ReadScope;
}

/** The service's recent events as ECS still remembers them (DescribeServices keeps the last 100). */
export interface ServiceEventSource {
  /** Undefined when the service no longer exists. */
  recentServiceEvents(
    clusterName: string,
    serviceName: string,
    options?: RecentServiceEventsOptions,
  ): Promise<ServiceEvent[] | undefined>;
}

/** One log event of one container. */
export interface LogEvent {
  readonly timestampMs: number;
  readonly message: string;
  /** The other fields of a FireLens record whose `log` field is the message. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** Where a container's log stream lives and which time range to read (epoch ms, inclusive start). */
export interface LogStreamRequest {
  readonly containerName: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly region?: string;
  /**
   * The account and region of the task: its account holds the logs, and another account's are read
   * through its read role. `region` (the logs' own) still says where they are.
   * @default - the function's own account
   */
  readonly scope?: ReadScope;
  readonly startMs: number;
  readonly endMs: number;
  /** Stop after this many events; the result says so with `truncated`. */
  readonly maxEvents?: number;
  /**
   * Start no more than this many API calls for this read; the result is then `truncated`, with what was
   * read. Sources that make no calls ignore it.
   * @default - the source's own limit
   */
  readonly maxCalls?: number;
  /**
   * The time left for reading. Once it runs out, no further page is asked for and a call in flight is
   * abandoned; the result holds what was read, with `stoppedEarly`.
   * @default - no deadline
   */
  readonly timeLeftMs?: RemainingTime;
  /**
   * The events are FireLens records: unwrap them, and keep only this task's (`core/log-records`). Events
   * left out do not count against `maxEvents`.
   */
  readonly records?: LogRecordFilter;
}

export interface LogStreamResult {
  readonly events: LogEvent[];
  /** API calls made, a benchmark figure. */
  readonly calls: number;
  /**
   * True when the read stopped before the end of the window: `maxEvents`, `stoppedEarly` or `failure` say
   * why, and `resumeAfterMs` where to go on.
   */
  readonly truncated: boolean;
  readonly resumeAfterMs?: number;
  /** True when the read stopped because `timeLeftMs` ran out. */
  readonly stoppedEarly?: boolean;
  /** Why a read that had already returned events stopped: the events read before the fault are kept. */
  readonly failure?: LogUnavailableError;
}

/** Reads container logs. Fails with `LogUnavailableError` (core/errors) for a missing group or stream or denied access. */
export interface LogSource {
  readLogStream(request: LogStreamRequest): Promise<LogStreamResult>;
}

/** Where a forward read of one log stream starts: the previous forward token, else a time. */
export interface ForwardLogRequest {
  readonly logGroup: string;
  readonly logStream: string;
  readonly region?: string;
  /** The account and region of the task, as in `LogStreamRequest`. @default - the function's own account */
  readonly scope?: ReadScope;
  /** Read from this instant (inclusive) when there is no token yet. */
  readonly startMs: number;
  /** The `nextForwardToken` of the previous read of this stream. */
  readonly token?: string;
  readonly records?: LogRecordFilter;
}

export interface ForwardLogResult {
  readonly events: LogEvent[];
  /** The token to pass next time; the same token back means the stream had nothing new. */
  readonly token?: string;
  /** GetLogEvents calls made. */
  readonly calls: number;
}

/** Reads what was appended to a log stream since the last read (`tracer -f --live`). */
export interface ForwardLogSource {
  /** @throws LogUnavailableError as `LogSource.readLogStream` does. */
  readForward(request: ForwardLogRequest): Promise<ForwardLogResult>;
}

/** ECS itself, for tasks that were never recorded but that ECS still remembers (about an hour after they stop). */
export interface LiveTaskSource {
  /**
   * `cluster` is a cluster (described in its own account and region) or, as given by a person, a cluster
   * name or ARN.
   */
  describeTask(cluster: ClusterId | string, taskId: string): Promise<TaskSummary | undefined>;
}

/** A message for people: subject, body and attributes that subscribers filter on. */
export interface Notification {
  readonly subject: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * `chatbot` when the body is AWS Chatbot custom-notification JSON, which is published without a subject.
   * @default 'text'
   */
  readonly format?: 'text' | 'chatbot';
}

/** Delivers notifications (SNS in AWS). */
export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

/** Makes sure a task is notified once, even across duplicate events and retries. */
export interface NotificationLedger {
  /**
   * Claims the right to notify for the task. Returns false when the task was already notified, or
   * another attempt holds an unexpired claim.
   */
  claim(cluster: ClusterId, taskId: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /** Marks the task as notified, so no later claim succeeds. */
  markSent(cluster: ClusterId, taskId: string, nowMs: number): Promise<void>;
  /**
   * Like `claim`, and says why a claim failed: the task was notified, or another attempt holds the claim
   * until `leaseUntilMs` (and may still crash, so the caller should come back later).
   */
  claimNotification?(
    cluster: ClusterId,
    taskId: string,
    nowMs: number,
    leaseMs: number,
  ): Promise<LedgerClaim>;
}

/** The outcome of a claim on a task's notification. */
export type LedgerClaim =
  | { readonly outcome: 'claimed' }
  | { readonly outcome: 'sent' }
  | { readonly outcome: 'held'; readonly leaseUntilMs: number };
