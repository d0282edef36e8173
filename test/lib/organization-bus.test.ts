import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_READ_ROLE_PREFIX, EnvName } from '../../lambda/config/env.js';
import {
  CENTRAL_BUS_NAME,
  FORWARDED_DETAIL_TYPES,
  FORWARDED_SOURCES,
} from '../../lib/constructs/organization-names.js';
import type { TracerProps } from '../../lib/tracer.js';
import { Tracer } from '../../lib/tracer.js';
import {
  environmentOf,
  functionStatements,
  KNOWN_ENV,
  logicalIdOf,
  type Statement,
  synth,
  synthTracer,
} from './support.js';

const SOURCE = '222233334444';
const OTHER = '555566667777';
const ORGANIZATION = 'o-a1b2c3d4e5';
const FUNCTIONS = ['TracerRecorderFunction', 'TracerApiFunction', 'TracerNotifierFunction'] as const;

/** A Tracer in a stack of a known account and region, so that ARNs read as plain strings. */
function synthCentral(props: TracerProps) {
  return synth((stack) => new Tracer(stack, 'Tracer', props), { stackProps: { env: KNOWN_ENV } });
}

function busPolicies(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::Events::EventBusPolicy')).map(
    (resource) => (resource as { Properties: Record<string, unknown> }).Properties,
  );
}

function assumeRoleStatements(template: Template, functionPrefix: string): Statement[] {
  return functionStatements(template, functionPrefix).filter((s) =>
    ([] as string[]).concat(s.Action).includes('sts:AssumeRole'),
  );
}

const ONLY_TRACER_EVENTS = {
  'ForAllValues:StringEquals': {
    'events:source': [...FORWARDED_SOURCES],
    'events:detail-type': [...FORWARDED_DETAIL_TYPES],
  },
};

describe('Tracer for one account (no sources)', () => {
  // GIVEN
  const { template } = synthTracer();

  it('creates no event bus, no bus policy and no sts:AssumeRole grant', () => {
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    for (const fn of FUNCTIONS) expect(assumeRoleStatements(template, fn)).toEqual([]);
  });

  it('leaves the function roles unnamed, as before', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect((role as { Properties: Record<string, unknown> }).Properties.RoleName).toBeUndefined();
    }
  });

  it('tells every function its home account and the read role prefix', () => {
    for (const fn of FUNCTIONS) {
      expect(environmentOf(template, fn)[EnvName.HOME_ACCOUNT]).toEqual({ Ref: 'AWS::AccountId' });
      expect(environmentOf(template, fn)[EnvName.READ_ROLE_PREFIX]).toBe(DEFAULT_READ_ROLE_PREFIX);
    }
  });

  it('rejects sourceRegions without a source account or organization', () => {
    expect(() => synthTracer({ sourceRegions: ['us-west-2'] })).toThrow(
      /sourceRegions needs sourceAccounts or organizationId/,
    );
  });
});

describe('Tracer with source accounts', () => {
  // GIVEN
  const { template } = synthCentral({
    sourceAccounts: [SOURCE, OTHER, SOURCE],
    sourceRegions: ['ap-northeast-1', 'us-west-2'],
  });
  const busId = logicalIdOf(template, 'AWS::Events::EventBus', 'TracerSourceBus');

  it('creates the tracer event bus', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: CENTRAL_BUS_NAME });
  });

  it('lets exactly the listed accounts put only the events tracer records on the bus', () => {
    const policies = busPolicies(template);
    expect(policies).toHaveLength(1);
    expect(policies[0]).toEqual({
      EventBusName: { Ref: busId },
      StatementId: 'cdk-TracerSourceAccounts',
      Statement: {
        Sid: 'cdk-TracerSourceAccounts',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: {
          AWS: [`arn:aws:iam::${SOURCE}:root`, `arn:aws:iam::${OTHER}:root`],
        },
        Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
        Condition: ONLY_TRACER_EVENTS,
      },
    });
  });

  it('repeats every recording rule and the stopped-task rule on the bus, with the same patterns', () => {
    // THEN rules on the default bus have no EventBusName; each has a twin on the tracer bus
    const rules = template.findResources('AWS::Events::Rule');
    const onBus = Object.entries(rules).filter(
      ([, rule]) =>
        (rule as { Properties: { EventBusName?: unknown } }).Properties.EventBusName !== undefined,
    );
    expect(onBus.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'TracerNotifierStoppedTasksRuleOnSourceBus',
      'TracerRecorderEc2InstanceEventsRuleOnSourceBus',
      'TracerRecorderEcsEventsRuleOnSourceBus',
    ]);
    for (const [id, rule] of onBus) {
      const twinId = id.replace(/OnSourceBus([0-9A-F]{8})$/, '');
      const [, twin] = Object.entries(rules).find(
        ([other]) => other.startsWith(twinId) && !other.includes('OnSourceBus'),
      ) as [string, { Properties: Record<string, unknown> }];
      const props = (rule as { Properties: Record<string, unknown> }).Properties;
      expect(props.EventBusName).toEqual({ Ref: busId });
      expect(props.EventPattern).toEqual(twin.Properties.EventPattern);
      expect(props.Targets).toEqual([
        expect.objectContaining({
          Arn: (twin.Properties.Targets as Array<{ Arn: unknown }>)[0]?.Arn,
        }),
      ]);
    }
  });

  it('names the three function roles tracer-<function>-<region>, which the read roles trust', () => {
    for (const name of ['tracer-recorder-eu-west-1', 'tracer-query-eu-west-1', 'tracer-notifier-eu-west-1']) {
      template.hasResourceProperties('AWS::IAM::Role', { RoleName: name });
    }
  });

  it('lets each function assume exactly the read role of each source account and region', () => {
    const expected = [SOURCE, OTHER].flatMap((account) =>
      ['ap-northeast-1', 'us-west-2'].map((region) => `arn:aws:iam::${account}:role/tracer-read-${region}`),
    );
    for (const fn of FUNCTIONS) {
      const statements = assumeRoleStatements(template, fn);
      expect(statements).toHaveLength(1);
      expect(statements[0]?.Action).toBe('sts:AssumeRole');
      expect(statements[0]?.Condition).toBeUndefined();
      expect(([] as unknown[]).concat(statements[0]?.Resource).sort()).toEqual(expected.sort());
    }
  });

  it('assumes the read role of its own region when no region is listed', () => {
    const { template: ownRegion } = synthCentral({ sourceAccounts: [SOURCE] });
    expect(assumeRoleStatements(ownRegion, 'TracerApiFunction')[0]?.Resource).toBe(
      `arn:aws:iam::${SOURCE}:role/tracer-read-eu-west-1`,
    );
  });

  it('uses the read role prefix it is given, in the grant and the environment', () => {
    const { template: prefixed } = synthCentral({ sourceAccounts: [SOURCE], readRolePrefix: 'ops-tracer' });
    expect(assumeRoleStatements(prefixed, 'TracerApiFunction')[0]?.Resource).toBe(
      `arn:aws:iam::${SOURCE}:role/ops-tracer-eu-west-1`,
    );
    expect(environmentOf(prefixed, 'TracerApiFunction')[EnvName.READ_ROLE_PREFIX]).toBe('ops-tracer');
  });

  it('names the function roles after AWS::Region when the region is unknown', () => {
    const { template: agnostic } = synthTracer({ sourceAccounts: [SOURCE] });
    agnostic.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', ['tracer-query-', { Ref: 'AWS::Region' }]] },
    });
  });
});

describe('Tracer with an organization', () => {
  // GIVEN
  const { template } = synthCentral({ organizationId: ORGANIZATION, sourceRegions: ['us-west-2'] });
  const busId = logicalIdOf(template, 'AWS::Events::EventBus', 'TracerSourceBus');

  it('lets every account of the organization, and no other, put tracer events on the bus', () => {
    expect(busPolicies(template)).toEqual([
      {
        EventBusName: { Ref: busId },
        StatementId: 'cdk-TracerSourceOrganization',
        Statement: {
          Sid: 'cdk-TracerSourceOrganization',
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Principal: { AWS: '*' },
          Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
          Condition: { ...ONLY_TRACER_EVENTS, StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } },
        },
      },
    ]);
  });

  it("lets the functions assume the read roles of the organization's accounts only", () => {
    for (const fn of FUNCTIONS) {
      expect(assumeRoleStatements(template, fn)).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::*:role/tracer-read-us-west-2',
          Condition: { StringEquals: { 'aws:ResourceOrgID': ORGANIZATION } },
        },
      ]);
    }
  });

  it('combines an organization with listed accounts outside it', () => {
    const { template: both } = synthCentral({ organizationId: ORGANIZATION, sourceAccounts: [SOURCE] });
    expect(busPolicies(both).map((policy) => policy.StatementId)).toEqual([
      'cdk-TracerSourceAccounts',
      'cdk-TracerSourceOrganization',
    ]);
    expect(assumeRoleStatements(both, 'TracerApiFunction')).toHaveLength(2);
  });
});

describe('Tracer source settings', () => {
  it.each([
    [{ sourceAccounts: ['12345'] }, /sourceAccounts must hold 12-digit AWS account ids, got "12345"/],
    [{ sourceAccounts: [] }, /sourceAccounts must name at least one account/],
    [{ organizationId: 'org-1' }, /organizationId must be an AWS Organizations id .* got "org-1"/],
    [
      { sourceAccounts: [SOURCE], sourceRegions: ['Tokyo'] },
      /sourceRegions must hold AWS region names such as eu-west-1, got "Tokyo"/,
    ],
    [{ sourceAccounts: [SOURCE], sourceRegions: [] }, /sourceRegions must name at least one region/],
    [
      { readRolePrefix: 'tracer read' },
      /readRolePrefix must be 1 to 48 IAM name characters .* got "tracer read"/,
    ],
  ] as const)('rejects %j', (props, message) => {
    expect(() => synthTracer(props as TracerProps)).toThrow(message);
  });

  it('matches the bus policy to nothing but the events the sources forward', () => {
    const { template } = synthCentral({ sourceAccounts: [SOURCE] });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Condition: ONLY_TRACER_EVENTS }),
    });
  });
});
