/**
 * `tracer ui`'s HTTP server on loopback: the page under `/ui/`, and the page's API calls (`/clusters...`,
 * the trace API's paths) answered from the CLI's source. The source signs its requests with the user's
 * credentials inside this process; the page never sees them. Each API request goes through the front door
 * (core/request/api-request.ts) first, so its route, parameters, limits and 400 messages are the API's.
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
import { AmbiguousClusterError } from '../../core/cluster-id.js';
import { InvalidInputError, TaskNotFoundError } from '../../core/errors.js';
import { DEFAULT_TIME_ZONE } from '../../core/format.js';
import {
  type ApiRequest,
  type HttpRequestParts,
  parseApiRequest,
  RouteError,
  type TraceParams,
} from '../../core/request/api-request.js';
import { queryParts } from '../../core/request/query-parts.js';
import { isUiPath, UI_PREFIX, UiAssets } from './ui-assets.js';

/** The header that carries the next page's cursor of a trace, as the API sends it. */
const NEXT_CURSOR_HEADER = 'X-Tracer-Next-Cursor';

export interface UiServerOptions {
  readonly source: TracerSource;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default the built page */
  readonly assets?: UiAssets;
  /**
   * The time that a listing's `since=2h` counts back from, as in the API.
   * @default Date.now
   */
  readonly nowMs?: () => number;
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

/**
 * The parts of a request that the front door reads, as local mode hands them to the API: the path still
 * URL-encoded, each query parameter's last value and all of its values (a repeated one is a 400), and the
 * Accept header that picks a trace's format when `format` is absent.
 */
function requestParts(method: string, url: URL, headers: IncomingMessage['headers']): HttpRequestParts {
  const { query, multiValueQuery } = queryParts(url.searchParams);
  return {
    method,
    path: url.pathname,
    query,
    multiValueQuery,
    headers: headers.accept === undefined ? {} : { accept: headers.accept },
  };
}

/** A listing's parameters as the source takes them: times as ISO 8601, counted from the same now. */
function taskListFilters(request: Extract<ApiRequest, { route: 'tasks' | 'task-changes' }>): TaskListFilters {
  const failed = request.params.failedOnly ? { failed: true } : {};
  if (request.route === 'task-changes') return { since: request.params.since, ...failed };
  const { status, sinceMs, untilMs, cursor, limit } = request.params;
  return {
    ...(status !== undefined ? { status } : {}),
    ...failed,
    ...(sinceMs !== undefined ? { since: new Date(sinceMs).toISOString() } : {}),
    ...(untilMs !== undefined ? { until: new Date(untilMs).toISOString() } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
    limit,
  };
}

/** A trace's parameters as the source takes them; the defaults the source would pick anyway are left out. */
function traceRequest(params: TraceParams): TraceRequest {
  return {
    durationMs: params.durationMs,
    ...(params.full ? { full: true } : {}),
    ...(params.cursor !== undefined ? { cursor: params.cursor } : {}),
    ...(params.timeZone !== DEFAULT_TIME_ZONE ? { tz: params.timeZone } : {}),
    ...(params.limit !== undefined ? { limit: params.limit } : {}),
    ...(params.since !== undefined ? { since: params.since } : {}),
  };
}

/** Answers one of the trace API's requests, parsed by the front door, from the source. */
async function answerApi(source: TracerSource, request: ApiRequest, response: ServerResponse): Promise<void> {
  switch (request.route) {
    case 'clusters':
      return sendJson(response, 200, await source.listClusters(request.filter));
    case 'tasks':
    case 'task-changes':
      return sendJson(
        response,
        200,
        await source.listTasks(request.params.cluster, taskListFilters(request)),
      );
    case 'task':
      return sendJson(response, 200, await source.getTask(request.cluster, request.taskId));
    case 'trace': {
      const { cluster, taskId, format, since } = request.params;
      const traced = traceRequest(request.params);
      if (format === 'json') {
        const page = await source.getTraceJson(cluster, taskId, traced);
        // As the API does: the page asks for the next page once the headers arrive, before the body.
        return sendJson(
          response,
          200,
          page,
          page.nextCursor ? { [NEXT_CURSOR_HEADER]: page.nextCursor } : {},
        );
      }
      // The source's text page has no place for the next since cursor; the page polls in JSON.
      if (since !== undefined) {
        throw new InvalidInputError('since: answered here in JSON only; add format=json');
      }
      const page = await source.getTraceText(cluster, taskId, traced);
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
  }
}

/** The source's failure as the API would have answered it; nothing about credentials is in these. */
function answerFailure(error: unknown, response: ServerResponse) {
  if (error instanceof ApiResponseError)
    return sendError(response, error.status, error.code, error.apiMessage);
  if (error instanceof RouteError) {
    return sendError(
      response,
      error.statusCode,
      error.statusCode === 404 ? 'NotFound' : 'MethodNotAllowed',
      error.message,
    );
  }
  if (error instanceof InvalidInputError) return sendError(response, 400, 'InvalidInput', error.message);
  if (error instanceof TaskNotFoundError) return sendError(response, 404, 'NotFound', error.message);
  // The API's own answer, ARNs included, so that the page can offer each cluster.
  if (error instanceof AmbiguousClusterError) {
    const body = { code: 'AmbiguousCluster', message: error.message, clusterArns: error.arns };
    return sendJson(response, 409, { error: body });
  }
  sendError(response, 502, 'SourceFailed', describeFailure(error).message);
}

/**
 * Starts `tracer ui`'s server and resolves once it listens.
 * @example const server = await startUiServer({ source, port: 0 }); console.log(`${server.url}/ui/`);
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const assets = options.assets ?? new UiAssets();
  const host = options.host ?? '127.0.0.1';
  const nowMs = options.nowMs ?? Date.now;
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
      // The front door of the API, CLI, MCP and local mode: every parameter means the same here.
      const apiRequest = parseApiRequest(requestParts(method, url, request.headers), nowMs());
      return answerApi(options.source, apiRequest, response);
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
