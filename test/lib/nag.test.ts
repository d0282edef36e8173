import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { TracerProps } from '../../lib/tracer.js';
import { synthTracerStack } from './support.js';

/** The AwsSolutions findings that nobody acknowledged, as `rule at construct path`. */
function unacknowledgedFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
  );
}

const VARIANTS: ReadonlyArray<readonly [string, Record<string, unknown>, TracerProps]> = [
  ['the defaults', {}, {}],
  [
    'a cluster filter by name and ARN',
    { clusters: 'prod,arn:aws:ecs:eu-west-1:111122223333:cluster/batch' },
    {},
  ],
  [
    'an email subscription and filters',
    { notifyEmail: 'oncall@example.com', notifyFailureKinds: 'image-pull' },
    {},
  ],
  ['notifications off', { notifications: 'false' }, {}],
  [
    'source accounts, an organization and source regions',
    { sourceAccounts: '222233334444', organizationId: 'o-a1b2c3d4e5', sourceRegions: 'us-west-2,eu-west-1' },
    {},
  ],
  [
    'a known account and region',
    {},
    { env: { account: '111122223333', region: 'eu-west-1' } } as TracerProps,
  ],
];

describe('cdk-nag AwsSolutions', () => {
  it.each(VARIANTS)('finds nothing unacknowledged with %s', (_, context, props) => {
    // GIVEN
    const { env, ...tracer } = props as TracerProps & { env?: { account: string; region: string } };
    const { stack } = synthTracerStack(context, { tracer, env });
    // WHEN
    const findings = unacknowledgedFindings(stack);
    // THEN
    expect(findings).toEqual([]);
  });

  it.each(VARIANTS)('leaves no warning or error annotation with %s', (_, context, props) => {
    const { env, ...tracer } = props as TracerProps & { env?: { account: string; region: string } };
    const { stack } = synthTracerStack(context, { tracer, env });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  it('acknowledges the open API on purpose and warns about it', () => {
    // GIVEN
    const { stack } = synthTracerStack({ apiAuthorization: 'none' });
    // THEN
    expect(unacknowledgedFindings(stack)).toEqual([]);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('The trace API is open'));
  });

  it('reports a wildcard that nobody acknowledged, so the checks above are not vacuous', () => {
    // GIVEN a wildcard resource added to a tracer role after the fact
    const { stack } = synthTracerStack();
    stack.tracer.queryFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }),
    );
    // WHEN
    const findings = unacknowledgedFindings(stack);
    // THEN
    expect(findings).toEqual([
      expect.stringMatching(
        /^AwsSolutions-IAM5\[Resource::arn:aws:s3:::bucket\/\*\] at Tracer\/Tracer\/Api\/Function\/Role/,
      ),
    ]);
  });
});
