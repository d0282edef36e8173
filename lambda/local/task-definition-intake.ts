/**
 * Task definitions posted to the local server (`POST /task-definitions`): without AWS credentials, local
 * mode cannot call DescribeTaskDefinition, so the containers' log configuration comes from here.
 */
import { toContainerLogConfig } from '../core/container-log-config.js';
import { TracerError } from '../core/errors.js';
import type { ContainerLogConfig, TaskDefinitionInfo } from '../core/model.js';

/** A `POST /task-definitions` body that cannot be stored; nothing of it was stored. */
export class InvalidTaskDefinitionError extends TracerError {
  constructor(readonly problems: readonly string[]) {
    super(`the task definitions cannot be stored: ${problems.join('; ')}`);
  }
}

const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d+:task-definition\/[A-Za-z0-9_-]+:\d+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads task definitions as `aws ecs describe-task-definition` prints them (`{ taskDefinition: {...} }`),
 * or the bare task definition, or an array of either, into what the recorder would have stored.
 * @throws InvalidTaskDefinitionError listing what is wrong, by position.
 * @example parseTaskDefinitions(JSON.parse(await readFile('td.json', 'utf8')), new Date().toISOString())
 */
export function parseTaskDefinitions(body: unknown, describedAt: string): TaskDefinitionInfo[] {
  const items = Array.isArray(body) ? body : [body];
  const problems: string[] = [];
  const infos: TaskDefinitionInfo[] = [];
  if (items.length === 0) problems.push('the body is an empty array');
  items.forEach((item, index) => {
    const where = Array.isArray(body) ? `item ${index + 1}: ` : '';
    const definition = isObject(item) && isObject(item.taskDefinition) ? item.taskDefinition : item;
    if (!isObject(definition)) {
      problems.push(`${where}expected a task definition, as aws ecs describe-task-definition prints it`);
      return;
    }
    const arn = definition.taskDefinitionArn;
    if (typeof arn !== 'string' || !TASK_DEFINITION_ARN.test(arn)) {
      problems.push(`${where}taskDefinitionArn must be a task definition ARN with its revision`);
      return;
    }
    if (!Array.isArray(definition.containerDefinitions) || definition.containerDefinitions.length === 0) {
      problems.push(`${where}containerDefinitions must list the containers`);
      return;
    }
    const containers: ContainerLogConfig[] = [];
    definition.containerDefinitions.forEach((container: unknown, containerIndex: number) => {
      const name = isObject(container) ? optionalString(container.name) : undefined;
      if (!isObject(container) || name === undefined) {
        problems.push(`${where}containerDefinitions[${containerIndex}] must have a name`);
        return;
      }
      containers.push(toContainerLogConfig(container, name));
    });
    infos.push({ status: 'described', taskDefinitionArn: arn, containers, describedAt });
  });
  if (problems.length > 0) throw new InvalidTaskDefinitionError(problems);
  return infos;
}
