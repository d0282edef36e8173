/**
 * Which recorded cluster a caller means, and the recorded clusters as `/clusters` lists them.
 *
 * Primary course: a reference that names account and region (a cluster ARN, or a name with both filters)
 * is the cluster itself, with no read. Otherwise the recorded clusters are listed once and the name is
 * resolved among them (core/cluster-id `resolveCluster`): one match is the cluster, several are an
 * `AmbiguousClusterError` that lists their ARNs, none is the stack's own account and region.
 */
import type { ClusterListResponse } from '../core/api-types.js';
import {
  type ClusterId,
  type ClusterRef,
  clusterArn,
  type HomeScope,
  parseClusterScope,
  resolveCluster,
} from '../core/cluster-id.js';
import type { RecordedCluster, TaskHistory } from './ports.js';

export interface ResolveClusterDeps {
  readonly history: Pick<TaskHistory, 'listClusters'>;
  /** The stack's own account and region: where a name that no recorded cluster carries is looked for. */
  readonly home: HomeScope;
}

/** The `account` and `region` filters of a cluster listing. */
export interface ClusterListFilter {
  readonly account?: string;
  readonly region?: string;
}

/** A recorded cluster with its identity; a cluster recorded before accounts were is `home`'s. */
function identityOf(cluster: RecordedCluster, home: HomeScope): ClusterId {
  return parseClusterScope(cluster.clusterName, home);
}

/**
 * The one cluster `ref` names.
 * @throws AmbiguousClusterError when several recorded clusters carry the name within the filters.
 * @example const id = await resolveClusterRef(deps, { name: 'prod', account: '222233334444' });
 */
export async function resolveClusterRef(deps: ResolveClusterDeps, ref: ClusterRef): Promise<ClusterId> {
  if (ref.account !== undefined && ref.region !== undefined) {
    return { account: ref.account, region: ref.region, name: ref.name };
  }
  const recorded = await deps.history.listClusters();
  return resolveCluster(
    ref,
    recorded.map((cluster) => identityOf(cluster, deps.home)),
    deps.home,
  );
}

/**
 * The recorded clusters within the filters, most recently seen first, each with its account, region and
 * ARN so that same-named clusters of two accounts are told apart.
 * @example (await listClusters(deps, { account: '222233334444' })).clusters[0]?.clusterArn
 */
export async function listClusters(
  deps: ResolveClusterDeps,
  filter: ClusterListFilter = {},
): Promise<ClusterListResponse> {
  const recorded = await deps.history.listClusters();
  const rows = recorded
    .map((cluster) => ({ id: identityOf(cluster, deps.home), lastSeenAt: cluster.lastSeenAt }))
    .filter(
      ({ id }) =>
        (filter.account === undefined || id.account === filter.account) &&
        (filter.region === undefined || id.region === filter.region),
    )
    .sort(
      (a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt) || clusterArn(a.id).localeCompare(clusterArn(b.id)),
    );
  return {
    clusters: rows.map(({ id, lastSeenAt }) => ({
      clusterName: id.name,
      account: id.account,
      region: id.region,
      clusterArn: clusterArn(id),
      lastSeenAt,
    })),
  };
}
