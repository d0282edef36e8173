import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { ClusterScope } from './ecs-clusters.js';

/** What a grant needs: a principal, and the construct (its role) that cdk-nag findings are acknowledged on. */
export interface Grantee extends iam.IGrantable {
  readonly role: IConstruct;
}

/** The ECS reads a trace may need; each is granted only where the function calls it. */
export type EcsReadAction =
  | 'ecs:DescribeTasks'
  | 'ecs:DescribeTaskDefinition'
  | 'ecs:DescribeServices'
  | 'ecs:DescribeContainerInstances';

/**
 * Grants ECS describe calls, scoped as tightly as each action allows.
 * @example grantEcsRead(fn, clusters, ['ecs:DescribeTaskDefinition'])
 */
export function grantEcsRead(
  grantee: Grantee,
  clusters: ClusterScope,
  actions: readonly EcsReadAction[],
): void {
  if (actions.includes('ecs:DescribeTaskDefinition')) {
    // DescribeTaskDefinition supports no resource-level permissions: IAM accepts only "*" for it. It reads a
    // revision's container definitions, which a post-mortem needs for the log configuration.
    addScopedStatement(
      grantee,
      ['ecs:DescribeTaskDefinition'],
      ['*'],
      'ecs:DescribeTaskDefinition supports no resource-level permissions',
    );
  }
  if (actions.includes('ecs:DescribeTasks')) {
    addScopedStatement(
      grantee,
      ['ecs:DescribeTasks'],
      clusters.taskArns,
      'task ids are unknown at deploy time; the watched clusters bound them',
    );
  }
  if (actions.includes('ecs:DescribeServices')) {
    addScopedStatement(
      grantee,
      ['ecs:DescribeServices'],
      clusters.serviceArns,
      'services come and go; the watched clusters bound them',
    );
  }
  if (actions.includes('ecs:DescribeContainerInstances')) {
    addScopedStatement(
      grantee,
      ['ecs:DescribeContainerInstances'],
      clusters.containerInstanceArns,
      'container instances join and leave; the watched clusters bound them',
    );
  }
}

/** Where the functions may read container logs. */
export interface LogReadScope {
  /**
   * Regions besides the stack's own whose log groups the functions read: those that task definitions name in
   * `awslogs-region` or a FireLens output's `region`.
   * @default - the stack's own region only
   */
  readonly logRegions?: readonly string[];
  /**
   * Read only log groups whose names start with one of these prefixes, for example `/ecs/`.
   * @default - every log group of the account, in the regions above
   */
  readonly logGroupPrefixes?: readonly string[];
}

/**
 * Grants reading containers' CloudWatch Logs in this account: GetLogEvents on the streams of the log groups
 * in the stack's region and `logRegions`, narrowed to `logGroupPrefixes`, and DescribeLogGroups (which a
 * trace calls only to tell a missing group from a missing stream) in the same regions.
 * @example grantTraceLogsRead(fn, { logRegions: ['eu-west-1'], logGroupPrefixes: ['/ecs/'] })
 */
export function grantTraceLogsRead(grantee: Grantee, scope: LogReadScope = {}): void {
  const stack = Stack.of(grantee.role);
  const regions = [undefined, ...validateLogRegions(stack, scope.logRegions ?? [])];
  const prefixes =
    scope.logGroupPrefixes === undefined ? [''] : validateLogGroupPrefixes(scope.logGroupPrefixes);
  const logGroupArn = (region: string | undefined, resourceName: string) =>
    stack.formatArn({
      service: 'logs',
      ...(region === undefined ? {} : { region }),
      resource: 'log-group',
      resourceName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  addScopedStatement(
    grantee,
    ['logs:GetLogEvents'],
    regions.flatMap((region) => prefixes.map((prefix) => logGroupArn(region, `${prefix}*:log-stream:*`))),
    // Task definitions name their log groups (awslogs-group, a FireLens output's log_group_name or template)
    // and are registered after tracer is deployed, so the groups cannot be listed here.
    'task definitions name their log groups (awslogs-group, FireLens log_group_name) after tracer is deployed; the grant stays in this account, its regions and the logGroupPrefixes prop',
  );
  addScopedStatement(
    grantee,
    ['logs:DescribeLogGroups'],
    regions.map((region) => logGroupArn(region, '*')),
    'DescribeLogGroups lists log groups by name prefix and returns no log events; a trace calls it only to tell a missing log group from a missing stream',
  );
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const LOG_GROUP_PREFIX_PATTERN = /^[\w.\-/#]{1,511}$/;

function validateLogRegions(stack: Stack, regions: readonly string[]): string[] {
  for (const region of regions) {
    if (!Token.isUnresolved(region) && !REGION_PATTERN.test(region)) {
      throw new Error(`logRegions must hold AWS region names such as eu-west-1, got "${region}"`);
    }
  }
  const own = Token.isUnresolved(stack.region) ? undefined : stack.region;
  return [...new Set(regions)].filter((region) => region !== own);
}

function validateLogGroupPrefixes(prefixes: readonly string[]): string[] {
  if (prefixes.length === 0) {
    throw new Error('logGroupPrefixes must name at least one prefix; leave it out to read every log group');
  }
  for (const prefix of prefixes) {
    if (Token.isUnresolved(prefix)) continue;
    if (!LOG_GROUP_PREFIX_PATTERN.test(prefix)) {
      throw new Error(
        `logGroupPrefixes must be log group name prefixes (letters, digits, _ - / . #, no wildcard), got "${prefix}"`,
      );
    }
  }
  return [...new Set(prefixes)];
}

function addScopedStatement(
  grantee: Grantee,
  actions: readonly string[],
  resourceArns: readonly string[],
  reason: string,
): void {
  iam.Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [...resourceArns] });
  acknowledgeWildcards(grantee.role, resourceArns, reason);
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for exactly these wildcard resources, no others, with the
 * reason next to the grant that needs them.
 * @example acknowledgeWildcards(role, ['*'], 'DescribeTaskDefinition supports no resource-level permissions')
 */
export function acknowledgeWildcards(
  scope: IConstruct,
  resourceArns: readonly string[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  for (const arn of resourceArns) {
    const finding = flattenReference(Token.isUnresolved(arn) ? stack.resolve(arn) : arn);
    if (!finding.includes('*')) continue;
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
  }
}

/** Writes a resolved ARN the way cdk-nag names it in a finding: `<Logical.Attr>` for GetAtt, `<Param>` for Ref. */
function flattenReference(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const join = record['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(flattenReference).join(join[0]);
    }
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flattenReference(getAtt[0])}.${flattenReference(getAtt[1])}>`;
    if ('Ref' in record) return `<${flattenReference(record.Ref)}>`;
    if ('Fn::Sub' in record) return flattenReference(record['Fn::Sub']);
  }
  return JSON.stringify(node);
}
