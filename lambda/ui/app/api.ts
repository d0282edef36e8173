/**
 * The page's calls to its own server, in the trace API's shape: same origin, GET only, no credentials of
 * any kind (local mode has none; `tracer ui` signs on the server side).
 */
import type { ClusterListResponse, TaskListResponse, TraceResponse } from '../../core/api-types.js';
import { queryString, tracePath } from './trace-paths.js';

/** An answer that was not 2xx, with tracer's error message when the body carries one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A 409 `AmbiguousCluster`'s clusters, to pick from. */
    readonly clusterArns?: readonly string[],
  ) {
    super(message);
  }
}

/** The header of a trace answer that carries its `nextCursor`, ahead of the body. */
const NEXT_CURSOR_HEADER = 'X-Tracer-Next-Cursor';

function request(path: string, signal?: AbortSignal): Promise<Response> {
  // No headers of its own: the first trace page must match the request that the page's HTML preloads.
  return fetch(path, { credentials: 'same-origin', ...(signal ? { signal } : {}) });
}

async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let arns: string[] | undefined;
    try {
      const body = JSON.parse(text) as { error?: { message?: string; clusterArns?: string[] } };
      if (body.error?.message) message = body.error.message;
      arns = body.error?.clusterArns;
    } catch {
      // Not tracer's JSON error: the status line says enough.
    }
    throw new ApiError(response.status, message, arns);
  }
  return JSON.parse(text) as T;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return readJson<T>(await request(path, signal));
}

const enc = encodeURIComponent;

export { queryString };

export const listClusters = (): Promise<ClusterListResponse> => getJson('/clusters');

export const listTasks = (
  cluster: string,
  filters: Readonly<Record<string, string | undefined>>,
): Promise<TaskListResponse> => getJson(`/clusters/${enc(cluster)}/tasks${queryString(filters)}`);

export { tracePath };

export const getTracePage = (
  cluster: string,
  task: string,
  query: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<TraceResponse> => getJson(tracePath(cluster, task, { ...query, format: 'json' }), signal);

/** A trace page whose headers have arrived: the next page's cursor, when the header says it, and the page. */
export interface OpenedTracePage {
  readonly nextCursor?: string;
  readonly page: Promise<TraceResponse>;
}

/**
 * Asks for a trace page and resolves as soon as its headers arrive, so that the next page can be asked
 * for while this one's body is still read and parsed.
 * @example const { nextCursor, page } = await openTracePage('default', task, { cursor });
 */
export async function openTracePage(
  cluster: string,
  task: string,
  query: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<OpenedTracePage> {
  const response = await request(tracePath(cluster, task, { ...query, format: 'json' }), signal);
  const nextCursor = response.ok ? response.headers.get(NEXT_CURSOR_HEADER) : null;
  return { ...(nextCursor ? { nextCursor } : {}), page: readJson<TraceResponse>(response) };
}
