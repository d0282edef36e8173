/**
 * tracer's domain model, in AWS's vocabulary. Timestamps are ISO 8601 strings in UTC with milliseconds, as
 * ECS sends them; `toEpochMs` turns them into numbers where arithmetic is needed.
 */

import type { ClusterId, HomeScope } from './cluster-id.js';
import type { ContainerInstanceChange, Ec2InstanceNotice } from './instance.js';
import { isoToEpochMs } from './iso-time.js';

/** One container's state as an ECS Task State Change event reports it. */
export interface ContainerState {
  readonly name: string;
  readonly image?: string;
  readonly imageDigest?: string;
  readonly lastStatus?: string;
  readonly exitCode?: number;
  readonly reason?: string;
  readonly healthStatus?: string;
  readonly runtimeId?: string;
}

/** The lastStatus values of an ECS task, in lifecycle order; listings filter on them. */
export const TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
  'DELETED',
] as const;

/** The lifecycle timestamps that ECS reports, in the order a task passes them. */
export const LIFECYCLE_TIMESTAMPS = [
  'createdAt',
  'connectivityAt',
  'pullStartedAt',
  'pullStoppedAt',
  'startedAt',
  'stoppingAt',
  'executionStoppedAt',
  'stoppedAt',
  'updatedAt',
] as const;

export type LifecycleTimestamp = (typeof LIFECYCLE_TIMESTAMPS)[number];

export type LifecycleTimestamps = { readonly [K in LifecycleTimestamp]?: string };

/**
 * One transition of one task: everything an `ECS Task State Change` event carries that matters for a
 * post-mortem. `version` orders a task's transitions; the same version is the same transition.
 */
export interface TaskTransition extends LifecycleTimestamps {
  /** EventBridge event id of the first delivery that was stored. */
  readonly eventId: string;
  /** EventBridge `time` of the event. */
  readonly eventTime: string;
  readonly region: string;
  readonly account: string;
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly taskArn: string;
  readonly taskId: string;
  readonly version: number;
  readonly lastStatus: string;
  readonly desiredStatus?: string;
  /** An open string: ECS adds new stop codes over time. */
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly group?: string;
  readonly launchType?: string;
  readonly taskDefinitionArn?: string;
  readonly capacityProviderName?: string;
  readonly availabilityZone?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly platformVersion?: string;
  readonly startedBy?: string;
  readonly containerInstanceArn?: string;
  readonly containers: readonly ContainerState[];
}

/** The newest known state of a task: the projection of its highest-version transition. */
export type TaskSummary = TaskTransition;

/** The `firelensConfiguration` of a task's log router container. */
export interface FireLensConfiguration {
  /** `fluentbit` or `fluentd`. */
  readonly type: string;
  /** `enable-ecs-log-metadata`, `config-file-type`, `config-file-value`. */
  readonly options?: Readonly<Record<string, string>>;
}

/** A container's log configuration, read once per task definition revision. */
export interface ContainerLogConfig {
  readonly containerName: string;
  /** `awslogs`, `awsfirelens`, `splunk`, ... or undefined when the container has no log configuration. */
  readonly logDriver?: string;
  /** `awslogs-group`. */
  readonly logGroup?: string;
  /** `awslogs-stream-prefix`. */
  readonly streamPrefix?: string;
  /** `awslogs-region`. */
  readonly region?: string;
  /**
   * The log driver's options (`logConfiguration.options`), with the values of credential options replaced
   * by `[REDACTED]`. Present (maybe empty) whenever the container has a log configuration; absent in
   * revisions recorded before tracer kept options.
   */
  readonly logOptions?: Readonly<Record<string, string>>;
  /** Names of the options that ECS fills from Secrets Manager or SSM (`secretOptions`); never their source. */
  readonly secretOptionNames?: readonly string[];
  /** Set on the FireLens log router container. */
  readonly firelensConfiguration?: FireLensConfiguration;
  /** Containers are essential unless the task definition says otherwise. */
  readonly essential: boolean;
}

/**
 * What tracer keeps of a task definition revision so that a trace still finds the logs after the revision
 * is deregistered or deleted. `unavailable` records why it could not be described.
 */
export type TaskDefinitionInfo =
  | {
      readonly status: 'described';
      readonly taskDefinitionArn: string;
      readonly containers: readonly ContainerLogConfig[];
      readonly describedAt: string;
    }
  | {
      readonly status: 'unavailable';
      readonly taskDefinitionArn: string;
      readonly reason: string;
      readonly describedAt: string;
    };

/** Something a service did: from `ECS Service Action`, `ECS Deployment State Change` or DescribeServices. */
export interface ServiceEvent {
  readonly clusterName: string;
  readonly serviceName: string;
  /** Stable identity for idempotent storage: the EventBridge id or the DescribeServices event id. */
  readonly eventId: string;
  readonly createdAt: string;
  readonly message: string;
  readonly source: 'service-action' | 'deployment' | 'describe-services';
  readonly eventName?: string;
  readonly eventType?: string;
}

/**
 * A parsed EventBridge event from `aws.ecs` (or, for the host's side, `aws.ec2`) that tracer records, with
 * the cluster it belongs to (account and region from the ARNs the event names, else from the event); a
 * task's transition holds its own (`clusterIdOfTask`).
 */
export type EcsEvent =
  | { readonly type: 'task-state-change'; readonly transition: TaskTransition }
  | { readonly type: 'service-event'; readonly event: ServiceEvent; readonly cluster: ClusterId }
  | {
      readonly type: 'container-instance-change';
      readonly change: ContainerInstanceChange;
      readonly cluster: ClusterId;
    }
  | {
      readonly type: 'ec2-instance-notice';
      readonly notice: Ec2InstanceNotice;
      /** The account and region of the EC2 instance. */
      readonly scope: HomeScope;
    };

/**
 * Converts an ISO timestamp to epoch milliseconds.
 * @example toEpochMs('2021-11-26T17:29:15.055Z') === 1637947755055
 */
export function toEpochMs(iso: string): number {
  return isoToEpochMs(iso);
}

/** The task's epoch-ms timestamp for a lifecycle field, or undefined when ECS has not reported it. */
export function lifecycleMs(task: LifecycleTimestamps, field: LifecycleTimestamp): number | undefined {
  const value = task[field];
  return value === undefined ? undefined : toEpochMs(value);
}
