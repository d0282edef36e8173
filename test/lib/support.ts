/** Shared helpers of the CDK tests: synthesis without bundling, and lookups in a synthesized template. */
import { readFileSync } from 'node:fs';
import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Tracer, type TracerProps } from '../../lib/tracer.js';
import { TracerStack, type TracerStackProps } from '../../lib/tracer-stack.js';

/** The feature flags of cdk.json, so that tests synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/** The standard context that tells CDK to bundle no stack: unit tests never run esbuild. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

/**
 * An app with the cdk.json flags that bundles nothing; `context` adds or overrides values, `outdir` is where
 * `synth()` writes. CDK's built-in
 * CloudFormation validation takes seconds per synthesis, so it runs once, in cfn-lint.test.ts.
 */
export function testApp(context: Record<string, unknown> = {}, outdir?: string): App {
  return new App({
    ...(outdir === undefined ? {} : { outdir }),
    builtinCloudFormationValidation: false,
    context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...context },
  });
}

export interface Synthesized<T> {
  readonly app: App;
  readonly stack: Stack;
  readonly built: T;
  readonly template: Template;
}

/** A known environment, for tests that read ARNs built from names as plain strings. */
export const KNOWN_ENV = { account: '111122223333', region: 'eu-west-1' } as const;

/** Builds constructs in a fresh stack that skips bundling and synthesizes it. */
export function synth<T>(
  build: (stack: Stack) => T,
  options: { readonly context?: Record<string, unknown>; readonly stackProps?: StackProps } = {},
): Synthesized<T> {
  const app = testApp(options.context);
  const stack = new Stack(app, 'Test', options.stackProps);
  const built = build(stack);
  return { app, stack, built, template: Template.fromStack(stack) };
}

/** A `Tracer` in a stack that skips bundling. */
export function synthTracer(props: TracerProps = {}): Synthesized<Tracer> {
  return synth((stack) => new Tracer(stack, 'Tracer', props));
}

/** The `TracerStack` of bin/app.ts, with context, skipping bundling. */
export function synthTracerStack(
  context: Record<string, unknown> = {},
  props: TracerStackProps = {},
): { app: App; stack: TracerStack; template: Template } {
  const app = testApp(context);
  const stack = new TracerStack(app, 'Tracer', props);
  return { app, stack, template: Template.fromStack(stack) };
}

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

/** The logical id of the only resource of this type whose logical id starts with the prefix. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.entries(resources(template))
    .filter(([id, resource]) => resource.Type === type && id.startsWith(prefix))
    .map(([id]) => id);
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/** The properties of the only resource of this type whose logical id starts with the prefix. */
export function propertiesOf(template: Template, type: string, prefix: string): Record<string, unknown> {
  const resource = resources(template)[logicalIdOf(template, type, prefix)];
  return resource?.Properties ?? {};
}

/** The identity-policy statements attached to the role of a function (by the function's logical id prefix). */
export function functionStatements(template: Template, functionPrefix: string): Statement[] {
  const fn = propertiesOf(template, 'AWS::Lambda::Function', functionPrefix);
  const role = fn.Role as { 'Fn::GetAtt': [string, string] };
  const roleId = role['Fn::GetAtt'][0];
  return Object.values(resources(template))
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(
      (r) => (r.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    );
}

/** Every action a function's role is allowed, sorted. */
export function allowedActions(template: Template, functionPrefix: string): string[] {
  return functionStatements(template, functionPrefix)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .sort();
}

/**
 * The DynamoDB statements of a function's role, each as its actions, the table resources they name (`table`,
 * `table/index/<name>`) and their `dynamodb:LeadingKeys` patterns, if any. The table is the template's only one.
 */
export function tableGrants(
  template: Template,
  functionPrefix: string,
): Array<{ actions: string[]; resources: string[]; leadingKeys?: string[] }> {
  const table = logicalIdOf(template, 'AWS::DynamoDB::Table', '');
  const tableArn = JSON.stringify({ 'Fn::GetAtt': [table, 'Arn'] });
  const name = (resource: unknown): string => {
    if (JSON.stringify(resource) === tableArn) return 'table';
    const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join && JSON.stringify(join[1][0]) === tableArn) return `table${join[1].slice(1).join('')}`;
    throw new Error(`not a resource of the table: ${JSON.stringify(resource)}`);
  };
  return functionStatements(template, functionPrefix)
    .filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('dynamodb:')))
    .map((s) => {
      const leadingKeys = (
        s.Condition as { 'ForAllValues:StringLike'?: Record<string, string[]> } | undefined
      )?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
      return {
        actions: ([] as string[]).concat(s.Action).sort(),
        resources: ([] as unknown[]).concat(s.Resource).map(name).sort(),
        ...(leadingKeys === undefined ? {} : { leadingKeys: [...leadingKeys].sort() }),
      };
    });
}

/** Every policy statement of the template: identity policies, role inline policies and resource policies. */
export function allStatements(
  template: Template,
): Array<{ readonly resource: string; readonly statement: Statement }> {
  const out: Array<{ resource: string; statement: Statement }> = [];
  const documentKeys = ['PolicyDocument', 'KeyPolicy', 'AssumeRolePolicyDocument'];
  for (const [id, resource] of Object.entries(resources(template))) {
    const props = resource.Properties ?? {};
    const documents: unknown[] = documentKeys.map((key) => props[key]);
    for (const policy of (props.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []) {
      documents.push(policy.PolicyDocument);
    }
    for (const document of documents) {
      const statements = (document as { Statement?: Statement[] } | undefined)?.Statement ?? [];
      for (const statement of statements) out.push({ resource: `${id} (${resource.Type})`, statement });
    }
  }
  return out;
}

/** The environment variables of a function. */
export function environmentOf(template: Template, functionPrefix: string): Record<string, unknown> {
  const fn = propertiesOf(template, 'AWS::Lambda::Function', functionPrefix);
  return (fn.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** Asserts the alarm on the age of the oldest message of one queue: its maximum over 5 minutes, at `seconds`. */
export function expectQueueAgeAlarm(template: Template, queuePrefix: string, seconds: number): void {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: 'ApproximateAgeOfOldestMessage',
    Namespace: 'AWS/SQS',
    Dimensions: [
      {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', queuePrefix), 'QueueName'] },
      },
    ],
    Statistic: 'Maximum',
    Period: 300,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: seconds,
    TreatMissingData: 'notBreaching',
  });
}
