/**
 * The HTTP server of local mode: the API as API Gateway serves it, and the write routes (`POST /events`,
 * `/logs`, `/task-definitions`), with one log line per request and a shutdown that answers every request
 * it accepted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDbTaskDefinitionStore } from '../adapters/dynamodb/dynamodb-task-definition-store.js';
import { checkLoopbackRequest } from '../adapters/http/loopback-guard.js';
import type { Logger } from '../config/logger.js';
import { TracerError } from '../core/errors.js';
import type { makeApiHandler } from '../handlers/api.js';
import type { RecorderHandler } from '../handlers/recorder.js';
import { isUiPath, UiAssets } from '../ui/host/ui-assets.js';
import type { Clock } from '../use-cases/ports.js';
import type { RecorderCache } from '../use-cases/record-event.js';
import { recordPostedEvents } from './local-event-intake.js';
import {
  BodyTooLargeError,
  closeServer,
  readBody,
  sendError,
  sendJson,
  sendProxyResult,
  toApiGatewayEvent,
} from './local-http.js';
import { answerPostedLogs, checkLogBatches } from './local-log-intake.js';
import type { LocalLogStore } from './local-log-store.js';
import type { RequestLogEntry } from './local-logging.js';
import { InvalidTaskDefinitionError, parseTaskDefinitions } from './task-definition-intake.js';

/** How long a shutdown waits for requests in flight before it cuts their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** What the routes work with. */
export interface RequestContext {
  readonly recorder: RecorderHandler;
  readonly api: ReturnType<typeof makeApiHandler>;
  readonly logs: LocalLogStore;
  readonly taskDefinitions: DynamoDbTaskDefinitionStore;
  readonly cache: RecorderCache;
  readonly logger: Logger;
  readonly logRequest: (entry: RequestLogEntry) => void;
  readonly clock: Clock;
  readonly dataDir: string;
  readonly useAws: boolean;
}

/** A body that is not what the route takes; nothing of it was stored. */
class InvalidBodyError extends TracerError {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidBodyError([`the body is not JSON (${error instanceof Error ? error.message : error})`]);
  }
}

/** What a route tells the request log about the work it did. */
type Details = Record<string, number>;

/** The HTTP server, with the bookkeeping that lets it stop without dropping a request it accepted. */
export class LocalHttp {
  readonly server: Server;
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;
  private readonly ui = new UiAssets();

  constructor(private readonly context: RequestContext) {
    this.server = createServer((request, response) => {
      const work = this.handle(request, response);
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = closeServer(this.server);
    // Keep-alive connections with no request in flight would hold close() open.
    this.server.closeIdleConnections();
    const grace = setTimeout(() => this.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    grace.unref();
    try {
      await Promise.allSettled([...this.inFlight]);
      this.server.closeIdleConnections();
      await closed;
    } finally {
      clearTimeout(grace);
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const details: Details = {};
    try {
      const refusal = checkLoopbackRequest(
        { method, headers: request.headers },
        {
          port: (this.server.address() as AddressInfo).port,
          // JSON Lines is JSON too: `POST /events` takes a file of EventBridge events one per line.
          postContentTypes:
            url.pathname === '/events' ? ['application/json', 'application/x-ndjson'] : ['application/json'],
        },
      );
      if (refusal) sendError(response, refusal.statusCode, refusal.code, refusal.message);
      else await this.route(method, url, request, response, details);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendError(response, 413, 'PayloadTooLarge', error.message, { headers: { Connection: 'close' } });
      } else {
        this.context.logger.error('request failed', { method, path: url.pathname, error });
        if (!response.headersSent)
          sendError(response, 500, 'InternalError', 'internal error; see the server log');
        else response.destroy();
      }
    } finally {
      this.context.logRequest({
        method,
        path: url.pathname,
        statusCode: response.statusCode,
        durationMs: Math.round(performance.now() - startedAt),
        ...(Object.keys(details).length > 0 ? { details } : {}),
      });
    }
  }

  private async route(
    method: string,
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
    details: Details,
  ): Promise<void> {
    if (this.closing) {
      sendError(response, 503, 'Unavailable', 'tracer is shutting down', {
        headers: { Connection: 'close' },
      });
      return;
    }
    // The browser page: the same origin as the API it reads, so it needs no CORS.
    if (isUiPath(url.pathname)) {
      return this.only(method, ['GET', 'HEAD'], response, () =>
        this.ui.answer(url.pathname, method, response, url.search),
      );
    }
    switch (url.pathname) {
      case '/health':
        return this.only(method, ['GET', 'HEAD'], response, () => this.health(response));
      case '/events':
        return this.only(method, ['POST'], response, () => this.postEvents(request, response, details));
      case '/logs':
        return this.only(method, ['POST'], response, () => this.postLogs(request, response, details));
      case '/task-definitions':
        return this.only(method, ['POST'], response, () =>
          this.postTaskDefinitions(request, response, details),
        );
      default:
        sendProxyResult(response, await this.context.api(toApiGatewayEvent(request, url)));
    }
  }

  private async only(
    method: string,
    allowed: readonly string[],
    response: ServerResponse,
    work: () => Promise<void> | void,
  ): Promise<void> {
    if (!allowed.includes(method)) {
      sendError(response, 405, 'MethodNotAllowed', `use ${allowed.join(' or ')}`, {
        headers: { Allow: allowed.join(', ') },
      });
      return;
    }
    await work();
  }

  private health(response: ServerResponse): void {
    sendJson(response, 200, {
      status: 'ok',
      dataDir: this.context.dataDir,
      logs: this.context.useAws ? 'local streams first, then CloudWatch Logs' : 'local log store',
      ...this.context.logs.stats(),
    });
  }

  private async postEvents(request: IncomingMessage, response: ServerResponse, details: Details) {
    const text = await readBody(request);
    if (text.trim() === '') {
      sendError(
        response,
        400,
        'InvalidInput',
        'the body holds no events: send one EventBridge event, a JSON array, or JSON Lines',
      );
      return;
    }
    const { statusCode, body } = await recordPostedEvents(
      { recorder: this.context.recorder, logger: this.context.logger },
      text,
    );
    Object.assign(details, {
      stored: body.stored,
      duplicates: body.duplicates,
      rejected: body.rejected,
      failed: body.failed,
    });
    sendJson(response, statusCode, body);
  }

  private async postLogs(request: IncomingMessage, response: ServerResponse, details: Details) {
    let body: unknown;
    try {
      body = parseJsonBody(await readBody(request));
    } catch (error) {
      if (!(error instanceof InvalidBodyError)) throw error;
      sendError(response, 400, 'InvalidInput', 'the log batch was not stored', { details: error.problems });
      return;
    }
    if (Array.isArray(body) && body.length === 0) {
      sendError(response, 400, 'InvalidInput', 'the body is an empty array: it holds no log streams');
      return;
    }
    const checked = checkLogBatches(body, this.context.clock.nowMs());
    // Refused streams stored nothing; the others are stored whole, before the answer says so.
    if (checked.accepted.length > 0) await this.context.logs.append(checked.accepted);
    const { statusCode, body: answer } = answerPostedLogs(checked.results);
    Object.assign(details, {
      storedLogEvents: answer.stored.logEvents,
      rejectedLogStreams: answer.rejected.logStreams,
    });
    sendJson(response, statusCode, answer);
  }

  private async postTaskDefinitions(request: IncomingMessage, response: ServerResponse, details: Details) {
    let infos: ReturnType<typeof parseTaskDefinitions>;
    try {
      const describedAt = new Date(this.context.clock.nowMs()).toISOString();
      infos = parseTaskDefinitions(parseJsonBody(await readBody(request)), describedAt);
    } catch (error) {
      if (!(error instanceof InvalidBodyError || error instanceof InvalidTaskDefinitionError)) throw error;
      sendError(response, 400, 'InvalidInput', 'the task definitions were not stored', {
        details: error.problems,
      });
      return;
    }
    for (const info of infos) {
      await this.context.taskDefinitions.putTaskDefinition(info);
      // The recorder would otherwise keep using what it knew of the revision until tomorrow.
      this.context.cache.taskDefinitions.delete(info.taskDefinitionArn);
    }
    details.taskDefinitions = infos.length;
    sendJson(response, 200, { stored: infos.map((info) => info.taskDefinitionArn) });
  }
}
