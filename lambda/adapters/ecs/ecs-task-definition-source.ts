import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { toContainerLogConfig } from '../../core/container-log-config.js';
import { ReadRoleError } from '../../core/errors.js';
import type { TaskDefinitionInfo } from '../../core/model.js';
import { scopeOfEcsArn } from '../../core/read-role.js';
import { redactSecrets } from '../../core/redact.js';
import { truncateText } from '../../core/text.js';
import type { Clock, TaskDefinitionSource } from '../../use-cases/ports.js';
import type { AccountClientSource } from '../account-clients.js';

export interface EcsTaskDefinitionSourceOptions {
  readonly client: ECSClient;
  /**
   * The clients of each account: a revision of another account (its ARN says) is described through
   * that account's read role.
   * @default - every revision is described with `client`
   */
  readonly accounts?: Pick<AccountClientSource, 'ecs' | 'readRoleOf'>;
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
 * are thrown so the caller can try again later, and so is a read role that could not be assumed
 * (`ReadRoleError`): the source account may deploy it later.
 */
export class EcsTaskDefinitionSource implements TaskDefinitionSource {
  constructor(private readonly options: EcsTaskDefinitionSourceOptions) {}

  async describeTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo> {
    const describedAt = new Date(this.options.clock.nowMs()).toISOString();
    const scope = scopeOfEcsArn(taskDefinitionArn);
    const accounts = this.options.accounts;
    const client = accounts ? accounts.ecs(scope) : this.options.client;
    try {
      const result = await client.send(
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
      const role = accounts?.readRoleOf(scope);
      if (role && error instanceof Error && error.name === 'AccessDeniedException') {
        // Recorded as tracer's own wording, so that a trace may show which role lacks the permission.
        const denied = new ReadRoleError(role, error.name, 'read');
        return {
          status: 'unavailable',
          taskDefinitionArn,
          reason: `${denied.name}: ${denied.message}`,
          describedAt,
        };
      }
      if (error instanceof Error && PERMANENT_ERRORS.has(error.name)) {
        const reason = truncateText(redactSecrets(`${error.name}: ${error.message}`), MAX_REASON_CHARS);
        return { status: 'unavailable', taskDefinitionArn, reason, describedAt };
      }
      throw error;
    }
  }
}
