import { CfnOutput, CfnParameter, DefaultStackSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { validateAccountIds, validateRegions } from './constructs/organization-names.js';
import { TracerSource, type TracerSourceProps } from './tracer-source.js';

export interface TracerSourceStackProps extends StackProps {
  /**
   * The default of the `CentralAccountId` parameter.
   * @default - none: the parameter must be given at deployment (`--parameters CentralAccountId=...`, or the StackSet's parameters)
   */
  readonly centralAccount?: string;
  /**
   * The default of the `CentralRegion` parameter.
   * @default - none: the parameter must be given at deployment
   */
  readonly centralRegion?: string;
  /** @default - the construct's defaults */
  readonly source?: Omit<TracerSourceProps, 'centralAccount' | 'centralRegion'>;
}

/**
 * The source stack: `TracerSource`, with the central account and region as CloudFormation parameters, so that
 * one template serves every account and region, deployed with `cdk deploy` or as a StackSet. It has no assets
 * and no bootstrap version rule, so a StackSet can deploy it to accounts that were never bootstrapped.
 */
export class TracerSourceStack extends Stack {
  readonly source: TracerSource;

  constructor(scope: Construct, id: string, props: TracerSourceStackProps = {}) {
    super(scope, id, {
      description: 'tracer source: forwards ECS events to the central tracer and lets it read logs and tasks',
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      ...props,
    });
    if (props.centralAccount !== undefined) validateAccountIds('centralAccount', [props.centralAccount]);
    if (props.centralRegion !== undefined) validateRegions('centralRegion', [props.centralRegion]);
    const centralAccount = new CfnParameter(this, 'CentralAccountId', {
      type: 'String',
      description: 'The account of the central tracer stack',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit AWS account id',
      ...(props.centralAccount === undefined ? {} : { default: props.centralAccount }),
    });
    const centralRegion = new CfnParameter(this, 'CentralRegion', {
      type: 'String',
      description: 'The region of the central tracer stack',
      allowedPattern: '^[a-z]{2}(-[a-z]+)+-\\d+$',
      constraintDescription: 'an AWS region name such as eu-west-1',
      ...(props.centralRegion === undefined ? {} : { default: props.centralRegion }),
    });
    this.source = new TracerSource(this, 'Source', {
      ...props.source,
      centralAccount: centralAccount.valueAsString,
      centralRegion: centralRegion.valueAsString,
    });
    new CfnOutput(this, 'ReadRoleArn', {
      description: 'The role the central tracer functions assume to read this account and region',
      value: this.source.readRole.roleArn,
    });
  }
}
