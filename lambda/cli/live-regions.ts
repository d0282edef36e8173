/**
 * `--live` across regions: ECS and CloudWatch Logs answer for one region, so each cluster is read in its
 * own — a cluster ARN's region, else `--region`'s (or the profile's) — by a live source made for that
 * region on first use. The account is always the credentials' own.
 */
import type {
  ClusterListResponse,
  TaskListResponse,
  TaskSummaryResponse,
  TraceResponse,
} from '../core/api-types.js';
import type { ClusterRef } from '../core/cluster-id.js';
import type { ClusterListFilter, TaskListFilters, TraceRequest, TracerSource, TraceText } from './source.js';

/** Makes the live source of a region; `undefined` is the region the settings or profile give. */
export type RegionalSourceFactory = (region: string | undefined) => TracerSource;

export class RegionRoutedSource implements TracerSource {
  readonly description: string;
  private readonly sources = new Map<string, TracerSource>();

  /**
   * @param create the live source of one region
   * @param defaultRegion `--region`, the region of a cluster named without one
   * @example const source = new RegionRoutedSource((region) => LiveSource.create({ region }), 'eu-west-1');
   */
  constructor(
    private readonly create: RegionalSourceFactory,
    private readonly defaultRegion?: string,
  ) {
    this.description = this.sourceFor(undefined).description;
  }

  listClusters(filter: ClusterListFilter = {}): Promise<ClusterListResponse> {
    return this.sourceFor(filter.region).listClusters(filter);
  }

  listTasks(cluster: ClusterRef, filters?: TaskListFilters): Promise<TaskListResponse> {
    return this.sourceFor(cluster.region).listTasks(cluster, filters);
  }

  getTask(cluster: ClusterRef, task: string): Promise<TaskSummaryResponse> {
    return this.sourceFor(cluster.region).getTask(cluster, task);
  }

  getTraceText(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceText> {
    return this.sourceFor(cluster.region).getTraceText(cluster, task, request);
  }

  getTraceJson(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceResponse> {
    return this.sourceFor(cluster.region).getTraceJson(cluster, task, request);
  }

  close(): void {
    for (const source of this.sources.values()) source.close();
    this.sources.clear();
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
