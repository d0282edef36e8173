/**
 * Finding a task and its task definition, shared by the trace and the task queries: what tracer recorded
 * first, then ECS itself for what it still remembers.
 */
import { arnToName } from '../core/arn.js';
import { TaskNotFoundError } from '../core/errors.js';
import { classifyFailure } from '../core/failure.js';
import type { TaskDefinitionInfo } from '../core/model.js';
import type {
  LiveTaskSource,
  RecordedTask,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TaskHistory,
} from './ports.js';

export interface FoundTask {
  readonly task: RecordedTask;
  readonly source: 'recorded' | 'live';
}

/**
 * The recorded task, else the task as ECS describes it when a live source is wired, else not found.
 * @throws TaskNotFoundError when neither knows the task.
 */
export async function findTask(
  deps: { readonly history: TaskHistory; readonly live?: LiveTaskSource },
  clusterName: string,
  taskId: string,
): Promise<FoundTask> {
  const recorded = await deps.history.getTask(clusterName, taskId);
  if (recorded) return { task: recorded, source: 'recorded' };
  const summary = deps.live ? await deps.live.describeTask(clusterName, taskId) : undefined;
  if (!summary) throw new TaskNotFoundError(clusterName, taskId);
  const failure = classifyFailure(summary);
  return { task: failure ? { summary, failure } : { summary }, source: 'live' };
}

export interface ResolvedTaskDefinition {
  readonly taskDefinition?: TaskDefinitionInfo;
  /** Why the containers' logs cannot be located, when that is so. */
  readonly notice?: string;
}

/**
 * The task definition's log configuration: the recorded copy, else ECS (whose answer is recorded, so the
 * trace still finds the logs after the revision is deleted). Never fails: what cannot be learnt becomes a
 * notice.
 */
export async function resolveTaskDefinition(
  deps: {
    readonly taskDefinitions: TaskDefinitionStore;
    readonly taskDefinitionSource?: TaskDefinitionSource;
  },
  taskDefinitionArn: string | undefined,
): Promise<ResolvedTaskDefinition> {
  if (!taskDefinitionArn) {
    return { notice: 'the task names no task definition, so the logs of its containers cannot be located' };
  }
  const name = arnToName(taskDefinitionArn);
  let info = await deps.taskDefinitions.getTaskDefinition(taskDefinitionArn);
  if (!info && deps.taskDefinitionSource) {
    try {
      info = await deps.taskDefinitionSource.describeTaskDefinition(taskDefinitionArn);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        notice: `task definition ${name} could not be described (${reason}), so the logs of its containers cannot be located`,
      };
    }
    try {
      await deps.taskDefinitions.putTaskDefinition(info);
    } catch {
      // Keeping a copy is an optimisation for later traces; this trace already has what it needs.
    }
  }
  if (!info) {
    return {
      notice: `task definition ${name} was not recorded, so the logs of its containers cannot be located`,
    };
  }
  if (info.status === 'unavailable') {
    return {
      taskDefinition: info,
      notice: `task definition ${name} could not be described (${info.reason}), so the logs of its containers cannot be located`,
    };
  }
  return { taskDefinition: info };
}
