import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { sourcePlanFromContext, tracerPropsFromContext } from '../../lib/stack-context.js';
import { addTracerStacks } from '../../lib/tracer-app.js';
import { testApp } from './support.js';

const reader = (context: Record<string, unknown>) => (key: string) => context[key];

describe('the tracer CDK app', () => {
  it('synthesizes the central stack alone without source context', () => {
    // GIVEN / WHEN
    const { central, sources } = addTracerStacks(testApp());
    // THEN
    expect(central.stackName).toBe('Tracer');
    expect(sources).toEqual([]);
    Template.fromStack(central).resourceCountIs('AWS::Events::EventBus', 0);
  });

  it('synthesizes the central stack and one source stack per account and region from context', () => {
    // GIVEN the context of `cdk synth -c sourceAccounts=222233334444 -c sourceRegions=ap-northeast-1,us-west-2`
    const app = testApp({ sourceAccounts: '222233334444', sourceRegions: 'ap-northeast-1,us-west-2' });
    // WHEN
    const { central, sources } = addTracerStacks(app);
    // THEN the central stack stays region-neutral and receives the sources' events
    expect(Token.isUnresolved(central.region)).toBe(true);
    expect(Token.isUnresolved(central.account)).toBe(true);
    const centralTemplate = Template.fromStack(central);
    centralTemplate.hasResourceProperties('AWS::Events::EventBus', { Name: 'tracer' });
    expect(Object.keys(centralTemplate.findOutputs('*')).sort()).toEqual([
      'ApiUrl',
      'SourceBusArn',
      'TableName',
      'TopicArn',
    ]);
    centralTemplate.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', ['tracer-query-', { Ref: 'AWS::Region' }]] },
    });
    // AND each source stack is bound to its account and region
    expect(sources.map((s) => [s.stackName, s.account, s.region])).toEqual([
      ['TracerSource-222233334444-ap-northeast-1', '222233334444', 'ap-northeast-1'],
      ['TracerSource-222233334444-us-west-2', '222233334444', 'us-west-2'],
    ]);
    Template.fromStack(firstOf(sources)).hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'tracer-read-ap-northeast-1',
    });
  });

  it('grants the central functions the read roles of the listed regions, whatever region it deploys to', () => {
    const app = testApp({ sourceAccounts: '222233334444', sourceRegions: 'ap-northeast-1,us-west-2' });
    const text = JSON.stringify(Template.fromStack(addTracerStacks(app).central).toJSON());
    expect(text).toContain(':iam::222233334444:role/tracer-read-ap-northeast-1');
    expect(text).toContain(':iam::222233334444:role/tracer-read-us-west-2');
  });

  it('writes every template to the output folder, the central one under its usual name', () => {
    // GIVEN
    const outdir = mkdtempSync(join(tmpdir(), 'tracer-app-'));
    try {
      const app = testApp(
        { sourceAccounts: '222233334444', sourceRegions: 'ap-northeast-1,us-west-2' },
        outdir,
      );
      addTracerStacks(app);
      // WHEN
      app.synth();
      // THEN
      expect(
        readdirSync(outdir)
          .filter((f) => f.endsWith('.template.json'))
          .sort(),
      ).toEqual([
        'Tracer.template.json',
        'TracerSource-222233334444-ap-northeast-1.template.json',
        'TracerSource-222233334444-us-west-2.template.json',
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('adds the environment-agnostic StackSet template for an organization', () => {
    const { sources } = addTracerStacks(
      testApp({ organizationId: 'o-a1b2c3d4e5', sourceRegions: 'us-west-2' }),
    );
    expect(sources.map((s) => s.stackName)).toEqual(['TracerSource']);
    expect(Token.isUnresolved(firstOf(sources).account)).toBe(true);
    expect(Token.isUnresolved(firstOf(sources).region)).toBe(true);
  });

  it('gives the source stacks the central account and region as parameter defaults', () => {
    const { sources } = addTracerStacks(
      testApp({ sourceAccounts: '222233334444', centralAccount: '111122223333', centralRegion: 'eu-west-1' }),
    );
    const parameters = Template.fromStack(firstOf(sources)).toJSON().Parameters;
    expect(parameters.CentralAccountId.Default).toBe('111122223333');
    expect(parameters.CentralRegion.Default).toBe('eu-west-1');
  });

  it('names the source stacks after a central stack with another name', () => {
    const { central, sources } = addTracerStacks(
      testApp({ stackName: 'Ops', sourceAccounts: '222233334444' }),
    );
    expect([central.stackName, ...sources.map((s) => s.stackName)]).toEqual([
      'Ops',
      'OpsSource-222233334444',
    ]);
  });

  it('rejects a central account that is not an account id', () => {
    expect(() =>
      addTracerStacks(testApp({ sourceAccounts: '222233334444', centralAccount: 'central' })),
    ).toThrow(/centralAccount must hold 12-digit AWS account ids, got "central"/);
  });
});

describe('tracerPropsFromContext, source settings', () => {
  it('reads the source accounts, regions, organization and read role prefix', () => {
    expect(
      tracerPropsFromContext(
        reader({
          sourceAccounts: '222233334444, 333344445555',
          sourceRegions: ['us-west-2'],
          organizationId: 'o-a1b2c3d4e5',
          readRolePrefix: 'ops-tracer',
        }),
      ),
    ).toMatchObject({
      sourceAccounts: ['222233334444', '333344445555'],
      sourceRegions: ['us-west-2'],
      organizationId: 'o-a1b2c3d4e5',
      readRolePrefix: 'ops-tracer',
    });
  });

  it('rejects a source account list that is not a list of strings', () => {
    expect(() => tracerPropsFromContext(reader({ sourceAccounts: 222233334444 }))).toThrow(
      /context sourceAccounts must be a comma-separated list or an array of strings/,
    );
  });
});

describe('sourcePlanFromContext', () => {
  it('plans one stack per account and region, without the central account in its own region', () => {
    const plan = sourcePlanFromContext(
      reader({
        sourceAccounts: '111122223333,222233334444',
        sourceRegions: ['eu-west-1', 'us-west-2'],
        centralAccount: '111122223333',
        centralRegion: 'eu-west-1',
      }),
      'Tracer',
    );
    expect(plan.stacks.map((s) => s.id)).toEqual([
      'TracerSource-111122223333-us-west-2',
      'TracerSource-222233334444-eu-west-1',
      'TracerSource-222233334444-us-west-2',
    ]);
  });

  it('plans per-account stacks bound to no region when no region is listed', () => {
    const plan = sourcePlanFromContext(reader({ sourceAccounts: '222233334444' }), 'Tracer');
    expect(plan.stacks).toEqual([{ id: 'TracerSource-222233334444', env: { account: '222233334444' } }]);
  });

  it('plans nothing without sources', () => {
    expect(sourcePlanFromContext(reader({}), 'Tracer').stacks).toEqual([]);
  });
});

/** The first stack, which the test expects to exist. */
function firstOf<T>(stacks: readonly T[]): T {
  const [first] = stacks;
  if (first === undefined) throw new Error('expected a source stack, found none');
  return first;
}
