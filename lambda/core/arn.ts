import { InvalidInputError } from './errors.js';

/** The parts of an ECS task ARN. `cluster` is absent in the old format `task/<uuid>`. */
export interface TaskArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly cluster?: string;
  readonly taskId: string;
}

const TASK_ARN = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}|\d+):task\/(?:([^/]+)\/)?([^/]+)$/;
const TASK_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Parses a task ARN in either format.
 * @example parseTaskArn('arn:aws:ecs:us-east-1:123456789012:task/default/9f65...').cluster === 'default'
 */
export function parseTaskArn(arn: string): TaskArnParts | undefined {
  const m = TASK_ARN.exec(arn);
  if (!m) return undefined;
  const [, partition = '', region = '', account = '', cluster, taskId = ''] = m;
  return cluster ? { partition, region, account, cluster, taskId } : { partition, region, account, taskId };
}

/** What a task ARN given alone names. */
export interface TaskOfArn {
  readonly cluster: string;
  readonly taskId: string;
}

/**
 * The cluster and task that a task ARN names by itself, or undefined when the text is not a task ARN.
 * @throws InvalidInputError for a task ARN in the old format (`task/<id>`), which names no cluster, and
 *   for text that starts like a task ARN but is not one.
 * @example taskOfArn('arn:aws:ecs:us-east-1:123456789012:task/prod/9f65') // { cluster: 'prod', taskId: '9f65' }
 */
export function taskOfArn(input: string): TaskOfArn | undefined {
  const text = input.trim();
  if (!/^arn:[^:]*:ecs:[^:]*:[^:]*:task\//.test(text)) return undefined;
  const parts = parseTaskArn(text);
  if (!parts || !TASK_ID.test(parts.taskId)) {
    throw new InvalidInputError(`"${input}" is not a task ARN (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID)`);
  }
  if (parts.cluster === undefined) {
    throw new InvalidInputError(
      `the task ARN ${text} is in the old format, which names no cluster; give the cluster too: tracer CLUSTER ${text}`,
    );
  }
  return { cluster: parts.cluster, taskId: parts.taskId };
}

/**
 * The last path segment of an ECS ARN: the cluster name of a cluster ARN, the id of a task ARN, the
 * family:revision of a task definition ARN. A plain name is returned unchanged.
 * @example arnToName('arn:aws:ecs:us-east-1:1:cluster/default') === 'default'
 */
export function arnToName(arnOrName: string): string {
  return arnOrName.slice(arnOrName.lastIndexOf('/') + 1);
}

/**
 * The service name of a task group (`service:NAME`), or undefined for standalone tasks (`family:NAME`).
 * @example serviceOfGroup('service:web') === 'web'
 */
export function serviceOfGroup(group: string | undefined): string | undefined {
  if (!group?.startsWith('service:')) return undefined;
  const name = group.slice('service:'.length);
  return name === '' ? undefined : name;
}
