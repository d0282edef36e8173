import { Duration, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm } from './alarms.js';
import { FORWARDED_DETAIL_TYPES, FORWARDED_SOURCES } from './organization-names.js';

export interface EventForwarderProps {
  /** The ARN of the central account's `tracer` event bus. */
  readonly centralBusArn: string;
  /** @default - the alarm has no action */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
}

/**
 * Forwards every event tracer records (task, service action, deployment and container instance state
 * changes; EC2 Spot interruption warnings and rebalance recommendations) from this account and region's
 * default bus to the central bus. What EventBridge cannot deliver after its retries (24 hours) lands in a
 * dead-letter queue watched by an alarm.
 */
export class EventForwarder extends Construct {
  readonly rule: events.Rule;
  /** The role EventBridge takes to put the events on the central bus: events:PutEvents on that bus only. */
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: EventForwarderProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the forwarding rule's dead-letter queue (the rule target's DeadLetterConfig), which cdk-nag only recognises in another queue's redrive policy.",
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'tracer: puts ECS and EC2 events on the central tracer event bus',
    });
    const centralBus = events.EventBus.fromEventBusArn(this, 'CentralBus', props.centralBusArn);
    // The target adds events:PutEvents on the central bus, and nothing else, to the role.
    this.rule = new events.Rule(this, 'Rule', {
      description: 'tracer: forwards ECS and EC2 events to the central tracer event bus',
      eventPattern: { source: [...FORWARDED_SOURCES], detailType: [...FORWARDED_DETAIL_TYPES] },
      targets: [new targets.EventBus(centralBus, { role: this.role, deadLetterQueue: this.deadLetterQueue })],
    });
    this.alarms = [
      deadLetterAlarm(
        this,
        'DeadLetterAlarm',
        this.deadLetterQueue,
        'source forwarder',
        props.alarmActions ?? [],
      ),
    ];
  }
}
