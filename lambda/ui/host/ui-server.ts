/**
 * `tracer ui`'s HTTP server on loopback: the page under `/ui/`, and the page's API calls (`/clusters...`,
 * the trace API's paths) answered from the CLI's source. The source signs its requests with the user's
 * credentials inside this process; the page never sees them.
 *
 * Only the page may use it: the Host must be a loopback name with this port (421 otherwise, against DNS
 * rebinding), a request from another origin is refused (403), only GET and HEAD are answered (405), and
 * there are no CORS headers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiResponseError } from '../../adapters/http/api-errors.js';
import { describeFailure } from '../../cli/errors.js';
import type { TaskListFilters, TraceRequest, TracerSource } from '../../cli/source.js';
import { parseDuration } from '../../core/duration.js';
import { InvalidInputError, TaskNotFoundError } from '../../core/errors.js';
import { DEFAULT_LOG_WINDOW_MS } from '../../core/log-windows.js';
import { parseCluster, parseTask } from '../../core/request/params.js';
import { isUiPath, UI_PREFIX, UiAssets } from './ui-assets.js';

/** The header that carries the next page's cursor of a text trace, as the API sends it. */
const NEXT_CURSOR_HEADER = 'X-Tracer-Next-Cursor';

const QUERY: Readonly<Record<'clusters' | 'tasks' | 'task' | 'trace', readonly string[]>> = {
  clusters: [],
  tasks: ['status', 'failed', 'since', 'until', 'limit', 'cursor'],
  task: [],
  trace: ['duration', 'full', 'cursor', 'tz', 'format', 'limit', 'since'],
};

export interface UiServerOptions {
  readonly source: TracerSource;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default the built page */
  readonly assets?: UiAssets;
}

export interface UiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = Buffer.from(JSON.stringify(body), 'utf8');
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(text.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, code: string, message: string, headers = {}) {
  sendJson(response, status, { error: { code, message } }, headers);
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Why a request may not be answered, or undefined when it may: the Host must be a loopback name with
 * `port`, and a browser must say the request comes from this origin.
 * @example refusal({ host: 'evil.example:8788' }, 8788)?.status === 421
 */
export function refusal(
  headers: IncomingMessage['headers'],
  port: number,
): { status: number; code: string; message: string } | undefined {
  const host = (headers.host ?? '').toLowerCase();
  if (!LOOPBACK_NAMES.some((name) => host === `${name}:${port}`)) {
    return {
      status: 421,
      code: 'MisdirectedRequest',
      message: `this server answers only http://127.0.0.1:${port} and http://localhost:${port}`,
    };
  }
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return { status: 403, code: 'Forbidden', message: 'requests from other origins are refused' };
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, code: 'Forbidden', message: 'requests from other sites are refused' };
  }
  return undefined;
}

function queryOf(url: URL, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!allowed.includes(name)) {
      throw new InvalidInputError(
        allowed.length === 0
          ? `unknown query parameter "${name}": this route takes none`
          : `unknown query parameter "${name}"; this route takes ${allowed.join(', ')}`,
      );
    }
    if (value !== '') params.set(name, value);
  }
  return params;
}

function positiveInteger(params: Map<string, string>, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1) {
    throw new InvalidInputError(`${name}: expected a positive integer, got "${value}"`);
  }
  return Number(value);
}

function booleanOf(params: Map<string, string>, name: string): boolean {
  const value = params.get(name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new InvalidInputError(`${name}: expected true or false, got "${value}"`);
}

function traceRequest(params: Map<string, string>): TraceRequest {
  const duration = params.get('duration');
  let durationMs = DEFAULT_LOG_WINDOW_MS;
  if (duration !== undefined) {
    try {
      durationMs = parseDuration(duration);
    } catch (error) {
      throw new InvalidInputError(`duration: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const limit = positiveInteger(params, 'limit');
  const cursor = params.get('cursor');
  const tz = params.get('tz');
  const since = params.get('since');
  return {
    durationMs,
    ...(booleanOf(params, 'full') ? { full: true } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
    ...(tz !== undefined ? { tz } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(since !== undefined ? { since } : {}),
  };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidInputError(`"${segment}" is not valid URL encoding`);
  }
}

/** Answers one of the trace API's paths from the source. */
async function answerApi(source: TracerSource, url: URL, response: ServerResponse): Promise<void> {
  const parts = url.pathname
    .split('/')
    .filter((part) => part !== '')
    .map(decode);
  const [, clusterArg, tasks, taskArg, trace] = parts;
  const cluster = clusterArg === undefined ? undefined : parseCluster(clusterArg);
  if (parts.length === 1) {
    queryOf(url, QUERY.clusters);
    return sendJson(response, 200, await source.listClusters());
  }
  if (cluster !== undefined && tasks === 'tasks' && parts.length === 3) {
    const params = queryOf(url, QUERY.tasks);
    const limit = positiveInteger(params, 'limit');
    const filters: TaskListFilters = {
      ...(params.has('status') ? { status: params.get('status')?.toUpperCase() } : {}),
      ...(booleanOf(params, 'failed') ? { failed: true } : {}),
      ...(params.has('since') ? { since: params.get('since') } : {}),
      ...(params.has('until') ? { until: params.get('until') } : {}),
      ...(params.has('cursor') ? { cursor: params.get('cursor') } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
    return sendJson(response, 200, await source.listTasks(cluster, filters));
  }
  if (cluster !== undefined && tasks === 'tasks' && taskArg !== undefined && parts.length === 4) {
    queryOf(url, QUERY.task);
    return sendJson(response, 200, await source.getTask(cluster, parseTask(taskArg, cluster)));
  }
  if (
    cluster !== undefined &&
    tasks === 'tasks' &&
    taskArg !== undefined &&
    trace === 'trace' &&
    parts.length === 5
  ) {
    const params = queryOf(url, QUERY.trace);
    const request = traceRequest(params);
    const format = params.get('format') ?? 'text';
    const task = parseTask(taskArg, cluster);
    if (format === 'json') return sendJson(response, 200, await source.getTraceJson(cluster, task, request));
    if (format !== 'text') throw new InvalidInputError(`format: expected json or text, got "${format}"`);
    // The text page has no place for the next since cursor; the page polls in JSON.
    if (request.since !== undefined) {
      throw new InvalidInputError('since: answered here in JSON only; add format=json');
    }
    const page = await source.getTraceText(cluster, task, request);
    const body = Buffer.from(page.text, 'utf8');
    response.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...(page.nextCursor ? { [NEXT_CURSOR_HEADER]: page.nextCursor } : {}),
    });
    response.end(body);
    return;
  }
  sendError(response, 404, 'NotFound', `no route for ${url.pathname.slice(0, 200)}`);
}

/** The source's failure as the API would have answered it; nothing about credentials is in these. */
function answerFailure(error: unknown, response: ServerResponse) {
  if (error instanceof ApiResponseError)
    return sendError(response, error.status, error.code, error.apiMessage);
  if (error instanceof InvalidInputError) return sendError(response, 400, 'InvalidInput', error.message);
  if (error instanceof TaskNotFoundError) return sendError(response, 404, 'NotFound', error.message);
  sendError(response, 502, 'SourceFailed', describeFailure(error).message);
}

/**
 * Starts `tracer ui`'s server and resolves once it listens.
 * @example const server = await startUiServer({ source, port: 0 }); console.log(`${server.url}/ui/`);
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const assets = options.assets ?? new UiAssets();
  const host = options.host ?? '127.0.0.1';
  let port = options.port;
  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) answerFailure(error, response);
      else response.destroy();
    });
  });
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    const refused = refusal(request.headers, port);
    if (refused) return sendError(response, refused.status, refused.code, refused.message);
    if (method !== 'GET' && method !== 'HEAD') {
      return sendError(response, 405, 'MethodNotAllowed', 'use GET', { Allow: 'GET, HEAD' });
    }
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/') {
      response.writeHead(308, { Location: UI_PREFIX, 'Content-Length': '0' });
      response.end();
      return;
    }
    if (isUiPath(url.pathname)) return assets.answer(url.pathname, method, response, url.search);
    if (url.pathname === '/clusters' || url.pathname.startsWith('/clusters/')) {
      return answerApi(options.source, url, response);
    }
    sendError(
      response,
      404,
      'NotFound',
      `no route for ${url.pathname.slice(0, 200)}; the page is at ${UI_PREFIX}`,
    );
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
