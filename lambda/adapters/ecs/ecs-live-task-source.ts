import { DescribeTasksCommand, ECSClient, type Task } from '@aws-sdk/client-ecs';
import { arnToName, parseTaskArn } from '../../core/arn.js';
import { type ClusterId, clusterArn } from '../../core/cluster-id.js';
import { AccessDeniedError, ReadRoleError, ThrottledError } from '../../core/errors.js';
import { type ContainerState, LIFECYCLE_TIMESTAMPS, type TaskSummary } from '../../core/model.js';
import { scopeOfEcsArn } from '../../core/read-role.js';
import { redactSecrets } from '../../core/redact.js';
import { truncateText } from '../../core/text.js';
import type { LiveTaskSource } from '../../use-cases/ports.js';
import type { AccountClientSource } from '../account-clients.js';

/** Marks summaries built from DescribeTasks rather than from a recorded EventBridge event. */
export const LIVE_EVENT_ID = 'ecs:DescribeTasks';

function text(value: string | undefined): string | undefined {
  return value === undefined ? undefined : truncateText(redactSecrets(value));
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Maps a DescribeTasks task to the summary a recorded task would have: ISO timestamps, redacted and
 * bounded reasons. Undefined when the task lacks an ARN or a status, which ECS always sends.
 * @example toTaskSummary(task, 'default')?.lastStatus === 'STOPPED'
 */
export function toTaskSummary(task: Task, clusterName: string): TaskSummary | undefined {
  const arn = task.taskArn ? parseTaskArn(task.taskArn) : undefined;
  if (!task.taskArn || !arn || !task.lastStatus) return undefined;
  const timestamps: Record<string, string | undefined> = {};
  let latest: Date | undefined;
  for (const field of LIFECYCLE_TIMESTAMPS) {
    // DescribeTasks has no updatedAt; the other lifecycle fields carry the same names as in events.
    const value = (task as Partial<Record<string, unknown>>)[field];
    if (value instanceof Date && !Number.isNaN(value.getTime())) {
      timestamps[field] = value.toISOString();
      if (!latest || value > latest) latest = value;
    }
  }
  const cluster = task.clusterArn ? arnToName(task.clusterArn) : (arn.cluster ?? arnToName(clusterName));
  const containers: ContainerState[] = (task.containers ?? []).flatMap((c) =>
    c.name
      ? [
          defined({
            name: c.name,
            image: c.image,
            imageDigest: c.imageDigest,
            lastStatus: c.lastStatus,
            exitCode: c.exitCode,
            reason: text(c.reason),
            healthStatus: c.healthStatus,
            runtimeId: c.runtimeId,
          }),
        ]
      : [],
  );
  return defined({
    eventId: LIVE_EVENT_ID,
    eventTime: (latest ?? new Date(0)).toISOString(),
    region: arn.region,
    account: arn.account,
    clusterArn: task.clusterArn ?? `arn:${arn.partition}:ecs:${arn.region}:${arn.account}:cluster/${cluster}`,
    clusterName: cluster,
    taskArn: task.taskArn,
    taskId: arn.taskId,
    version: task.version ?? 0,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    stopCode: task.stopCode,
    stoppedReason: text(task.stoppedReason),
    group: task.group,
    launchType: task.launchType,
    taskDefinitionArn: task.taskDefinitionArn,
    capacityProviderName: task.capacityProviderName,
    availabilityZone: task.availabilityZone,
    cpu: task.cpu,
    memory: task.memory,
    platformVersion: task.platformVersion,
    startedBy: task.startedBy,
    containerInstanceArn: task.containerInstanceArn,
    ...timestamps,
    containers,
  });
}

/**
 * Asks ECS itself about a task that tracer never recorded, as the original tracer did. ECS remembers a
 * stopped task for about an hour. With `accounts`, a cluster given by its ARN is described in its own
 * account and region (through that account's read role).
 */
export class EcsLiveTaskSource implements LiveTaskSource {
  constructor(
    private readonly client: ECSClient = new ECSClient({ maxAttempts: 8 }),
    private readonly accounts?: Pick<AccountClientSource, 'ecs' | 'readRoleOf'>,
  ) {}

  /**
   * The task as DescribeTasks reports it, or undefined when ECS does not know it (MISSING, or no such
   * cluster).
   * @throws AccessDeniedError when tracer may not call ecs:DescribeTasks; ThrottledError when throttling
   *   outlasts the retries.
   */
  async describeTask(cluster: ClusterId | string, taskId: string): Promise<TaskSummary | undefined> {
    const id = typeof cluster === 'string' ? undefined : cluster;
    const scope = id ? { account: id.account, region: id.region } : scopeOfEcsArn(cluster as string);
    // Another account's cluster is described through its read role, and by ARN; the stack's own by name
    // with the function's own client, as ever.
    const foreign = id !== undefined && this.accounts?.readRoleOf(scope) !== undefined;
    const clusterName = id ? (foreign ? clusterArn(id) : id.name) : (cluster as string);
    const client =
      this.accounts && scope && (id === undefined || foreign) ? this.accounts.ecs(scope) : this.client;
    try {
      const output = await client.send(new DescribeTasksCommand({ cluster: clusterName, tasks: [taskId] }));
      const task = output.tasks?.find((t) => t.taskArn !== undefined && arnToName(t.taskArn) === taskId);
      return task ? toTaskSummary(task, clusterName) : undefined;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      // A cluster ECS does not know, or an id it cannot parse, holds no such task.
      if (name === 'ClusterNotFoundException' || name === 'InvalidParameterException') return undefined;
      if (error instanceof ReadRoleError) throw error;
      const role = scope ? this.accounts?.readRoleOf(scope) : undefined;
      if (role && name === 'AccessDeniedException') {
        throw new ReadRoleError(role, name, 'read', { cause: error });
      }
      if (name === 'AccessDeniedException') {
        throw new AccessDeniedError(
          `tracer may not describe tasks in cluster ${clusterName} (ecs:DescribeTasks)`,
          {
            cause: error,
          },
        );
      }
      if (name === 'ThrottlingException' || name === 'LimitExceededException') {
        throw new ThrottledError('ECS kept throttling DescribeTasks; try again in a minute', {
          cause: error,
        });
      }
      throw error;
    }
  }
}
