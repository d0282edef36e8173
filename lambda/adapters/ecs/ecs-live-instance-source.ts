import { DescribeContainerInstancesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { ClusterId } from '../../core/cluster-id.js';
import { AccessDeniedError, ThrottledError } from '../../core/errors.js';
import type { InstanceActivity } from '../../core/instance.js';
import type { Clock, InstanceHistory } from '../../use-cases/ports.js';

/** Marks changes built from DescribeContainerInstances rather than from recorded events. */
export const LIVE_INSTANCE_EVENT_ID = 'ecs:DescribeContainerInstances';

/**
 * A container instance as ECS reports it now (DescribeContainerInstances), for traces of tasks that tracer
 * never recorded. ECS forgets a deregistered instance after about an hour; then there is nothing to say.
 * The answer is the state now, not a history: the trace marks its lines `as ECS reports it now`.
 */
export class EcsLiveInstanceSource implements InstanceHistory {
  constructor(
    private readonly client: ECSClient,
    private readonly clock: Clock,
  ) {}

  /**
   * @throws AccessDeniedError when tracer may not call ecs:DescribeContainerInstances; ThrottledError
   *   when throttling outlasts the SDK's retries.
   */
  async listInstanceActivity(
    cluster: ClusterId,
    containerInstanceId: string,
  ): Promise<InstanceActivity | undefined> {
    const clusterName = cluster.name;
    try {
      const output = await this.client.send(
        new DescribeContainerInstancesCommand({
          cluster: clusterName,
          containerInstances: [containerInstanceId],
        }),
      );
      const instance = output.containerInstances?.find((c) =>
        c.containerInstanceArn?.endsWith(containerInstanceId),
      );
      if (!instance?.containerInstanceArn) return undefined;
      return {
        live: true,
        notices: [],
        changes: [
          {
            eventId: LIVE_INSTANCE_EVENT_ID,
            time: new Date(this.clock.nowMs()).toISOString(),
            clusterName,
            containerInstanceArn: instance.containerInstanceArn,
            containerInstanceId,
            ...(instance.version !== undefined ? { version: instance.version } : {}),
            ...(instance.status ? { status: instance.status } : {}),
            ...(instance.agentConnected !== undefined ? { agentConnected: instance.agentConnected } : {}),
            ...(instance.ec2InstanceId ? { ec2InstanceId: instance.ec2InstanceId } : {}),
          },
        ],
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'ClusterNotFoundException' || name === 'InvalidParameterException') return undefined;
      if (name === 'AccessDeniedException') {
        throw new AccessDeniedError(
          `tracer may not describe container instances in cluster ${clusterName} (ecs:DescribeContainerInstances)`,
          { cause: error },
        );
      }
      if (name === 'ThrottlingException' || name === 'LimitExceededException') {
        throw new ThrottledError('ECS kept throttling DescribeContainerInstances; try again in a minute', {
          cause: error,
        });
      }
      throw error;
    }
  }
}
