import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_ARN = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;

interface ClusterRef {
  readonly clusterArn: string;
  /** `arn:…:service/<cluster>/`: ECS Deployment State Change events name the service, not the cluster. */
  readonly serviceArnPrefix: string;
  /** `arn:…:task/<cluster>/*` */
  readonly taskArns: string;
  /** `arn:…:service/<cluster>/*` */
  readonly serviceArns: string;
  /** `arn:…:container-instance/<cluster>/*` */
  readonly containerInstanceArns: string;
}

/**
 * The clusters tracer watches: every cluster of the account and region, or the ones a prop lists by name
 * or ARN. It turns the list into EventBridge pattern values and IAM resource ARNs.
 */
export class ClusterScope {
  /**
   * @param clusters cluster names or ARNs; a name that is a token (`cluster.clusterName`) is taken as a name.
   * @example ClusterScope.of(stack, ['prod', 'arn:aws:ecs:eu-west-1:111122223333:cluster/batch'])
   */
  static of(scope: Construct, clusters?: readonly string[]): ClusterScope {
    if (clusters === undefined) return new ClusterScope(scope, undefined);
    if (clusters.length === 0) {
      throw new Error(
        'clusters must name at least one cluster when set; leave it out to watch every cluster',
      );
    }
    const stack = Stack.of(scope);
    const refs = new Map<string, ClusterRef>();
    for (const cluster of clusters) {
      const ref = Token.isUnresolved(cluster) ? fromName(stack, cluster) : fromLiteral(stack, cluster);
      refs.set(ref.clusterArn, ref);
    }
    return new ClusterScope(scope, [...refs.values()]);
  }

  private constructor(
    private readonly scope: Construct,
    private readonly refs: readonly ClusterRef[] | undefined,
  ) {}

  /** True when only some clusters are watched. */
  get isFiltered(): boolean {
    return this.refs !== undefined;
  }

  /** Values for `detail.clusterArn` in an event pattern, or undefined for every cluster. */
  get clusterArns(): string[] | undefined {
    return this.refs?.map((r) => r.clusterArn);
  }

  /** Prefixes of the service ARNs in `resources` of Deployment State Change events, or undefined. */
  get serviceArnPrefixes(): string[] | undefined {
    return this.refs?.map((r) => r.serviceArnPrefix);
  }

  /** Task ARNs that DescribeTasks may read: the watched clusters' tasks, or every task of the account. */
  get taskArns(): string[] {
    return this.refs?.map((r) => r.taskArns) ?? [ecsArn(Stack.of(this.scope), 'task', '*')];
  }

  /** Container instance ARNs that DescribeContainerInstances may read. */
  get containerInstanceArns(): string[] {
    return (
      this.refs?.map((r) => r.containerInstanceArns) ?? [
        ecsArn(Stack.of(this.scope), 'container-instance', '*'),
      ]
    );
  }

  /** Service ARNs that DescribeServices may read. */
  get serviceArns(): string[] {
    return this.refs?.map((r) => r.serviceArns) ?? [ecsArn(Stack.of(this.scope), 'service', '*')];
  }
}

function fromLiteral(stack: Stack, cluster: string): ClusterRef {
  if (CLUSTER_NAME.test(cluster)) return fromName(stack, cluster);
  const match = CLUSTER_ARN.exec(cluster);
  if (match === null) {
    throw new Error(
      `clusters: "${cluster}" is neither a cluster name (1 to 255 letters, digits, hyphens and underscores) nor a cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)`,
    );
  }
  const [, partition, region, account, name] = match;
  const base = `arn:${partition}:ecs:${region}:${account}`;
  return {
    clusterArn: cluster,
    serviceArnPrefix: `${base}:service/${name}/`,
    taskArns: `${base}:task/${name}/*`,
    serviceArns: `${base}:service/${name}/*`,
    containerInstanceArns: `${base}:container-instance/${name}/*`,
  };
}

function fromName(stack: Stack, name: string): ClusterRef {
  return {
    clusterArn: ecsArn(stack, 'cluster', name),
    serviceArnPrefix: `${ecsArn(stack, 'service', name)}/`,
    taskArns: ecsArn(stack, 'task', `${name}/*`),
    serviceArns: ecsArn(stack, 'service', `${name}/*`),
    containerInstanceArns: ecsArn(stack, 'container-instance', `${name}/*`),
  };
}

function ecsArn(stack: Stack, resource: string, resourceName: string): string {
  return stack.formatArn({
    service: 'ecs',
    resource,
    resourceName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
