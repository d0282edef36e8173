/**
 * What the tests of `tracer ui`'s server share: a source that records what it was asked, and a request
 * with exactly the headers given.
 */
import { request } from 'node:http';
import type {
  ClusterListFilter,
  TaskListFilters,
  TraceRequest,
  TracerSource,
} from '../../lambda/cli/source.js';
import type { TaskListResponse, TraceResponse } from '../../lambda/core/api-types.js';
import type { ClusterRef } from '../../lambda/core/cluster-id.js';

export const TASK = '9f654c76cde14c7c85cf54dce087658a';

/** A source that records what it was asked and answers from small fixtures. */
export class RecordingSource implements TracerSource {
  readonly description = 'the recording source';
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  failWith?: unknown;

  private record(method: string, ...args: unknown[]) {
    this.calls.push({ method, args });
    if (this.failWith) throw this.failWith;
  }

  async listClusters(_filter?: ClusterListFilter) {
    this.record('listClusters');
    return {
      clusters: [
        {
          clusterName: 'default',
          account: '123456789012',
          region: 'us-east-1',
          clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
          lastSeenAt: '2021-12-03T00:00:00.000Z',
        },
      ],
    };
  }
  // Records the cluster's name: the page names clusters by name.
  async listTasks(cluster: ClusterRef, filters?: TaskListFilters): Promise<TaskListResponse> {
    this.record('listTasks', cluster.name, filters);
    return { tasks: [] };
  }
  async getTask(cluster: ClusterRef, task: string) {
    this.record('getTask', cluster.name, task);
    return {
      cluster: cluster.name,
      taskId: task,
      taskArn: 'arn',
      lastStatus: 'STOPPED',
      version: 1,
      containers: [],
      source: 'recorded' as const,
    };
  }
  async getTraceText(cluster: ClusterRef, task: string, traceRequest: TraceRequest) {
    this.record('getTraceText', cluster.name, task, traceRequest);
    return { text: '2021-11-26T17:29:15.055Z\tTASK\tCreated\n', nextCursor: 'next' };
  }
  async getTraceJson(cluster: ClusterRef, task: string, traceRequest: TraceRequest): Promise<TraceResponse> {
    this.record('getTraceJson', cluster.name, task, traceRequest);
    const task_ = await this.getTask(cluster, task);
    if (traceRequest.since !== undefined)
      return { task: task_, lines: [], logCalls: 0, sinceCursor: 'since-2' };
    return traceRequest.cursor === undefined
      ? { task: task_, lines: [], logCalls: 0, nextCursor: 'next' }
      : { task: task_, lines: [], logCalls: 0 };
  }
  close() {}
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with exactly these headers (fetch would set Host and Origin itself). */
export function send(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
