/**
 * Record one ECS event.
 *
 * Primary course:
 * 1. Parse the EventBridge event: a task state change, a service action or a deployment state change.
 * 2. Task state change: resolve the revision's container log configuration: memory, then the table,
 *    then DescribeTaskDefinition (the answer is stored, so each revision is described once).
 * 3. Register the cluster with the day the task is listed under (before the task, so that a listing that
 *    reads the cluster's days finds every task), once per container for each cluster, listing day and UTC
 *    day of the event.
 * 4. Classify the failure and record the transition with it: one write, and the first write of a version
 *    wins. The newest version is the task's summary.
 * 5. A stopped service task: copy the service's DescribeServices events around the task's life, those
 *    this container has not copied already.
 * Service action or deployment: store it as a service event.
 * Container instance state change: store it in its container instance's history, and which EC2 instance
 * the container instance runs on (once per container). EC2 Spot interruption warning or rebalance
 * recommendation: store it under its EC2 instance id; traces read it through that mapping.
 *
 * Alternative courses:
 * - The event is not a well-formed ECS event: `InvalidTaskEventError` (the caller dead-letters it).
 * - DescribeTaskDefinition fails transiently: logged, not cached; the summary is classified without it.
 * - Copying service events fails: logged; the task's own records are already stored.
 * - DynamoDB fails: the error propagates and the event is retried; every write is idempotent.
 */

import type { Logger } from '../config/logger.js';
import { serviceOfGroup } from '../core/arn.js';
import { BoundedMap } from '../core/bounded-map.js';
import { type ClusterId, clusterIdOfTask, clusterScope } from '../core/cluster-id.js';
import { predatesLogOptions } from '../core/container-log-config.js';
import { parseEcsEvent } from '../core/ecs-event.js';
import { classifyFailure, type FailureClassification } from '../core/failure.js';
import type { ContainerInstanceChange } from '../core/instance.js';
import { type ServiceEvent, type TaskDefinitionInfo, type TaskTransition, toEpochMs } from '../core/model.js';
import { taskScopeOf } from '../core/read-role.js';
import type {
  Clock,
  InstanceEventStore,
  ServiceEventSource,
  ServiceEventStore,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TransitionStore,
} from './ports.js';

/** Service events this long before creation and after the stop still belong to the task's story. */
export const SERVICE_EVENT_MARGIN_MS = 60_000;
/** Bounds on the in-memory caches, so a long-lived container cannot grow without limit. */
const MAX_CACHED_TASK_DEFINITIONS = 1_000;
const MAX_CACHED_CLUSTER_DAYS = 1_000;
const MAX_CACHED_SERVICE_EVENTS = 5_000;
const MAX_CACHED_EC2_MAPPINGS = 5_000;

interface CachedTaskDefinition {
  readonly info: TaskDefinitionInfo;
  /** UTC day (`YYYY-MM-DD`) of the last write to the store, which refreshes the item's TTL. */
  readonly storedOnDay: string;
}

/** What the recorder remembers between events in one container. */
export interface RecorderCache {
  readonly taskDefinitions: Map<string, CachedTaskDefinition>;
  /** Lookups in progress, so that concurrent events of a new revision describe it once. */
  readonly pendingTaskDefinitions: Map<string, Promise<TaskDefinitionInfo | undefined>>;
  /** `<cluster>\n<listing day>` → the newest UTC day of an event registered with that listing day. */
  readonly clusterDays: Map<string, string>;
  /** Registrations in progress, so that concurrent events of one cluster and day write once. */
  readonly pendingClusterDays: Map<string, Promise<void>>;
  /**
   * `<cluster>\n<service>\n<eventId>` of the DescribeServices events this container stored: the tasks of
   * one service share them, so each is written once per container rather than once per stopped task.
   */
  readonly copiedServiceEvents: Map<string, true>;
  /** `<cluster>\n<container instance id>` → the EC2 instance id this container recorded for it. */
  readonly ec2Mappings: Map<string, string>;
}

/** An empty cache, one per container; what it remembers is bounded, what is in progress is not. */
export function createRecorderCache(): RecorderCache {
  return {
    taskDefinitions: new BoundedMap(MAX_CACHED_TASK_DEFINITIONS),
    pendingTaskDefinitions: new Map(),
    clusterDays: new BoundedMap(MAX_CACHED_CLUSTER_DAYS),
    pendingClusterDays: new Map(),
    copiedServiceEvents: new BoundedMap(MAX_CACHED_SERVICE_EVENTS),
    ec2Mappings: new BoundedMap(MAX_CACHED_EC2_MAPPINGS),
  };
}

export interface RecordEventDeps {
  readonly transitions: TransitionStore;
  readonly taskDefinitions: TaskDefinitionStore;
  readonly taskDefinitionSource: TaskDefinitionSource;
  readonly serviceEvents: ServiceEventStore;
  readonly serviceEventSource: ServiceEventSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cache: RecorderCache;
  /**
   * Where the host's events go.
   * @default - host events are parsed, then acknowledged without being stored
   */
  readonly instances?: InstanceEventStore;
}

/** What recording one event did. */
export type RecordEventResult =
  | {
      readonly type: 'task-state-change';
      readonly eventId: string;
      readonly clusterName: string;
      readonly taskId: string;
      readonly version: number;
      readonly lastStatus: string;
      readonly transition: 'stored' | 'duplicate';
      readonly summary: 'advanced' | 'stale';
      /** How the task definition was known: absent when the event names none or it could not be read. */
      readonly taskDefinition?: TaskDefinitionInfo['status'];
      readonly failure?: FailureClassification;
      /** DescribeServices events copied for a stopped service task. */
      readonly serviceEventsCopied?: number;
    }
  | {
      readonly type: 'service-event';
      readonly eventId: string;
      readonly clusterName: string;
      readonly serviceName: string;
      readonly stored: 'stored';
    }
  | {
      readonly type: 'container-instance-change';
      readonly eventId: string;
      readonly clusterName: string;
      readonly containerInstanceId: string;
      readonly status?: string;
      readonly stored: 'stored' | 'not-recorded';
    }
  | {
      readonly type: 'ec2-instance-notice';
      readonly eventId: string;
      readonly ec2InstanceId: string;
      readonly notice: string;
      readonly stored: 'stored' | 'not-recorded';
    };

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Stores a value as the newest entry of a cache, forgetting the oldest past `max`. The maps of
 * createRecorderCache bound themselves; this also bounds one a caller built as a plain Map.
 */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  // A Map iterates in insertion order, so the first key is the least recently stored.
  if (map.size > max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

/**
 * Records one EventBridge event from `aws.ecs`. Safe to call again with the same event, and in any
 * order: the stored state is the same as after one in-order delivery.
 * @throws InvalidTaskEventError when the event is not a well-formed ECS event.
 */
export async function recordEvent(deps: RecordEventDeps, rawEvent: unknown): Promise<RecordEventResult> {
  const event = parseEcsEvent(rawEvent);
  if (event.type === 'container-instance-change') {
    return recordContainerInstanceChange(deps, event.cluster, event.change);
  }
  if (event.type === 'ec2-instance-notice') {
    const { notice } = event;
    if (deps.instances) await deps.instances.recordEc2InstanceNotice(event.scope, notice);
    return {
      type: 'ec2-instance-notice',
      eventId: notice.eventId,
      ec2InstanceId: notice.ec2InstanceId,
      notice: notice.notice,
      stored: deps.instances ? 'stored' : 'not-recorded',
    };
  }
  if (event.type === 'service-event') {
    await deps.serviceEvents.putServiceEvents(event.cluster, [event.event]);
    return {
      type: 'service-event',
      eventId: event.event.eventId,
      clusterName: event.event.clusterName,
      serviceName: event.event.serviceName,
      stored: 'stored',
    };
  }

  const { transition } = event;
  const cluster = clusterIdOfTask(transition);
  const taskDefinition = transition.taskDefinitionArn
    ? await resolveTaskDefinition(deps, transition.taskDefinitionArn)
    : undefined;
  await registerCluster(deps, cluster, transition);
  const failure = classifyFailure(transition, taskDefinition);
  const { transition: stored, summary } = await deps.transitions.recordTransition(
    failure ? { summary: transition, failure } : { summary: transition },
  );

  const serviceName = serviceOfGroup(transition.group);
  // A pure duplicate (stored and advanced before) already copied the service events.
  const firstSightOfStop =
    transition.lastStatus === 'STOPPED' && (stored === 'stored' || summary === 'advanced');
  const serviceEventsCopied =
    serviceName && firstSightOfStop
      ? await copyServiceEvents(deps, cluster, transition, serviceName)
      : undefined;

  return {
    type: 'task-state-change',
    eventId: transition.eventId,
    clusterName: transition.clusterName,
    taskId: transition.taskId,
    version: transition.version,
    lastStatus: transition.lastStatus,
    transition: stored,
    summary,
    ...(taskDefinition ? { taskDefinition: taskDefinition.status } : {}),
    ...(failure ? { failure } : {}),
    ...(serviceEventsCopied === undefined ? {} : { serviceEventsCopied }),
  };
}

async function recordContainerInstanceChange(
  deps: RecordEventDeps,
  cluster: ClusterId,
  change: ContainerInstanceChange,
): Promise<RecordEventResult> {
  const result = {
    type: 'container-instance-change' as const,
    eventId: change.eventId,
    clusterName: change.clusterName,
    containerInstanceId: change.containerInstanceId,
    ...(change.status ? { status: change.status } : {}),
  };
  if (!deps.instances) return { ...result, stored: 'not-recorded' };
  await deps.instances.recordContainerInstanceChange(cluster, change);
  const key = `${clusterScope(cluster)}\n${change.containerInstanceId}`;
  const { ec2InstanceId } = change;
  if (ec2InstanceId && deps.cache.ec2Mappings.get(key) !== ec2InstanceId) {
    await deps.instances.recordEc2Mapping(cluster, { ...change, ec2InstanceId });
    remember(deps.cache.ec2Mappings, key, ec2InstanceId, MAX_CACHED_EC2_MAPPINGS);
  }
  return { ...result, stored: 'stored' };
}

/**
 * The revision's log configuration from memory, the table or ECS, in that order. Once a UTC day per
 * container the item is written again, so that its TTL counts from the last time a task used the
 * revision; a revision recorded as `unavailable` (deleted, or access denied) is described again then,
 * in case access was granted since. Concurrent events of one revision share one lookup.
 */
function resolveTaskDefinition(
  deps: RecordEventDeps,
  taskDefinitionArn: string,
): Promise<TaskDefinitionInfo | undefined> {
  const today = utcDay(deps.clock.nowMs());
  const cached = deps.cache.taskDefinitions.get(taskDefinitionArn);
  if (cached?.storedOnDay === today) return Promise.resolve(cached.info);
  const pending = deps.cache.pendingTaskDefinitions.get(taskDefinitionArn);
  if (pending) return pending;
  const lookup = refreshTaskDefinition(deps, taskDefinitionArn, cached?.info, today).finally(() =>
    deps.cache.pendingTaskDefinitions.delete(taskDefinitionArn),
  );
  deps.cache.pendingTaskDefinitions.set(taskDefinitionArn, lookup);
  return lookup;
}

async function refreshTaskDefinition(
  deps: RecordEventDeps,
  taskDefinitionArn: string,
  cached: TaskDefinitionInfo | undefined,
  today: string,
): Promise<TaskDefinitionInfo | undefined> {
  let info = cached ?? (await deps.taskDefinitions.getTaskDefinition(taskDefinitionArn));
  if (info?.status !== 'described' || predatesLogOptions(info)) {
    const recorded: TaskDefinitionInfo | undefined = info;
    try {
      info = await deps.taskDefinitionSource.describeTaskDefinition(taskDefinitionArn);
      // A revision deleted since it was recorded: the old description is still the best one.
      if (info.status === 'unavailable' && recorded?.status === 'described') info = recorded;
    } catch (error) {
      deps.logger.warn('could not describe the task definition; will try again on a later event', {
        taskDefinitionArn,
        error,
      });
      return info;
    }
    if (info.status === 'unavailable') {
      deps.logger.warn('task definition is unavailable; traces will lack its log configuration', {
        taskDefinitionArn,
        reason: info.reason,
      });
    }
  }
  await deps.taskDefinitions.putTaskDefinition(info);
  remember(
    deps.cache.taskDefinitions,
    taskDefinitionArn,
    { info, storedOnDay: today },
    MAX_CACHED_TASK_DEFINITIONS,
  );
  return info;
}

/**
 * Registers the cluster with the day its summary is listed under (createdAt, else the event time, as the
 * summary's gsi1 partition) and the UTC day of the event as lastSeenAt. Day precision is enough to list
 * clusters, and it makes the stored value independent of which of the day's events came first. Events
 * recorded at once (an SQS batch at cold start) share one registration per cluster and day.
 */
function registerCluster(
  deps: RecordEventDeps,
  cluster: ClusterId,
  transition: TaskTransition,
): Promise<void> {
  const listedAt = transition.createdAt ?? transition.eventTime;
  const seenDay = transition.eventTime.slice(0, 10);
  const key = `${clusterScope(cluster)}\n${listedAt.slice(0, 10)}`;
  const registered = deps.cache.clusterDays.get(key);
  if (registered !== undefined && registered >= seenDay) return Promise.resolve();
  const pendingKey = `${key}\n${seenDay}`;
  const pending = deps.cache.pendingClusterDays.get(pendingKey);
  if (pending) return pending;
  const registration = deps.transitions
    .registerCluster(cluster, `${seenDay}T00:00:00.000Z`, listedAt)
    .then(() => {
      // A registration with a newer event day may have finished first.
      const newest = deps.cache.clusterDays.get(key);
      if (newest === undefined || newest < seenDay) {
        remember(deps.cache.clusterDays, key, seenDay, MAX_CACHED_CLUSTER_DAYS);
      }
    })
    .finally(() => deps.cache.pendingClusterDays.delete(pendingKey));
  deps.cache.pendingClusterDays.set(pendingKey, registration);
  return registration;
}

/**
 * Copies the service's DescribeServices events that fall in the task's life, widened by a minute each
 * side, except those this container stored already. ECS keeps only the last 100 events of a service, so
 * this is the only chance to keep them.
 * Best effort: the task's own records are already stored, so a failure is logged and returns 0.
 */
async function copyServiceEvents(
  deps: RecordEventDeps,
  cluster: ClusterId,
  transition: TaskTransition,
  serviceName: string,
): Promise<number> {
  const startIso = transition.createdAt ?? transition.startedAt ?? transition.eventTime;
  const endIso = transition.stoppedAt ?? transition.eventTime;
  const fromMs = toEpochMs(startIso) - SERVICE_EVENT_MARGIN_MS;
  const toMs = toEpochMs(endIso) + SERVICE_EVENT_MARGIN_MS;
  try {
    // An answer asked for before the stop cannot hold it; a cached one from after it can.
    const recent = await deps.serviceEventSource.recentServiceEvents(transition.clusterName, serviceName, {
      notBeforeMs: toEpochMs(endIso),
      scope: taskScopeOf(transition),
    });
    const inWindow = (recent ?? []).filter((e: ServiceEvent) => {
      const atMs = toEpochMs(e.createdAt);
      return atMs >= fromMs && atMs <= toMs;
    });
    const keyOf = (e: ServiceEvent) => `${clusterScope(cluster)}\n${e.serviceName}\n${e.eventId}`;
    const fresh = inWindow.filter((e) => !deps.cache.copiedServiceEvents.has(keyOf(e)));
    if (fresh.length > 0) await deps.serviceEvents.putServiceEvents(cluster, fresh);
    for (const e of fresh)
      remember(deps.cache.copiedServiceEvents, keyOf(e), true, MAX_CACHED_SERVICE_EVENTS);
    return inWindow.length;
  } catch (error) {
    deps.logger.warn('could not copy the service events of a stopped task', {
      clusterName: transition.clusterName,
      serviceName,
      taskId: transition.taskId,
      error,
    });
    return 0;
  }
}
