/**
 * Local mode without AWS credentials: ECS cannot be asked, so these sources say so instead. The recorder
 * stores the answer like any other, and the trace explains it in a TRACER notice line.
 */
import type { ServiceEvent, TaskDefinitionInfo } from '../core/model.js';
import type { Clock, ServiceEventSource, TaskDefinitionSource } from '../use-cases/ports.js';

/** Why a task definition could not be described, quoted in the trace. */
export const OFFLINE_TASK_DEFINITION_REASON =
  'local mode has no AWS credentials to call DescribeTaskDefinition; POST the task definition to /task-definitions';

/** Answers every revision as unavailable, with the reason and what to do about it. */
export class OfflineTaskDefinitionSource implements TaskDefinitionSource {
  constructor(private readonly clock: Clock) {}

  async describeTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo> {
    return {
      status: 'unavailable',
      taskDefinitionArn,
      reason: OFFLINE_TASK_DEFINITION_REASON,
      describedAt: new Date(this.clock.nowMs()).toISOString(),
    };
  }
}

/** Knows no service: the recorded service events are all there is. */
export class OfflineServiceEventSource implements ServiceEventSource {
  async recentServiceEvents(): Promise<ServiceEvent[] | undefined> {
    return undefined;
  }
}
