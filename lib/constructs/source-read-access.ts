import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeWildcards, type Grantee } from './grants.js';
import { readRoleName } from './organization-names.js';

/** Which source read roles the central functions may assume. */
export interface SourceReadScope {
  /** Accounts with a source stack. */
  readonly sourceAccounts: readonly string[];
  /** Every account of this organization may have a source stack. */
  readonly organizationId: string | undefined;
  /** The regions with a source stack; the read role of region R is `<readRolePrefix>-<R>`. */
  readonly sourceRegions: readonly string[];
  readonly readRolePrefix: string;
}

/**
 * Grants `sts:AssumeRole` on exactly the source read roles: `<prefix>-<region>` of each listed account and
 * region, and for an organization the same names in any account whose owning organization is that one
 * (`aws:ResourceOrgID`). Nothing else is assumable through this grant.
 * @example grantAssumeSourceReadRoles(query, { sourceAccounts: ['222233334444'], organizationId: undefined, sourceRegions: ['us-west-2'], readRolePrefix: 'tracer-read' })
 */
export function grantAssumeSourceReadRoles(grantee: Grantee, scope: SourceReadScope): void {
  const stack = Stack.of(grantee.role);
  const roleArn = (account: string, region: string) =>
    stack.formatArn({
      service: 'iam',
      region: '',
      account,
      resource: 'role',
      resourceName: readRoleName(scope.readRolePrefix, region),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  if (scope.sourceAccounts.length > 0) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['sts:AssumeRole'],
      resourceArns: scope.sourceAccounts.flatMap((account) =>
        scope.sourceRegions.map((region) => roleArn(account, region)),
      ),
    });
  }
  if (scope.organizationId !== undefined) {
    const anyMember = scope.sourceRegions.map((region) => roleArn('*', region));
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: anyMember,
        conditions: { StringEquals: { 'aws:ResourceOrgID': scope.organizationId } },
      }),
    );
    acknowledgeWildcards(
      grantee.role,
      anyMember,
      "the organization's accounts are not listed at deploy time; aws:ResourceOrgID keeps the grant to the read roles of the organization's own accounts",
    );
  }
}
