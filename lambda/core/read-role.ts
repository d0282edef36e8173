/**
 * Which role reads a task's account. A source account runs one read role per region (its source stack's),
 * named `<prefix>-<region>`; the query and notifier functions assume it to read that account's logs and
 * ECS descriptions. The stack's own account needs no role: its functions read it with their own.
 */
import { parseTaskArn } from './arn.js';
import { partitionOfRegion } from './cluster-id.js';

/** Where a task runs: the account and region whose read role reads its logs and describes it. */
export interface ReadScope {
  readonly account: string;
  readonly region: string;
}

const ECS_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):/;

/**
 * The read role of an account in a region.
 * @example readRoleArn({ account: '222233334444', region: 'us-west-2' }, 'tracer-read') === 'arn:aws:iam::222233334444:role/tracer-read-us-west-2'
 */
export function readRoleArn(scope: ReadScope, prefix: string): string {
  return `arn:${partitionOfRegion(scope.region)}:iam::${scope.account}:role/${prefix}-${scope.region}`;
}

/**
 * The account and region a task runs in: its task ARN says, else the fields its event carried.
 * @example taskScopeOf({ taskArn: 'arn:aws:ecs:us-west-2:222233334444:task/prod/abc', account: '', region: '' }).account === '222233334444'
 */
export function taskScopeOf(task: {
  readonly taskArn: string;
  readonly account: string;
  readonly region: string;
}): ReadScope {
  const arn = parseTaskArn(task.taskArn);
  return arn ? { account: arn.account, region: arn.region } : { account: task.account, region: task.region };
}

/**
 * The account and region of any ECS ARN (cluster, task definition, container instance), or undefined for a
 * bare name, which belongs to the caller's own account and region.
 * @example scopeOfEcsArn('arn:aws:ecs:us-west-2:222233334444:task-definition/app:3')?.region === 'us-west-2'
 */
export function scopeOfEcsArn(arnOrName: string): ReadScope | undefined {
  const m = ECS_ARN.exec(arnOrName.trim());
  return m ? { account: m[2] as string, region: m[1] as string } : undefined;
}
