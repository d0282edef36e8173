import { Token } from 'aws-cdk-lib';
import { DEFAULT_READ_ROLE_PREFIX } from '../../lambda/config/env.js';
import {
  CONTAINER_INSTANCE_DETAIL_TYPE,
  DEPLOYMENT_DETAIL_TYPE,
  EC2_INSTANCE_DETAIL_TYPES,
  TASK_DETAIL_TYPES,
} from './task-state-recorder.js';

/**
 * What the central stack and the source stacks agree on by name, because neither can import the other's
 * resources: they live in other accounts and regions, and a StackSet template cannot take references.
 */

/** The central account's event bus that source accounts forward to, one per account and region. */
export const CENTRAL_BUS_NAME = 'tracer';

export { DEFAULT_READ_ROLE_PREFIX };

/** The central functions that read source accounts, and so the roles a source's read role trusts. */
export const CENTRAL_READERS = ['recorder', 'query', 'notifier'] as const;
export type CentralReader = (typeof CENTRAL_READERS)[number];

/** Event sources and detail types tracer records: what a source forwards and the central bus accepts. */
export const FORWARDED_SOURCES = ['aws.ecs', 'aws.ec2'] as const;
export const FORWARDED_DETAIL_TYPES = [
  ...TASK_DETAIL_TYPES,
  DEPLOYMENT_DETAIL_TYPE,
  CONTAINER_INSTANCE_DETAIL_TYPE,
  ...EC2_INSTANCE_DETAIL_TYPES,
] as const;

/**
 * The name of a central function's role when sources are configured: `tracer-<function>-<region>`. IAM role
 * names are global per account, so the region keeps two central stacks of one account (in two regions) apart,
 * and source read roles can name exactly these three roles in their trust policy.
 * @example centralRoleName('query', 'eu-west-1') // 'tracer-query-eu-west-1'
 */
export function centralRoleName(reader: CentralReader, region: string): string {
  return `${CENTRAL_BUS_NAME}-${reader}-${region}`;
}

/**
 * The read role of one source region: `<prefix>-<region>`. A source stack is deployed per account and region
 * while IAM names are global per account, hence the region in the name.
 * @example readRoleName('tracer-read', 'us-west-2') // 'tracer-read-us-west-2'
 */
export function readRoleName(prefix: string, region: string): string {
  return `${prefix}-${region}`;
}

const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** IAM role names are at most 64 characters; the longest region name (ap-southeast-5, 14) and a hyphen follow. */
const READ_ROLE_PREFIX = /^[\w+=,.@-]{1,48}$/;

/**
 * Checks a list of AWS account ids (12 digits each); duplicates are dropped.
 * @throws Error naming the property and the value that is not an account id.
 */
export function validateAccountIds(property: string, accounts: readonly string[]): string[] {
  if (accounts.length === 0) {
    throw new Error(`${property} must name at least one account when set; leave it out for none`);
  }
  for (const account of accounts) {
    if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account)) {
      throw new Error(`${property} must hold 12-digit AWS account ids, got "${account}"`);
    }
  }
  return [...new Set(accounts)];
}

/**
 * Checks an AWS Organizations id (`o-` and 10 to 32 lowercase letters or digits).
 * @throws Error naming the property and the value.
 */
export function validateOrganizationId(property: string, organizationId: string): string {
  if (!Token.isUnresolved(organizationId) && !ORGANIZATION_ID.test(organizationId)) {
    throw new Error(
      `${property} must be an AWS Organizations id (o- and 10 to 32 lowercase letters or digits), got "${organizationId}"`,
    );
  }
  return organizationId;
}

/** The accounts that send to the central tracer: listed ones, or the members of an organization. */
export interface EventSources {
  /** Checked account ids; empty when none are listed. */
  readonly accounts: string[];
  readonly organizationId: string | undefined;
}

/**
 * Checks the `sourceAccounts` and `organizationId` properties, either of which may be left out.
 * @throws Error naming the property and the value that is wrong.
 */
export function validateEventSources(props: {
  readonly sourceAccounts?: readonly string[];
  readonly organizationId?: string;
}): EventSources {
  return {
    accounts:
      props.sourceAccounts === undefined ? [] : validateAccountIds('sourceAccounts', props.sourceAccounts),
    organizationId:
      props.organizationId === undefined
        ? undefined
        : validateOrganizationId('organizationId', props.organizationId),
  };
}

/**
 * Checks a list of region names; duplicates are dropped.
 * @throws Error naming the property and the value that is not a region.
 */
export function validateRegions(property: string, regions: readonly string[]): string[] {
  if (regions.length === 0) {
    throw new Error(`${property} must name at least one region when set; leave it out for the stack's own`);
  }
  for (const region of regions) {
    if (!Token.isUnresolved(region) && !REGION.test(region)) {
      throw new Error(`${property} must hold AWS region names such as eu-west-1, got "${region}"`);
    }
  }
  return [...new Set(regions)];
}

/**
 * Checks a read role name prefix: IAM name characters, short enough for `-<region>` to follow.
 * @throws Error naming the property, the limit and the value.
 */
export function validateReadRolePrefix(property: string, prefix: string): string {
  if (!Token.isUnresolved(prefix) && !READ_ROLE_PREFIX.test(prefix)) {
    throw new Error(
      `${property} must be 1 to 48 IAM name characters (letters, digits, + = , . @ _ -), so that -<region> fits in 64, got "${prefix}"`,
    );
  }
  return prefix;
}
