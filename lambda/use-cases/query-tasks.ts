/**
 * The read side of the API beside the trace: a cluster's tasks, one task's summary (the recorded clusters
 * are listed by resolve-cluster.ts).
 *
 * Primary course: read what the recorder stored and shape it as the API's JSON contract. A task that was
 * never recorded is looked up in ECS when a live source is wired, as the trace does.
 */
import type { TaskListResponse, TaskSummaryResponse } from '../core/api-types.js';
import { ClusterNotFoundError } from '../core/errors.js';
import { toTaskListItem, toTaskSummaryResponse } from '../core/task-view.js';
import { findTask, resolveTaskDefinition } from './find-task.js';
import { readHostActivity, refineWithHost } from './host-activity.js';
import type {
  Clock,
  InstanceHistory,
  ListTasksQuery,
  LiveTaskSource,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TaskHistory,
} from './ports.js';

export interface QueryTasksDeps {
  readonly history: TaskHistory;
  readonly taskDefinitions: TaskDefinitionStore;
  readonly taskDefinitionSource?: TaskDefinitionSource;
  readonly live?: LiveTaskSource;
  /**
   * An EC2 task's container instance history, which refines the diagnosis (a drain, a lost agent).
   * @default - the diagnosis from the task's own events
   */
  readonly instances?: InstanceHistory;
  readonly clock?: Clock;
}

/**
 * A page of a cluster's tasks, newest first.
 * @throws ClusterNotFoundError when the cluster has no recorded tasks at all (an empty first page of a
 *   cluster tracer knows is simply an empty list).
 */
export async function listTasks(
  deps: Pick<QueryTasksDeps, 'history'>,
  query: ListTasksQuery,
): Promise<TaskListResponse> {
  const page = await deps.history.listTasks(query);
  if (page.items.length === 0 && query.cursor === undefined) {
    // Only an empty answer pays for the extra read that tells "no such cluster" from "no such tasks".
    const clusters = await deps.history.listClusters();
    if (!clusters.some((c) => c.clusterName === query.clusterName)) {
      throw new ClusterNotFoundError(query.clusterName);
    }
  }
  return {
    tasks: page.items.map(toTaskListItem),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

/**
 * One task's summary with its failure classification.
 * @throws TaskNotFoundError when tracer never recorded it and ECS does not know it.
 */
export async function getTask(
  deps: QueryTasksDeps,
  clusterName: string,
  taskId: string,
): Promise<TaskSummaryResponse> {
  const { task: found, source } = await findTask(deps, clusterName, taskId);
  const { taskDefinition } = await resolveTaskDefinition(deps, found.summary.taskDefinitionArn);
  let task = found;
  if (deps.instances && deps.clock && found.summary.lastStatus === 'STOPPED') {
    const host = await readHostActivity(deps.instances, found.summary, deps.clock.nowMs());
    const failure = refineWithHost(found.failure, found.summary, taskDefinition, host);
    if (failure) task = { summary: found.summary, failure };
  }
  return toTaskSummaryResponse(task, source, taskDefinition);
}
