import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEFAULT_READ_ROLE_PREFIX } from '../../lambda/config/env.js';
import { ClusterScope } from './ecs-clusters.js';
import { type EcsReadAction, grantEcsRead, grantTraceLogsRead, type LogReadScope } from './grants.js';
import {
  CENTRAL_READERS,
  centralRoleName,
  readRoleName,
  validateReadRolePrefix,
} from './organization-names.js';

/** What the central functions read in a source account: task, service and host descriptions. */
export const SOURCE_ECS_READS: readonly EcsReadAction[] = [
  'ecs:DescribeTasks',
  'ecs:DescribeTaskDefinition',
  'ecs:DescribeServices',
  'ecs:DescribeContainerInstances',
];

export interface SourceReadRoleProps extends LogReadScope {
  /** The account of the central tracer stack. */
  readonly centralAccount: string;
  /** The region of the central tracer stack, part of its functions' role names. */
  readonly centralRegion: string;
  /**
   * The role is named `<readRolePrefix>-<region>`; the central stack must use the same prefix.
   * @default 'tracer-read'
   */
  readonly readRolePrefix?: string;
}

/**
 * The role the central functions assume to read this account and region: its containers' logs
 * (GetLogEvents, and DescribeLogGroups to tell a missing group from a missing stream) and ECS descriptions.
 *
 * The trust policy names the central account and, with `aws:PrincipalArn`, exactly the central recorder,
 * query and notifier roles (`tracer-<function>-<central region>`), not the account's root: no other
 * principal of the central account may assume it, even one its administrators allow sts:AssumeRole on `*`.
 * The account principal with a condition, rather than the three role ARNs as principals, lets a source stack
 * be deployed before the central one: IAM rejects a trust policy that names a role that does not exist yet.
 */
export class SourceReadRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SourceReadRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const prefix = validateReadRolePrefix('readRolePrefix', props.readRolePrefix ?? DEFAULT_READ_ROLE_PREFIX);
    const centralRoleArns = CENTRAL_READERS.map((reader) =>
      stack.formatArn({
        service: 'iam',
        region: '',
        account: props.centralAccount,
        resource: 'role',
        resourceName: centralRoleName(reader, props.centralRegion),
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    this.role = new iam.Role(this, 'Role', {
      roleName: readRoleName(prefix, stack.region),
      description: 'tracer: lets the central tracer functions read ECS tasks and their logs here',
      assumedBy: new iam.AccountPrincipal(props.centralAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': centralRoleArns },
      }),
    });
    const grantee = { grantPrincipal: this.role, role: this.role };
    grantTraceLogsRead(grantee, props);
    grantEcsRead(grantee, ClusterScope.of(this), SOURCE_ECS_READS);
  }
}
