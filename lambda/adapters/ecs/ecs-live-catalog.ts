import {
  DescribeTasksCommand,
  type DesiredStatus,
  type ECSClient,
  ListClustersCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { arnToName } from '../../core/arn.js';
import { AccessDeniedError, TracerError } from '../../core/errors.js';
import type { TaskSummary } from '../../core/model.js';
import { toTaskSummary } from './ecs-live-task-source.js';

/** ECS does not know the cluster in this region. */
export class EcsClusterNotFoundError extends TracerError {
  constructor(
    readonly cluster: string,
    options?: { cause?: unknown },
  ) {
    super(`ECS has no cluster ${cluster} in this region; check CLUSTER and --region`, options);
  }
}

/** DescribeTasks takes at most 100 tasks a call. */
export const DESCRIBE_TASKS_BATCH = 100;
/** ListTasks and ListClusters return at most 100 a page. */
const PAGE_SIZE = 100;
/** ListTasks covers what ECS remembers: running and pending tasks, and tasks stopped within about an hour. */
const LISTED_STATUSES: readonly DesiredStatus[] = ['RUNNING', 'PENDING', 'STOPPED'];

export interface EcsLiveCatalogOptions {
  readonly client: ECSClient;
  /**
   * Tasks read per cluster at most, so that a huge cluster still answers quickly.
   * @default 5,000
   */
  readonly maxTasks?: number;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/**
 * What ECS itself knows right now: its clusters and their tasks, as the original tracer listed them.
 * For `--live`, which needs no tracer stack.
 */
export class EcsLiveCatalog {
  private readonly maxTasks: number;

  constructor(private readonly options: EcsLiveCatalogOptions) {
    this.maxTasks = options.maxTasks ?? 5_000;
  }

  /**
   * The names of the region's clusters (ListClusters, every page).
   * @throws AccessDeniedError when the caller may not call ecs:ListClusters.
   */
  async listClusterNames(): Promise<string[]> {
    return (await this.listClusterArns()).map(arnToName).sort();
  }

  /** The ARNs of the account's clusters in the client's region, which name the account and region too. */
  async listClusterArns(): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ecs:ListClusters', () =>
        this.options.client.send(
          new ListClustersCommand({ maxResults: PAGE_SIZE, ...(nextToken ? { nextToken } : {}) }),
        ),
      );
      arns.push(...(page.clusterArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns.sort();
  }

  /**
   * The cluster's running, pending and recently stopped tasks (ListTasks for each desired status, then
   * DescribeTasks in batches of 100), newest first by createdAt.
   * @throws EcsClusterNotFoundError, AccessDeniedError.
   */
  async listTasks(clusterName: string): Promise<TaskSummary[]> {
    const arns = new Set<string>();
    for (const desiredStatus of LISTED_STATUSES) {
      let nextToken: string | undefined;
      do {
        const page = await this.call(
          'ecs:ListTasks',
          () =>
            this.options.client.send(
              new ListTasksCommand({
                cluster: clusterName,
                desiredStatus,
                maxResults: PAGE_SIZE,
                ...(nextToken ? { nextToken } : {}),
              }),
            ),
          clusterName,
        );
        for (const arn of page.taskArns ?? []) arns.add(arn);
        nextToken = arns.size < this.maxTasks ? page.nextToken : undefined;
      } while (nextToken);
    }
    const all = [...arns].slice(0, this.maxTasks);
    const summaries: TaskSummary[] = [];
    for (let start = 0; start < all.length; start += DESCRIBE_TASKS_BATCH) {
      const batch = all.slice(start, start + DESCRIBE_TASKS_BATCH);
      const answer = await this.call(
        'ecs:DescribeTasks',
        () => this.options.client.send(new DescribeTasksCommand({ cluster: clusterName, tasks: batch })),
        clusterName,
      );
      // Tasks that stopped between the two calls come back as failures (MISSING) and are left out.
      for (const task of answer.tasks ?? []) {
        const summary = toTaskSummary(task, clusterName);
        if (summary) summaries.push(summary);
      }
    }
    const createdMs = (s: TaskSummary) => (s.createdAt ? Date.parse(s.createdAt) : 0);
    return summaries.sort((a, b) => createdMs(b) - createdMs(a));
  }

  private async call<T>(action: string, send: () => Promise<T>, clusterName?: string): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const name = errorName(error);
      if (name === 'ClusterNotFoundException' && clusterName !== undefined) {
        throw new EcsClusterNotFoundError(clusterName, { cause: error });
      }
      if (name === 'AccessDeniedException') {
        throw new AccessDeniedError(`access denied by ECS: the caller needs ${action}`, { cause: error });
      }
      throw error;
    }
  }
}
