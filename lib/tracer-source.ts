import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EventForwarder } from './constructs/event-forwarder.js';
import type { LogReadScope } from './constructs/grants.js';
import { CENTRAL_BUS_NAME } from './constructs/organization-names.js';
import { SourceReadRole } from './constructs/source-read-role.js';

export interface TracerSourceProps extends LogReadScope {
  /** The account of the central tracer stack (12 digits, or a CloudFormation parameter). */
  readonly centralAccount: string;
  /** The region of the central tracer stack (or a CloudFormation parameter). */
  readonly centralRegion: string;
  /**
   * The read role is named `<readRolePrefix>-<region>`; the central stack must use the same prefix.
   * @default 'tracer-read'
   */
  readonly readRolePrefix?: string;
  /** @default - the dead-letter alarm has no action */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
}

/**
 * The part of tracer that runs in each source account and region: a rule that forwards the events tracer
 * records to the central `tracer` bus, and the read role through which the central functions read this
 * account's container logs and ECS descriptions.
 *
 * @example
 * new TracerSource(stack, 'Source', { centralAccount: '111122223333', centralRegion: 'eu-west-1' });
 */
export class TracerSource extends Construct {
  readonly forwarder: EventForwarder;
  readonly readRole: iam.Role;

  constructor(scope: Construct, id: string, props: TracerSourceProps) {
    super(scope, id);
    const centralBusArn = Stack.of(this).formatArn({
      service: 'events',
      account: props.centralAccount,
      region: props.centralRegion,
      resource: 'event-bus',
      resourceName: CENTRAL_BUS_NAME,
    });
    this.forwarder = new EventForwarder(this, 'Forwarder', {
      centralBusArn,
      alarmActions: props.alarmActions,
    });
    this.readRole = new SourceReadRole(this, 'ReadRole', {
      centralAccount: props.centralAccount,
      centralRegion: props.centralRegion,
      readRolePrefix: props.readRolePrefix,
      logRegions: props.logRegions,
      logGroupPrefixes: props.logGroupPrefixes,
    }).role;
  }
}
