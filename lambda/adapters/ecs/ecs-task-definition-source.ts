import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { toContainerLogConfig } from '../../core/container-log-config.js';
import type { TaskDefinitionInfo } from '../../core/model.js';
import { redactSecrets } from '../../core/redact.js';
import { truncateText } from '../../core/text.js';
import type { Clock, TaskDefinitionSource } from '../../use-cases/ports.js';

export interface EcsTaskDefinitionSourceOptions {
  readonly client: ECSClient;
  /** Stamps `describedAt`. */
  readonly clock: Clock;
}

/**
 * Errors that say the revision cannot be described now or later: ECS answers `ClientException`
 * ("Unable to describe task definition.") for a deleted revision, and IAM may deny the call. Retrying
 * them would only fail again, so they become an `unavailable` record with the reason.
 */
const PERMANENT_ERRORS: ReadonlySet<string> = new Set([
  'ClientException',
  'InvalidParameterException',
  'ResourceNotFoundException',
  'AccessDeniedException',
]);

const MAX_REASON_CHARS = 512;

/**
 * Reads a task definition revision's container log configuration with DescribeTaskDefinition. Permanent
 * answers (deleted revision, access denied) come back as `unavailable`; throttling and network faults
 * are thrown so the caller can try again later.
 */
export class EcsTaskDefinitionSource implements TaskDefinitionSource {
  constructor(private readonly options: EcsTaskDefinitionSourceOptions) {}

  async describeTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo> {
    const describedAt = new Date(this.options.clock.nowMs()).toISOString();
    try {
      const result = await this.options.client.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }),
      );
      const definition = result.taskDefinition;
      if (!definition) {
        return {
          status: 'unavailable',
          taskDefinitionArn,
          reason: 'ECS returned no task definition',
          describedAt,
        };
      }
      return {
        status: 'described',
        taskDefinitionArn,
        containers: (definition.containerDefinitions ?? []).map((c) => toContainerLogConfig(c, c.name ?? '')),
        describedAt,
      };
    } catch (error) {
      if (error instanceof Error && PERMANENT_ERRORS.has(error.name)) {
        const reason = truncateText(redactSecrets(`${error.name}: ${error.message}`), MAX_REASON_CHARS);
        return { status: 'unavailable', taskDefinitionArn, reason, describedAt };
      }
      throw error;
    }
  }
}
