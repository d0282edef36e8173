import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  BundledFunction,
  ESM_REQUIRE_BANNER,
  FUNCTION_RUNTIME,
  resolveHandlerEntry,
} from '../../lib/constructs/bundled-function.js';
import { allowedActions, synth, testApp } from './support.js';

const MISSING_ENTRY = 'lambda/handlers/not-written-yet.ts';
const WRITTEN_ENTRY = 'lambda/handlers/recorder.ts';

describe('BundledFunction', () => {
  // GIVEN a function in a stack that is not bundled
  const { template } = synth(
    (s) =>
      new BundledFunction(s, 'Fn', {
        entry: WRITTEN_ENTRY,
        memorySizeMb: 256,
        timeout: Duration.seconds(12),
        environment: { TRACER_TABLE_NAME: 'table' },
        logRetention: logs.RetentionDays.ONE_WEEK,
      }),
  );

  it('runs on a Node.js 22 or newer runtime on arm64', () => {
    // THEN
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Runtime: string; Architectures: string[] };
    };
    const major = Number(/^nodejs(\d+)\.x$/.exec(fn.Properties.Runtime)?.[1]);
    expect(major).toBeGreaterThanOrEqual(22);
    expect(fn.Properties.Runtime).toBe(FUNCTION_RUNTIME.name);
    expect(fn.Properties.Architectures).toEqual(['arm64']);
  });

  it('enables source maps and passes the given environment, memory and timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 256,
      Timeout: 12,
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', TRACER_TABLE_NAME: 'table' } },
    });
  });

  it('writes to its own log group with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^FnLogGroup') } },
    });
  });

  it('starts with a role that may only write to that log group, without managed policies', () => {
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    expect(allowedActions(template, 'Fn')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnLogGroup'), 'Arn'] },
          },
        ],
      },
    });
  });

  it('references a bundled asset, not inline code', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('\\.zip$'), ZipFile: Match.absent() },
      Handler: 'index.handler',
    });
  });

  it('fails when the handler does not exist, even in a stack that is not bundled', () => {
    expect(() => synth((s) => new BundledFunction(s, 'Fn', { entry: MISSING_ENTRY }))).toThrow(
      /cannot bundle lambda\/handlers\/not-written-yet\.ts: no such file/,
    );
  });

  it('fails when a stack that must be bundled names a handler that does not exist', () => {
    // GIVEN a stack that is bundled (no bundling-stacks context)
    const bundled = new Stack(new App(), 'Bundled');
    // WHEN / THEN
    expect(() => new BundledFunction(bundled, 'Fn', { entry: MISSING_ENTRY })).toThrow(
      /cannot bundle lambda\/handlers\/not-written-yet\.ts: no such file/,
    );
  });

  it.each([
    ['a file outside lambda/handlers', 'lambda/core/model.ts'],
    ['a path that climbs out of the handlers', 'lambda/handlers/../core/model.ts'],
    ['a file that is not a module', 'lambda/handlers/readme.md'],
  ])('rejects %s as an entry', (_, entry) => {
    // GIVEN
    const stack = new Stack(testApp(), 'S');
    // WHEN / THEN
    expect(() => new BundledFunction(stack, 'Fn', { entry })).toThrow(
      `a function entry must be a .ts, .mts, .js or .mjs file under lambda/handlers/, got "${entry}"`,
    );
  });

  it('resolves entries against the project root', () => {
    expect(resolveHandlerEntry('lambda/handlers/recorder.ts')).toMatch(/\/lambda\/handlers\/recorder\.ts$/);
  });

  it('defines require for CommonJS dependencies inside the ESM bundle', () => {
    expect(ESM_REQUIRE_BANNER).toContain('createRequire');
    expect(ESM_REQUIRE_BANNER).toContain('import.meta.url');
    expect(ESM_REQUIRE_BANNER).toMatch(/const require = /);
  });

  it('keeps the retention on its one log group, without a log-retention custom resource', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.resourceCountIs('Custom::LogRetention', 0);
  });
});
