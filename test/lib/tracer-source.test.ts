import { readFileSync } from 'node:fs';
import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FORWARDED_DETAIL_TYPES, FORWARDED_SOURCES } from '../../lib/constructs/organization-names.js';
import { TracerSourceStack, type TracerSourceStackProps } from '../../lib/tracer-source-stack.js';
import { matchesPattern } from './event-pattern.js';
import { logicalIdOf, propertiesOf, type Statement, testApp } from './support.js';

const CENTRAL = '111122223333';
const SOURCE_ENV = { account: '222233334444', region: 'ap-northeast-1' } as const;

function synthSource(props: TracerSourceStackProps = {}) {
  const app = testApp();
  const stack = new TracerSourceStack(app, 'TracerSource', props);
  return { stack, template: Template.fromStack(stack) };
}

/** The statements of the identity policies attached to a role (by the role's logical id prefix). */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const roleId = logicalIdOf(template, 'AWS::IAM::Role', rolePrefix);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map((policy) => (policy as { Properties: Record<string, unknown> }).Properties)
    .filter((props) => JSON.stringify(props.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((props) => (props.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => ([] as string[]).concat(s.Action)).sort();

/** The AwsSolutions findings that nobody acknowledged, as `rule at construct path`. */
function unacknowledgedFindings(stack: Stack): string[] {
  return new AwsSolutionsChecks()
    .validateScope(stack)
    .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));
}

describe('TracerSourceStack, as the StackSet template', () => {
  // GIVEN no account, region or central defaults
  const { template } = synthSource();
  const centralBusArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'CentralRegion' },
        ':',
        { Ref: 'CentralAccountId' },
        ':event-bus/tracer',
      ],
    ],
  };

  it('takes the central account and region as parameters without defaults, and needs no bootstrap', () => {
    const parameters = template.toJSON().Parameters as Record<string, Record<string, unknown>>;
    expect(Object.keys(parameters).sort()).toEqual(['CentralAccountId', 'CentralRegion']);
    expect(parameters.CentralAccountId).toMatchObject({ Type: 'String', AllowedPattern: '^\\d{12}$' });
    expect(parameters.CentralAccountId?.Default).toBeUndefined();
    expect(parameters.CentralRegion?.Default).toBeUndefined();
    expect(template.toJSON().Rules).toBeUndefined();
  });

  it('forwards exactly the events tracer records from the default bus to the central tracer bus', () => {
    const rule = propertiesOf(template, 'AWS::Events::Rule', 'SourceForwarderRule');
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toEqual({
      source: [...FORWARDED_SOURCES],
      'detail-type': [...FORWARDED_DETAIL_TYPES],
    });
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'SourceForwarderRole');
    const queueId = logicalIdOf(template, 'AWS::SQS::Queue', 'SourceForwarderDeadLetterQueue');
    expect(rule.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: centralBusArn,
        RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      },
    ]);
  });

  it.each([
    ['a task state change', 'task-state-change_fargate_running_awsdocs'],
    ['a service action', 'service-action_service_steady_state_awsdocs'],
    ['a deployment state change', 'deployment-state-change_service_deployment_completed_awsdocs'],
    ['a container instance state change', 'container-instance-state-change_awsdocs'],
    ['a Spot interruption warning', 'ec2-spot-instance-interruption-warning_awsdocs'],
    ['a rebalance recommendation', 'ec2-instance-rebalance-recommendation_awsdocs'],
  ])('forwards %s', (_, name) => {
    const rule = propertiesOf(template, 'AWS::Events::Rule', 'SourceForwarderRule');
    expect(matchesPattern(rule.EventPattern, fixture(name))).toBe(true);
  });

  it('forwards no other ECS or EC2 event', () => {
    const rule = propertiesOf(template, 'AWS::Events::Rule', 'SourceForwarderRule');
    const stateChange = { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification' };
    const apiCall = { source: 'aws.ecs', 'detail-type': 'AWS API Call via CloudTrail' };
    expect(matchesPattern(rule.EventPattern, stateChange)).toBe(false);
    expect(matchesPattern(rule.EventPattern, apiCall)).toBe(false);
  });

  it('lets the forwarding role put events on the central bus and do nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } },
        ],
      },
    });
    expect(roleStatements(template, 'SourceForwarderRole')).toEqual([
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: centralBusArn },
    ]);
  });

  it('names the read role <prefix>-<region>', () => {
    expect(propertiesOf(template, 'AWS::IAM::Role', 'SourceReadRole').RoleName).toEqual({
      'Fn::Join': ['', ['tracer-read-', { Ref: 'AWS::Region' }]],
    });
  });

  it("trusts only the central recorder, query and notifier roles, through the central account's principal", () => {
    const centralRole = (name: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::',
          { Ref: 'CentralAccountId' },
          `:role/tracer-${name}-`,
          { Ref: 'CentralRegion' },
        ],
      ],
    });
    expect(propertiesOf(template, 'AWS::IAM::Role', 'SourceReadRole').AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: {
            AWS: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'CentralAccountId' }, ':root'],
              ],
            },
          },
          Condition: {
            ArnEquals: {
              'aws:PrincipalArn': [centralRole('recorder'), centralRole('query'), centralRole('notifier')],
            },
          },
        },
      ],
    });
  });

  it('allows the read role exactly the log and ECS reads of a trace', () => {
    expect(actionsOf(roleStatements(template, 'SourceReadRole'))).toEqual([
      'ecs:DescribeContainerInstances',
      'ecs:DescribeServices',
      'ecs:DescribeTaskDefinition',
      'ecs:DescribeTasks',
      'logs:DescribeLogGroups',
      'logs:GetLogEvents',
    ]);
  });

  it('outputs the read role ARN', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(['ReadRoleArn']);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    const { stack } = synthSource();
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });
});

describe('TracerSourceStack for one account and region', () => {
  // GIVEN
  const { stack, template } = synthSource({
    env: SOURCE_ENV,
    centralAccount: CENTRAL,
    centralRegion: 'eu-west-1',
    source: { logGroupPrefixes: ['/ecs/'] },
  });

  it('defaults the parameters to the central account and region it was given', () => {
    const parameters = template.toJSON().Parameters as Record<string, Record<string, unknown>>;
    expect(parameters.CentralAccountId?.Default).toBe(CENTRAL);
    expect(parameters.CentralRegion?.Default).toBe('eu-west-1');
  });

  it("reads only this account's log groups in this region, and its ECS resources", () => {
    const statements = roleStatements(template, 'SourceReadRole');
    const resources = (action: string) =>
      statements.filter((s) => ([] as string[]).concat(s.Action).includes(action)).flatMap((s) => s.Resource);
    expect(resources('logs:GetLogEvents')).toEqual([
      'arn:aws:logs:ap-northeast-1:222233334444:log-group:/ecs/*:log-stream:*',
    ]);
    expect(resources('ecs:DescribeTasks')).toEqual(['arn:aws:ecs:ap-northeast-1:222233334444:task/*']);
    expect(resources('ecs:DescribeContainerInstances')).toEqual([
      'arn:aws:ecs:ap-northeast-1:222233334444:container-instance/*',
    ]);
    expect(resources('ecs:DescribeTaskDefinition')).toEqual(['*']);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'tracer-read-ap-northeast-1' });
  });

  it('leaves no cdk-nag finding unacknowledged and no warning', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(
      report.violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      ),
    ).toEqual([]);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  it('uses the read role prefix it is given', () => {
    const { template: prefixed } = synthSource({ env: SOURCE_ENV, source: { readRolePrefix: 'ops-tracer' } });
    prefixed.hasResourceProperties('AWS::IAM::Role', { RoleName: 'ops-tracer-ap-northeast-1' });
  });

  it.each([
    [{ centralAccount: '1111' }, /centralAccount must hold 12-digit AWS account ids, got "1111"/],
    [
      { centralRegion: 'Ireland' },
      /centralRegion must hold AWS region names such as eu-west-1, got "Ireland"/,
    ],
    [{ source: { readRolePrefix: 'a'.repeat(49) } }, /readRolePrefix must be 1 to 48 IAM name characters/],
  ] as const)('rejects %j', (props, message) => {
    expect(() => synthSource(props as TracerSourceStackProps)).toThrow(message);
  });
});
