import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { taskDefinitionPk } from '../../lambda/adapters/dynamodb/keys.js';
import type { ClusterScope } from './ecs-clusters.js';

/** What a grant needs: a principal, and the construct (its role) that cdk-nag findings are acknowledged on. */
export interface Grantee extends iam.IGrantable {
  readonly role: IConstruct;
}

/** The ECS reads a trace may need; each is granted only where the function calls it. */
export type EcsReadAction = 'ecs:DescribeTasks' | 'ecs:DescribeTaskDefinition' | 'ecs:DescribeServices';

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
}

/**
 * Grants reading containers' CloudWatch Logs: the log groups of this account, in any region.
 * @example grantTraceLogsRead(fn)
 */
export function grantTraceLogsRead(grantee: Grantee): void {
  const logGroups = Stack.of(grantee.role).formatArn({
    service: 'logs',
    // A container may log to another region (awslogs-region, a FireLens output's region); the functions follow it.
    region: '*',
    resource: 'log-group',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  addScopedStatement(
    grantee,
    ['logs:GetLogEvents', 'logs:DescribeLogGroups'],
    [logGroups],
    // Task definitions name their log groups (awslogs-group, a FireLens output's log_group_name or template)
    // and are registered after tracer is deployed, so the groups cannot be listed here; the account bounds them.
    'task definitions name their log groups (awslogs-group, FireLens log_group_name) and regions after tracer is deployed; the grant stays in this account',
  );
}

/**
 * Grants the table's data with DynamoDB's own grant, and acknowledges the `index/*` it adds for the table's
 * own indexes.
 * @example grantTableData(fn, table, 'read')
 */
export function grantTableData(grantee: Grantee, table: dynamodb.ITable, access: 'read' | 'readWrite'): void {
  if (access === 'read') table.grantReadData(grantee);
  else table.grantReadWriteData(grantee);
  acknowledgeWildcards(
    grantee.role,
    [`${table.tableArn}/index/*`],
    "the grant covers only the table's own indexes",
  );
}

/**
 * Lets a reader keep what it learns about task definition revisions: PutItem on the table, limited by
 * `dynamodb:LeadingKeys` to task definition items, so a trace that had to describe a revision stores it for
 * the day the revision is deleted, without any right to change recorded tasks.
 * @example grantTaskDefinitionCache(queryFunction, table)
 */
export function grantTaskDefinitionCache(grantee: Grantee, table: dynamodb.ITable): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:PutItem'],
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [taskDefinitionPk('*')] } },
  });
}

/**
 * Lets the notifier keep its ledger and cache task definitions: PutItem and UpdateItem on the table, and no
 * other write (no DeleteItem, no batch writes). The ledger's items (`T#…` keys with a NOTIFY sort key) and
 * the task definition items (`TD#…`) share no partition key prefix that a `dynamodb:LeadingKeys` condition
 * could name without also naming recorded tasks, so the grant is the table; the adapters' condition
 * expressions keep each write to its own items.
 * @example grantNotificationLedger(notifierFunction, table)
 */
export function grantNotificationLedger(grantee: Grantee, table: dynamodb.ITable): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    resourceArns: [table.tableArn],
  });
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
