/**
 * HTTP plumbing of the local server: a request becomes the API Gateway REST proxy event that the API
 * Lambda receives in AWS, and the Lambda's answer becomes the HTTP response.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { TracerError } from '../core/errors.js';
import { queryParts } from '../core/request/query-parts.js';
import type { ApiRequestEvent } from '../handlers/api.js';

/** Bodies larger than this are refused with 413: post big imports in several requests. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A request body over the limit. */
export class BodyTooLargeError extends TracerError {
  constructor(readonly limitBytes: number) {
    super(`the request body is larger than ${limitBytes / (1024 * 1024)} MiB; send it in smaller parts`);
  }
}

/** Stops accepting connections and resolves once the open ones have ended. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/**
 * Reads the whole body as UTF-8 text, refusing more than `limitBytes`.
 * @throws BodyTooLargeError past the limit.
 */
export async function readBody(request: IncomingMessage, limitBytes = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw new BodyTooLargeError(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) throw new BodyTooLargeError(limitBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The API Gateway REST proxy event of a request, as the API Lambda reads it: method, path, query string
 * (last value and all values) and headers. Without `resource`, the handler routes on the path.
 * @example toApiGatewayEvent(request, new URL(request.url ?? '/', 'http://127.0.0.1'))
 */
export function toApiGatewayEvent(request: IncomingMessage, url: URL): ApiRequestEvent {
  const { query, multiValueQuery: multiQuery } = queryParts(url.searchParams);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    httpMethod: request.method ?? 'GET',
    path: url.pathname,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    headers,
  };
}

/** Writes a Lambda proxy result as the HTTP response, as API Gateway does. */
export function sendProxyResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = values.map(String);
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body, 'utf8');
  response.writeHead(result.statusCode, { ...headers, 'Content-Length': String(body.length) });
  response.end(body);
}

/** Writes a JSON answer. */
export function sendJson(
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = Buffer.from(`${JSON.stringify(body, null, 2)}\n`, 'utf8');
  response.writeHead(statusCode, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(text.length),
    ...headers,
  });
  response.end(text);
}

/** Writes tracer's JSON error shape, `{ error: { code, message } }`, with details when there are some. */
export function sendError(
  response: ServerResponse,
  statusCode: number,
  code: string,
  message: string,
  extra: { readonly details?: readonly string[]; readonly headers?: Record<string, string> } = {},
): void {
  sendJson(
    response,
    statusCode,
    { error: { code, message, ...(extra.details ? { details: extra.details } : {}) } },
    extra.headers,
  );
}
