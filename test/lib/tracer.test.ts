import { RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { EnvName } from '../../lambda/config/env.js';
import { Tracer } from '../../lib/tracer.js';
import { allStatements, environmentOf, logicalIdOf, synth, synthTracer } from './support.js';

describe('Tracer with the defaults', () => {
  // GIVEN
  const { template, built: tracer } = synthTracer();

  it('builds the table, the three functions, the API and the topic', () => {
    // THEN
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(tracer.topic).toBeDefined();
    expect(tracer.notifierFunction).toBeDefined();
    expect(tracer.api.url).toBeDefined();
    expect([tracer.recorderFunction, tracer.queryFunction, tracer.notifierFunction].every(Boolean)).toBe(
      true,
    );
  });

  it('runs every function on Node.js 22 or newer, on arm64', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const { Runtime, Architectures } = (fn as { Properties: { Runtime: string; Architectures: string[] } })
        .Properties;
      expect(Number(/^nodejs(\d+)\.x$/.exec(Runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(Architectures).toEqual(['arm64']);
    }
  });

  it('keeps tasks for 90 days and tells every function so', () => {
    for (const prefix of ['TracerRecorderFunction', 'TracerApiFunction', 'TracerNotifierFunction']) {
      expect(environmentOf(template, prefix)[EnvName.RETENTION_DAYS]).toBe('90');
    }
  });

  it('links notifications to the trace API', () => {
    expect(JSON.stringify(environmentOf(template, 'TracerNotifierFunction')[EnvName.API_URL])).toContain(
      'execute-api',
    );
  });

  it('allows no wildcard action in any policy, except the key policy statement that delegates to IAM', () => {
    // GIVEN every statement of every identity and resource policy
    const wildcards = allStatements(template).filter(({ statement }) => {
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      return statement.Effect === 'Allow' && actions.some((action) => action.includes('*'));
    });
    // THEN only the default key policy: the account root may administer the key, so IAM policies decide
    expect(wildcards).toHaveLength(1);
    expect(wildcards[0]?.resource).toMatch(/AWS::KMS::Key/);
    expect(wildcards[0]?.statement).toEqual({
      Action: 'kms:*',
      Effect: 'Allow',
      Principal: {
        AWS: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
        },
      },
      Resource: '*',
    });
  });

  it('uses no AWS managed policy', () => {
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('has its 14 alarms: queues, dead-letter queues, functions, the API and notifications', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 14);
    expect(tracer.alarms).toHaveLength(14);
  });

  it('protects the table from deletion', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });
});

describe('Tracer settings', () => {
  it('builds no topic and no notifier when notifications are off', () => {
    // GIVEN / WHEN
    const { template, built: tracer } = synthTracer({ notifications: false });
    // THEN
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    expect(tracer.topic).toBeUndefined();
    expect(tracer.notifierFunction).toBeUndefined();
  });

  it('passes the retention to the functions', () => {
    const { template } = synthTracer({ retentionDays: 3650, notifications: { settleDelay: undefined } });
    expect(environmentOf(template, 'TracerRecorderFunction')[EnvName.RETENTION_DAYS]).toBe('3650');
  });

  it('wires the alarm actions to every alarm', () => {
    // GIVEN
    const { template } = synth((stack) => {
      const paging = new sns.Topic(stack, 'Paging');
      return new Tracer(stack, 'Tracer', { alarmActions: [new cloudwatchActions.SnsAction(paging)] });
    });
    // THEN
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(14);
    for (const alarm of alarms) {
      expect((alarm as { Properties: { AlarmActions: unknown[] } }).Properties.AlarmActions).toHaveLength(1);
      expect(alarm).not.toHaveProperty('Properties.OKActions');
    }
  });

  it('sends every alarm to the alarm topic when it fires and when it clears, beside the alarm actions', () => {
    // GIVEN
    const { template } = synth((stack) => {
      const paging = new sns.Topic(stack, 'Paging');
      const alarmTopic = new sns.Topic(stack, 'Alarms');
      return new Tracer(stack, 'Tracer', {
        alarmActions: [new cloudwatchActions.SnsAction(paging)],
        alarmTopic,
      });
    });
    // THEN
    const paging = { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Paging') };
    const alarmTopic = { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Alarms') };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: { AlarmActions: unknown[]; OKActions: unknown[] };
    }>;
    expect(alarms).toHaveLength(14);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([paging, alarmTopic]);
      expect(alarm.Properties.OKActions).toEqual([alarmTopic]);
    }
  });

  it('passes the recorder’s maximum concurrency to its event source mapping', () => {
    const { template } = synthTracer({ recorderMaxConcurrency: 100, notifications: false });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 100 },
    });
  });

  it('turns deletion protection off when asked, and leaves it off for a table deleted with the stack', () => {
    const off = synthTracer({ tableDeletionProtection: false, notifications: false }).template;
    const destroyed = synthTracer({
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      notifications: false,
    }).template;
    for (const template of [off, destroyed]) {
      const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0] as {
        Properties: Record<string, unknown>;
      };
      expect(table.Properties.DeletionProtectionEnabled ?? false).toBe(false);
    }
  });

  it.each([0, 3651, 1.5, -7])('rejects a retention of %s days, naming the value', (retentionDays) => {
    expect(() => synthTracer({ retentionDays })).toThrow(
      `retentionDays must be a whole number of days from 1 to 3650, got ${retentionDays}`,
    );
  });

  it('sets the log level of every function when asked, and leaves the handlers default otherwise', () => {
    const { template } = synthTracer({ logLevel: 'debug' });
    for (const prefix of ['TracerRecorderFunction', 'TracerApiFunction', 'TracerNotifierFunction']) {
      expect(environmentOf(template, prefix)[EnvName.LOG_LEVEL]).toBe('debug');
    }
    const { template: quiet } = synthTracer({ notifications: false });
    expect(environmentOf(quiet, 'TracerRecorderFunction')).not.toHaveProperty(EnvName.LOG_LEVEL);
  });

  it('rejects an unknown log level', () => {
    expect(() => synthTracer({ logLevel: 'trace' as unknown as 'debug' })).toThrow(
      'logLevel must be one of debug, info, warn, error, got "trace"',
    );
  });

  it('exposes alarms as CloudWatch alarms', () => {
    const { built: tracer } = synthTracer({ notifications: false });
    expect(tracer.alarms.every((alarm) => alarm instanceof cloudwatch.Alarm)).toBe(true);
  });
});
