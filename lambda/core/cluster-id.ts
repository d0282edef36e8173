/**
 * Which cluster a record belongs to. Cluster names are unique only within one account and region, so a
 * cluster is identified by all three: two clusters named `prod` in two accounts never share a key, a
 * listing or a cursor. Stored keys use `clusterScope` (`<account>:<region>:<name>`); a cluster name may
 * not contain `:`, so a key segment without one was written before accounts were recorded and belongs
 * to the stack's own account and region (`home`).
 */
import { InvalidInputError, TracerError } from './errors.js';

export interface ClusterId {
  readonly account: string;
  readonly region: string;
  readonly name: string;
}

/** The account and region a deployment runs in: where records without an account or region belong. */
export interface HomeScope {
  readonly account: string;
  readonly region: string;
}

/** What a caller named: a cluster name, narrowed by account and region when given (a cluster ARN gives both). */
export interface ClusterRef {
  readonly name: string;
  readonly account?: string;
  readonly region?: string;
}

/**
 * The home account of a deployment that was not told its own (TRACER_HOME_ACCOUNT unset, a function
 * deployed by hand): records without an account are then listed under it rather than dropped.
 */
export const UNKNOWN_HOME_ACCOUNT = '000000000000';

/** The home of a process that knows neither its account nor its region (outside Lambda, a test). */
export const UNKNOWN_HOME: HomeScope = { account: UNKNOWN_HOME_ACCOUNT, region: 'us-east-1' };

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const CLUSTER_ARN = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;

export function isAccountId(text: string): boolean {
  return ACCOUNT.test(text);
}

export function isRegionName(text: string): boolean {
  return REGION.test(text);
}

/**
 * The ARN partition of a region: China and GovCloud regions have their own.
 * @example partitionOfRegion('cn-north-1') === 'aws-cn'
 */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** @example clusterArn({ account: '123456789012', region: 'us-east-1', name: 'prod' }) === 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' */
export function clusterArn(id: ClusterId): string {
  return `arn:${partitionOfRegion(id.region)}:ecs:${id.region}:${id.account}:cluster/${id.name}`;
}

/** The cluster of a cluster ARN, or undefined for any other text. */
export function clusterIdOfArn(arn: string): ClusterId | undefined {
  const m = CLUSTER_ARN.exec(arn.trim());
  if (!m) return undefined;
  return { account: m[3] as string, region: m[2] as string, name: m[4] as string };
}

/**
 * The cluster of a task's event: its cluster ARN names account, region and name; without a well-formed
 * one (a name ECS does not allow), the account and region the event came from.
 * @example clusterIdOfTask(transition) // { account: transition.account, region: transition.region, name: transition.clusterName }
 */
export function clusterIdOfTask(task: {
  readonly account: string;
  readonly region: string;
  readonly clusterName: string;
  readonly clusterArn?: string;
}): ClusterId {
  const fromArn = task.clusterArn === undefined ? undefined : clusterIdOfArn(task.clusterArn);
  return fromArn?.name === task.clusterName
    ? fromArn
    : { account: task.account, region: task.region, name: task.clusterName };
}

/** The cluster of `name` in `home`: what a caller that knows only a name means until names are resolved. */
export function homeCluster(home: HomeScope, name: string): ClusterId {
  return { account: home.account, region: home.region, name };
}

/** The key segment of a cluster in stored keys. */
export function clusterScope(id: ClusterId): string {
  return `${id.account}:${id.region}:${id.name}`;
}

/**
 * The cluster of a stored key segment. A bare name was recorded before accounts were: it is `home`'s.
 * @example parseClusterScope('prod', home) // { ...home, name: 'prod' }
 */
export function parseClusterScope(scope: string, home: HomeScope): ClusterId {
  const parts = scope.split(':');
  // A cluster name has no `:`, so three parts are always a scope, whatever the event called its account.
  if (parts.length === 3) {
    return { account: parts[0] as string, region: parts[1] as string, name: parts[2] as string };
  }
  return { account: home.account, region: home.region, name: scope };
}

/**
 * Whether a cluster is in the stack's own account and region: only there can records without an account
 * or region exist, and only there do the functions read with their own credentials. No home, no cluster.
 */
export function isHomeCluster(cluster: HomeScope, home: HomeScope | undefined): boolean {
  return home !== undefined && cluster.account === home.account && cluster.region === home.region;
}

export function sameCluster(a: ClusterId, b: ClusterId): boolean {
  return a.account === b.account && a.region === b.region && a.name === b.name;
}

/** Whether a known cluster is one the caller may have meant. */
export function matchesRef(id: ClusterId, ref: ClusterRef): boolean {
  return (
    id.name === ref.name &&
    (ref.account === undefined || id.account === ref.account) &&
    (ref.region === undefined || id.region === ref.region)
  );
}

/** A cluster name that more than one recorded cluster carries; the caller must pick one by ARN or filters. */
export class AmbiguousClusterError extends TracerError {
  constructor(
    readonly clusterName: string,
    readonly arns: readonly string[],
  ) {
    super(
      `cluster ${clusterName} is ambiguous: ${arns.length} recorded clusters carry that name (${arns.join(', ')}); give the cluster ARN, or the account and region`,
    );
  }
}

/**
 * The one cluster a reference names among the recorded ones. A reference that names account and region
 * needs no lookup; a bare name that no recorded cluster carries falls back to `home` (so that a task ECS
 * still knows can be traced before it is recorded).
 * @throws AmbiguousClusterError when several recorded clusters match.
 */
export function resolveCluster(ref: ClusterRef, known: readonly ClusterId[], home: HomeScope): ClusterId {
  if (ref.account !== undefined && ref.region !== undefined) {
    return { account: ref.account, region: ref.region, name: ref.name };
  }
  const matches = known.filter((id) => matchesRef(id, ref));
  if (matches.length === 1) return matches[0] as ClusterId;
  if (matches.length > 1) {
    throw new AmbiguousClusterError(ref.name, matches.map(clusterArn).sort());
  }
  return { account: ref.account ?? home.account, region: ref.region ?? home.region, name: ref.name };
}

/**
 * An account filter as given (`--account`, `account=`).
 * @throws InvalidInputError naming `name`.
 */
export function parseAccountId(input: string, name = 'account'): string {
  const text = input.trim();
  if (!ACCOUNT.test(text))
    throw new InvalidInputError(`${name}: "${input}" is not an AWS account id (12 digits)`);
  return text;
}

/**
 * A region filter as given (`--region`, `region=`).
 * @throws InvalidInputError naming `name`.
 */
export function parseRegionName(input: string, name = 'region'): string {
  const text = input.trim();
  if (!REGION.test(text))
    throw new InvalidInputError(`${name}: "${input}" is not an AWS region (like us-east-1)`);
  return text;
}
