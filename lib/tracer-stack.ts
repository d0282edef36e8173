import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { alarmTopicArnFromContext, tracerPropsFromContext } from './stack-context.js';
import { Tracer, type TracerProps } from './tracer.js';

export interface TracerStackProps extends StackProps {
  /**
   * Settings of the `Tracer` construct; each one given here wins over the same setting from context.
   * @default - read from context (see `CONTEXT_KEYS`), then the construct's defaults
   */
  readonly tracer?: TracerProps;
}

/**
 * The tracer stack: the `Tracer` construct with its settings taken from CDK context, and outputs under
 * stable names (ApiUrl, TopicArn, TableName, and SourceBusArn with sources) that the CLI and scripts read.
 * Outputs are not exported, so nothing else can pin the stack.
 */
export class TracerStack extends Stack {
  readonly tracer: Tracer;

  constructor(scope: Construct, id: string, props: TracerStackProps = {}) {
    super(scope, id, {
      description: 'tracer: records Amazon ECS task lifecycles and serves their traces',
      ...props,
    });
    const read = (key: string) => this.node.tryGetContext(key);
    const fromContext = tracerPropsFromContext(read);
    const alarmTopicArn = props.tracer?.alarmTopic ? undefined : alarmTopicArnFromContext(read);
    const alarmTopic = alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn) : undefined;
    this.tracer = new Tracer(this, 'Tracer', {
      ...fromContext,
      ...(alarmTopic ? { alarmTopic } : {}),
      ...props.tracer,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the trace API (SigV4-signed GET requests unless opened)',
      value: this.tracer.api.url,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table with the recorded tasks',
      value: this.tracer.table.tableName,
    });
    if (this.tracer.sourceBus !== undefined) {
      new CfnOutput(this, 'SourceBusArn', {
        description: 'The tracer event bus that source accounts forward their ECS events to',
        value: this.tracer.sourceBus.eventBusArn,
      });
    }
    if (this.tracer.topic !== undefined) {
      new CfnOutput(this, 'TopicArn', {
        description: 'SNS topic with the traces of failed tasks',
        value: this.tracer.topic.topicArn,
      });
    }
  }
}
