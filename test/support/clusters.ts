import type { ClusterId } from '../../lambda/core/cluster-id.js';

/** The account and region the tests' own clusters live in. */
export const TEST_HOME = { account: '123456789012', region: 'us-east-1' } as const;

/**
 * A cluster of the tests' home account and region; the in-memory fakes find tasks by name alone.
 * @example clusterNamed('prod') // { account: '123456789012', region: 'us-east-1', name: 'prod' }
 */
export function clusterNamed(
  name: string,
  scope: { account: string; region: string } = TEST_HOME,
): ClusterId {
  return { account: scope.account, region: scope.region, name };
}

/** The clusters of the recorded fixture events, as the recorder keys them (account and region from the event). */
export const FIXTURE_CLUSTERS = {
  /** The reference tasks and the local samples. */
  default: { account: '123456789012', region: 'ap-northeast-1', name: 'default' },
  /** The AWS documentation's service events. */
  defaultUsWest2: { account: '111122223333', region: 'us-west-2', name: 'default' },
  FargateCluster: { account: '111122223333', region: 'us-west-2', name: 'FargateCluster' },
  /** A ten-digit account in the event: the cluster ARN is not well formed, so the event's own fields count. */
  Features: { account: '0123456789', region: 'eu-west-1', name: 'Features' },
  test: { account: '111111111111', region: 'eu-central-1', name: 'test' },
} as const satisfies Record<string, ClusterId>;
