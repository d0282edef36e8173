/** The API's views of a recorded task: the summary of GET .../tasks/{taskId} and a row of the task listing. */
import type { ContainerSummary, TaskListItem, TaskSummaryResponse } from './api-types.js';
import { arnToName } from './arn.js';
import { classifyFailure, type FailureClassification } from './failure.js';
import type { TaskDefinitionInfo, TaskSummary } from './model.js';

/** A task as tracer knows it: its newest summary and, once stopped, its failure classification. */
export interface TaskView {
  readonly summary: TaskSummary;
  readonly failure?: FailureClassification;
}

/** Copies only the fields that are set, so the JSON carries no `null`s and no empty keys. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function failureOf(task: TaskView, taskDefinition?: TaskDefinitionInfo): FailureClassification | undefined {
  return task.failure ?? classifyFailure(task.summary, taskDefinition);
}

/**
 * The task summary of the API and the `task` of a JSON trace. `essential` comes from the task definition
 * when tracer knows it.
 * @example toTaskSummaryResponse(recorded, 'recorded').lastStatus === 'STOPPED'
 */
export function toTaskSummaryResponse(
  task: TaskView,
  source: 'recorded' | 'live',
  taskDefinition?: TaskDefinitionInfo,
): TaskSummaryResponse {
  const s = task.summary;
  const configs = taskDefinition?.status === 'described' ? taskDefinition.containers : [];
  const containers: ContainerSummary[] = s.containers.map((c) =>
    defined({
      name: c.name,
      image: c.image,
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      reason: c.reason,
      healthStatus: c.healthStatus,
      essential: configs.find((config) => config.containerName === c.name)?.essential,
    }),
  );
  return defined({
    cluster: s.clusterName,
    taskId: s.taskId,
    taskArn: s.taskArn,
    taskDefinition: s.taskDefinitionArn ? arnToName(s.taskDefinitionArn) : undefined,
    group: s.group,
    launchType: s.launchType,
    lastStatus: s.lastStatus,
    desiredStatus: s.desiredStatus,
    stopCode: s.stopCode,
    stoppedReason: s.stoppedReason,
    createdAt: s.createdAt,
    connectivityAt: s.connectivityAt,
    pullStartedAt: s.pullStartedAt,
    pullStoppedAt: s.pullStoppedAt,
    startedAt: s.startedAt,
    stoppingAt: s.stoppingAt,
    executionStoppedAt: s.executionStoppedAt,
    stoppedAt: s.stoppedAt,
    version: s.version,
    containers,
    failure: failureOf(task, taskDefinition),
    source,
  });
}

/**
 * One row of a cluster's task listing, the columns of `tracer CLUSTER`. `failureKind` is set for tasks
 * that failed.
 * @example toTaskListItem(recorded).taskDefinition === 'nginx:1'
 */
export function toTaskListItem(task: TaskView): TaskListItem {
  const s = task.summary;
  const failure = failureOf(task);
  return defined({
    taskId: s.taskId,
    taskArn: s.taskArn,
    taskDefinition: s.taskDefinitionArn ? arnToName(s.taskDefinitionArn) : undefined,
    lastStatus: s.lastStatus,
    desiredStatus: s.desiredStatus,
    createdAt: s.createdAt,
    stoppedAt: s.stoppedAt,
    group: s.group,
    launchType: s.launchType,
    stopCode: s.stopCode,
    stoppedReason: s.stoppedReason,
    failureKind: failure?.failed ? failure.kind : undefined,
  });
}
