/**
 * Reads what an EC2 task's container instance went through during the task's life, for its trace and
 * its diagnosis. Best effort: a fault becomes a notice, and the trace goes on without `INSTANCE` lines.
 */
import { type ClusterId, clusterIdOfTask } from '../core/cluster-id.js';
import { classifyFailure, type FailureClassification } from '../core/failure.js';
import {
  containerInstanceIdOf,
  hostHistory,
  type InstanceActivity,
  type InstanceSpan,
} from '../core/instance.js';
import { type TaskDefinitionInfo, type TaskSummary, toEpochMs } from '../core/model.js';
import { clientSafeReason } from './find-task.js';
import type { InstanceHistory } from './ports.js';

/** Events this long before the task's creation set the state that its first `INSTANCE` line is compared with. */
export const HOST_BASELINE_MS = 6 * 3_600_000;

export interface HostActivity {
  readonly activity?: InstanceActivity;
  /** The task's life: from its creation to its stop (or now, while it runs). */
  readonly span: InstanceSpan;
  readonly notice?: string;
}

function firstMs(...values: (string | undefined)[]): number | undefined {
  for (const value of values) {
    const ms = value === undefined ? Number.NaN : toEpochMs(value);
    if (!Number.isNaN(ms)) return ms;
  }
  return undefined;
}

/**
 * The container instance's activity over the task's life, or none for a task without a container
 * instance (Fargate) or when no history is wired.
 * @example const { activity, span } = await readHostActivity(deps.instances, summary, clock.nowMs());
 */
export async function readHostActivity(
  instances: InstanceHistory | undefined,
  summary: TaskSummary,
  nowMs: number,
  cluster: ClusterId = clusterIdOfTask(summary),
): Promise<HostActivity> {
  const fromMs = firstMs(summary.createdAt, summary.startedAt, summary.eventTime) ?? nowMs;
  const toMs = firstMs(summary.stoppedAt, summary.executionStoppedAt) ?? Math.max(fromMs, nowMs);
  const span = { fromMs, toMs };
  const arn = summary.containerInstanceArn;
  const containerInstanceId = arn ? containerInstanceIdOf(arn) : undefined;
  if (!instances || !containerInstanceId) return { span };
  try {
    const activity = await instances.listInstanceActivity(
      cluster,
      containerInstanceId,
      fromMs - HOST_BASELINE_MS,
      toMs,
    );
    return activity ? { activity, span } : { span };
  } catch (error) {
    return {
      span,
      notice: `the history of container instance ${containerInstanceId} could not be read (${clientSafeReason(error)})`,
    };
  }
}

/**
 * The classification with the host's history: a recorded classification knows only what the task's own
 * events said, so a clean stop or an `other` becomes a host kind when the host's history explains it.
 */
export function refineWithHost(
  failure: FailureClassification | undefined,
  summary: TaskSummary,
  taskDefinition: TaskDefinitionInfo | undefined,
  host: { readonly activity?: InstanceActivity; readonly span: InstanceSpan },
): FailureClassification | undefined {
  if (!failure || !host.activity || (failure.kind !== 'not-failed' && failure.kind !== 'other'))
    return failure;
  return classifyFailure(summary, taskDefinition, hostHistory(host.activity, host.span)) ?? failure;
}
