import { readFileSync } from 'node:fs';
import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { EnvName } from '../../lambda/config/env.js';
import { alarmTopicArnFromContext, CONTEXT_KEYS, tracerPropsFromContext } from '../../lib/stack-context.js';
import { TracerStack } from '../../lib/tracer-stack.js';
import { CDK_JSON_CONTEXT, environmentOf, SKIP_BUNDLING, synthTracerStack } from './support.js';

const reader = (context: Record<string, unknown>) => (key: string) => context[key];

describe('TracerStack', () => {
  // GIVEN
  const { template } = synthTracerStack();

  it('outputs the API URL, the topic ARN and the table name under stable names, without exports', () => {
    // THEN
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'TableName', 'TopicArn']);
    for (const output of Object.values(outputs)) expect(output).not.toHaveProperty('Export');
  });

  it('omits the topic output when notifications are off', () => {
    const { template: quiet } = synthTracerStack({ notifications: 'false' });
    expect(Object.keys(quiet.findOutputs('*')).sort()).toEqual(['ApiUrl', 'TableName']);
  });

  it('reads the clusters and the notification email from context', () => {
    // GIVEN / WHEN
    const { template: custom } = synthTracerStack({
      clusters: 'prod, batch',
      notifyEmail: 'oncall@example.com',
    });
    // THEN
    custom.resourceCountIs('AWS::Events::Rule', 3);
    custom.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'oncall@example.com' });
  });

  it('sends every alarm to the topic named by context, and the recorder’s concurrency and deletion protection from context', () => {
    // GIVEN / WHEN
    const arn = 'arn:aws:sns:eu-west-1:111122223333:paging';
    const { template: custom } = synthTracerStack({
      [CONTEXT_KEYS.alarmTopicArn]: arn,
      [CONTEXT_KEYS.recorderMaxConcurrency]: '25',
      [CONTEXT_KEYS.tableDeletionProtection]: 'false',
    });
    // THEN
    const alarms = Object.values(custom.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: { AlarmActions: unknown[]; OKActions: unknown[] };
    }>;
    expect(alarms).toHaveLength(14);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([arn]);
      expect(alarm.Properties.OKActions).toEqual([arn]);
    }
    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 25 },
    });
    const table = Object.values(custom.findResources('AWS::DynamoDB::Table'))[0] as {
      Properties: Record<string, unknown>;
    };
    expect(table.Properties.DeletionProtectionEnabled ?? false).toBe(false);
  });

  it('protects the table from deletion by default', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  it('lets explicit props win over context', () => {
    const { template: custom } = synthTracerStack({ retentionDays: '30' }, { tracer: { retentionDays: 7 } });
    expect(environmentOf(custom, 'TracerRecorderFunction')[EnvName.RETENTION_DAYS]).toBe('7');
  });
});

describe('TracerStack synthesized without an environment, as bin/app.ts does', () => {
  // GIVEN the app settings of cdk.json: its context and its versionReporting
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    versionReporting?: boolean;
  };
  const app = new App({
    builtinCloudFormationValidation: false,
    analyticsReporting: cdkJson.versionReporting !== false,
    context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING },
  });
  // WHEN
  const template = Template.fromStack(new TracerStack(app, 'Tracer'));
  const text = JSON.stringify(template.toJSON());

  it('names no region anywhere, so one template deploys to any region', () => {
    // THEN
    expect(text.match(/\b(?:[a-z]{2}|us-gov|us-iso[a-z]?)-[a-z]+-\d\b/g)).toBeNull();
  });

  it('builds ARNs, the API URL and the trace links of notifications from the pseudo-parameters', () => {
    expect(text).toContain('{"Ref":"AWS::Region"}');
    expect(text).toContain('{"Ref":"AWS::AccountId"}');
    const apiUrl = JSON.stringify(environmentOf(template, 'TracerNotifierFunction')[EnvName.API_URL]);
    expect(apiUrl).toContain('".execute-api.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"}');
  });

  it('passes no environment in bin/app.ts: the CDK CLI sets CDK_DEFAULT_REGION to us-east-1 when none is configured', () => {
    const source = readFileSync(new URL('../../bin/app.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/env:\s*\{/);
  });
});

describe('the library entry point', () => {
  it('exports the main construct, the stack and every feature construct', async () => {
    const library = await import('../../lib/index.js');
    for (const name of [
      'Tracer',
      'TracerStack',
      'TracerTable',
      'TaskStateRecorder',
      'TraceApi',
      'FailureNotifier',
      'BundledFunction',
      'ClusterScope',
      'tracerPropsFromContext',
    ]) {
      expect(library, name).toHaveProperty(name);
    }
  });
});

describe('tracerPropsFromContext', () => {
  it('leaves every setting to the construct when no context is given', () => {
    expect(tracerPropsFromContext(reader({}))).toEqual({});
  });

  it('reads -c strings', () => {
    // GIVEN
    const context = {
      [CONTEXT_KEYS.clusters]: 'prod,batch',
      [CONTEXT_KEYS.retentionDays]: '30',
      [CONTEXT_KEYS.apiAuthorization]: 'none',
      [CONTEXT_KEYS.apiRateLimit]: '5',
      [CONTEXT_KEYS.tableRemovalPolicy]: 'destroy',
      [CONTEXT_KEYS.tableDeletionProtection]: 'true',
      [CONTEXT_KEYS.tableClass]: 'STANDARD_INFREQUENT_ACCESS',
      [CONTEXT_KEYS.recorderMaxConcurrency]: '50',
      [CONTEXT_KEYS.logRetentionDays]: '7',
      [CONTEXT_KEYS.logLevel]: 'warn',
      [CONTEXT_KEYS.logRegions]: 'us-west-2,eu-central-1',
      [CONTEXT_KEYS.logGroupPrefixes]: '/ecs/',
      [CONTEXT_KEYS.notifyEmail]: 'oncall@example.com',
      [CONTEXT_KEYS.notifySettleSeconds]: '60',
      [CONTEXT_KEYS.notifyFormat]: 'chatbot',
      [CONTEXT_KEYS.notifyExcludeClusters]: 'dev',
      [CONTEXT_KEYS.notifyFailureKinds]: 'image-pull,out-of-memory',
      [CONTEXT_KEYS.notifyOnEveryStop]: 'false',
      [CONTEXT_KEYS.notifySpotInterruptions]: 'true',
    };
    // WHEN
    const props = tracerPropsFromContext(reader(context));
    // THEN
    expect(props).toEqual({
      clusters: ['prod', 'batch'],
      retentionDays: 30,
      apiAuthorization: 'none',
      throttling: { rateLimit: 5, burstLimit: undefined },
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      tableDeletionProtection: true,
      tableClass: dynamodb.TableClass.STANDARD_INFREQUENT_ACCESS,
      recorderMaxConcurrency: 50,
      logRetention: logs.RetentionDays.ONE_WEEK,
      logLevel: 'warn',
      logRegions: ['us-west-2', 'eu-central-1'],
      logGroupPrefixes: ['/ecs/'],
      notifications: {
        email: 'oncall@example.com',
        settleDelay: Duration.seconds(60),
        format: 'chatbot',
        filters: {
          excludeClusters: ['dev'],
          failureKinds: ['image-pull', 'out-of-memory'],
          notifyOnEveryStop: false,
          notifySpotInterruptions: true,
        },
      },
    });
  });

  it('reads cdk.json arrays, numbers and booleans', () => {
    const props = tracerPropsFromContext(
      reader({ clusters: ['prod'], retentionDays: 14, notifications: false, tableRemovalPolicy: 'retain' }),
    );
    expect(props).toEqual({
      clusters: ['prod'],
      retentionDays: 14,
      notifications: false,
      tableRemovalPolicy: RemovalPolicy.RETAIN,
    });
  });

  it('treats an empty cluster list as every cluster', () => {
    expect(tracerPropsFromContext(reader({ clusters: ' , ' }))).toEqual({});
  });

  it.each([
    [{ retentionDays: 'ninety' }, 'context retentionDays must be a number, got "ninety"'],
    [{ apiAuthorization: 'open' }, 'context apiAuthorization must be one of iam, none, got "open"'],
    [{ notifications: 'no' }, 'context notifications must be true or false, got "no"'],
    [{ clusters: 42 }, 'context clusters must be a comma-separated list or an array of strings, got 42'],
    [
      { tableRemovalPolicy: 'snapshot' },
      'context tableRemovalPolicy must be one of retain, destroy, got "snapshot"',
    ],
    [{ logRetentionDays: '10' }, 'context logRetentionDays must be a CloudWatch Logs retention'],
    [
      { notifyFailureKinds: 'image-pull,disk-full' },
      'context notifyFailureKinds: unknown failure kind "disk-full"',
    ],
    [{ notifyEmail: 7 }, 'context notifyEmail must be a string, got 7'],
  ])('rejects %j', (context, message) => {
    expect(() => tracerPropsFromContext(reader(context))).toThrow(message);
  });

  it('passes a recorder concurrency outside 2 to 1000 on to the construct, which names the limits', () => {
    expect(() => synthTracerStack({ [CONTEXT_KEYS.recorderMaxConcurrency]: '1' })).toThrow(
      'maxConcurrency must be a whole number from 2 to 1000 (the limits of an SQS event source), got 1',
    );
  });
});

describe('alarmTopicArnFromContext', () => {
  it('reads the ARN of a standard topic, and nothing when none is given', () => {
    const arn = 'arn:aws:sns:us-east-1:111122223333:tracer-alarms';
    expect(alarmTopicArnFromContext(reader({ alarmTopicArn: arn }))).toBe(arn);
    expect(alarmTopicArnFromContext(reader({}))).toBeUndefined();
  });

  it.each([
    'paging',
    'arn:aws:sqs:us-east-1:111122223333:q',
    'arn:aws:sns:us-east-1:111122223333:alarms.fifo',
  ])('rejects %s, saying what it takes', (value) => {
    expect(() => alarmTopicArnFromContext(reader({ alarmTopicArn: value }))).toThrow(
      `context alarmTopicArn must be the ARN of a standard SNS topic (arn:aws:sns:<region>:<account>:<name>; alarms cannot publish to FIFO topics), got "${value}"`,
    );
  });
});
