/**
 * `--live` across regions: ECS and CloudWatch Logs answer for one region, so each cluster is read in its
 * own — a cluster ARN's region, else `--region`'s (or the profile's) — by a live source made for that
 * region on first use. The account is always the credentials' own: a cluster of another account is refused
 * with a message that says so, rather than looked up by name in the wrong account.
 */
import type {
  ClusterListResponse,
  TaskListResponse,
  TaskSummaryResponse,
  TraceResponse,
} from '../core/api-types.js';
import type { ClusterRef } from '../core/cluster-id.js';
import { InvalidInputError } from '../core/errors.js';
import type { ClusterListFilter, TaskListFilters, TraceRequest, TracerSource, TraceText } from './source.js';

/** Makes the live source of a region; `undefined` is the region the settings or profile give. */
export type RegionalSourceFactory = (region: string | undefined) => TracerSource;

export class RegionRoutedSource implements TracerSource {
  readonly description: string;
  private readonly sources = new Map<string, TracerSource>();

  private callerAccountOnce?: Promise<string | undefined>;

  /**
   * @param create the live source of one region
   * @param defaultRegion `--region`, the region of a cluster named without one
   * @param callerAccount the credentials' account; undefined when it cannot be told, and then nothing is refused
   * @example const source = new RegionRoutedSource((region) => LiveSource.create({ region }), 'eu-west-1');
   */
  constructor(
    private readonly create: RegionalSourceFactory,
    private readonly defaultRegion?: string,
    private readonly callerAccount?: () => Promise<string | undefined>,
  ) {
    this.description = this.sourceFor(undefined).description;
  }

  listClusters(filter: ClusterListFilter = {}): Promise<ClusterListResponse> {
    return this.sourceFor(filter.region).listClusters(filter);
  }

  listTasks(cluster: ClusterRef, filters?: TaskListFilters): Promise<TaskListResponse> {
    return this.sourceOf(cluster).then((source) => source.listTasks(cluster, filters));
  }

  getTask(cluster: ClusterRef, task: string): Promise<TaskSummaryResponse> {
    return this.sourceOf(cluster).then((source) => source.getTask(cluster, task));
  }

  getTraceText(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceText> {
    return this.sourceOf(cluster).then((source) => source.getTraceText(cluster, task, request));
  }

  getTraceJson(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceResponse> {
    return this.sourceOf(cluster).then((source) => source.getTraceJson(cluster, task, request));
  }

  close(): void {
    for (const source of this.sources.values()) source.close();
    this.sources.clear();
  }

  /** The source of the cluster's region, once the cluster's account, where named, is the credentials'. */
  private async sourceOf(cluster: ClusterRef): Promise<TracerSource> {
    if (cluster.account !== undefined && this.callerAccount) {
      this.callerAccountOnce ??= this.callerAccount().catch(() => undefined);
      const caller = await this.callerAccountOnce;
      if (caller !== undefined && caller !== cluster.account) {
        throw new InvalidInputError(
          `cluster ${cluster.name} is in account ${cluster.account}, but --live reads with the credentials of account ${caller}: ` +
            'choose a profile of that account with --profile, or read it through the tracer API (--endpoint or --stack)',
        );
      }
    }
    return this.sourceFor(cluster.region);
  }

  private sourceFor(region: string | undefined): TracerSource {
    const chosen = region ?? this.defaultRegion;
    const key = chosen ?? '';
    let source = this.sources.get(key);
    if (!source) {
      source = this.create(chosen);
      this.sources.set(key, source);
    }
    return source;
  }
}
