/**
 * Finding a task and its task definition, shared by the trace and the task queries: what tracer recorded
 * first, then ECS itself for what it still remembers.
 */

import { arnToName } from '../core/arn.js';
import type { ClusterId } from '../core/cluster-id.js';
import { predatesLogOptions } from '../core/container-log-config.js';
import { AccessDeniedError, ReadRoleError, TaskNotFoundError, ThrottledError } from '../core/errors.js';
import { classifyFailure } from '../core/failure.js';
import type { TaskDefinitionInfo, TaskSummary } from '../core/model.js';
import type {
  LiveTaskSource,
  RecordedTask,
  TaskDefinitionSource,
  TaskDefinitionStore,
  TaskHistory,
} from './ports.js';

/**
 * ECS's answer for a task tracer did not record. The stack may scope ecs:DescribeTasks to the watched
 * clusters, so a denial means "not a cluster tracer looks at": for the caller that is the same as an
 * unknown task, and answering 403 would wrongly suggest that their own permissions are at fault.
 */
async function describeLiveTask(
  live: LiveTaskSource,
  cluster: ClusterId,
  taskId: string,
): Promise<TaskSummary | undefined> {
  try {
    return await live.describeTask(cluster, taskId);
  } catch (error) {
    if (error instanceof AccessDeniedError) return undefined;
    throw error;
  }
}

const ACCESS_DENIED_NAME = /AccessDenied|UnauthorizedOperation|NotAuthorized|UnrecognizedClient/i;
const THROTTLED_NAME = /Throttl|TooManyRequests|LimitExceeded|RequestLimitExceeded/i;
const NETWORK_NAME = /Timeout|TimedOut|ECONNRESET|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|NetworkingError/i;
// An SDK exception name (ClientException, ServerException): a class of fault that carries no account data.
const EXCEPTION_NAME = /^[A-Z][A-Za-z0-9]{2,80}$/;

/**
 * What a client may be told about a failed AWS call: the class of fault and the exception name, never the
 * AWS message, which for a denial names the role ARN and the account id. The full error stays in `cause`
 * and in the function's log. A read role that failed is named: it is tracer's own setting, and the reader
 * needs it to fix the source account.
 * @example clientSafeReason(Object.assign(new Error('User: arn:aws:sts::123…'), { name: 'AccessDeniedException' })) === 'access denied: AccessDeniedException'
 */
export function clientSafeReason(error: unknown): string {
  if (error instanceof ReadRoleError) return error.message;
  if (error instanceof AccessDeniedError) return 'access denied';
  if (error instanceof ThrottledError) return 'throttled by AWS';
  return reasonOfName(error instanceof Error ? error.name : '');
}

/** The same classification for a reason recorded as `Name: message` (an unavailable task definition). */
function clientSafeRecordedReason(reason: string): string {
  const name = /^([A-Za-z0-9]+): /.exec(reason)?.[1];
  // Written by tracer (ecs-task-definition-source) from the role's ARN and the AWS error code alone.
  if (name === 'ReadRoleError') return reason.slice(name.length + 2);
  // Without an exception name the reason is tracer's own wording, which carries nothing from AWS.
  return name ? reasonOfName(name) : reason;
}

function reasonOfName(name: string): string {
  if (ACCESS_DENIED_NAME.test(name)) return `access denied: ${name}`;
  if (THROTTLED_NAME.test(name)) return `throttled by AWS: ${name}`;
  if (NETWORK_NAME.test(name)) return `AWS could not be reached in time: ${name}`;
  return EXCEPTION_NAME.test(name) && name !== 'Error' ? name : 'an unexpected error';
}

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
  cluster: ClusterId,
  taskId: string,
): Promise<FoundTask> {
  const recorded = await deps.history.getTask(cluster, taskId);
  if (recorded) return { task: recorded, source: 'recorded' };
  const summary = deps.live ? await describeLiveTask(deps.live, cluster, taskId) : undefined;
  if (!summary) throw new TaskNotFoundError(cluster.name, taskId);
  const failure = classifyFailure(summary);
  return { task: failure ? { summary, failure } : { summary }, source: 'live' };
}

export interface ResolvedTaskDefinition {
  readonly taskDefinition?: TaskDefinitionInfo;
  /** Why the containers' logs cannot be located, when that is so. */
  readonly notice?: string;
}

async function keepCopy(store: TaskDefinitionStore, info: TaskDefinitionInfo): Promise<TaskDefinitionInfo> {
  try {
    await store.putTaskDefinition(info);
  } catch {
    // Keeping a copy is an optimisation for later traces; this trace already has what it needs.
  }
  return info;
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
  if (info && predatesLogOptions(info) && deps.taskDefinitionSource) {
    // Recorded before tracer kept log options: ECS may still describe the revision in full.
    const described = await deps.taskDefinitionSource
      .describeTaskDefinition(taskDefinitionArn)
      .catch(() => undefined);
    if (described?.status === 'described') info = await keepCopy(deps.taskDefinitions, described);
  }
  if (!info && deps.taskDefinitionSource) {
    try {
      info = await deps.taskDefinitionSource.describeTaskDefinition(taskDefinitionArn);
    } catch (error) {
      return {
        notice: `task definition ${name} could not be described (${clientSafeReason(error)}), so the logs of its containers cannot be located`,
      };
    }
    await keepCopy(deps.taskDefinitions, info);
  }
  if (!info) {
    return {
      notice: `task definition ${name} was not recorded, so the logs of its containers cannot be located`,
    };
  }
  if (info.status === 'unavailable') {
    return {
      taskDefinition: info,
      notice: `task definition ${name} could not be described (${clientSafeRecordedReason(info.reason)}), so the logs of its containers cannot be located`,
    };
  }
  return { taskDefinition: info };
}
