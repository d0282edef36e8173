import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiProtocolError, ApiUnreachableError, type UnreachableReason } from './api-errors.js';

/** An HTTP answer with its body read as UTF-8 text. Header names are lower case. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One request, sent with exactly these headers so that a SigV4 signature over them stays valid. */
export interface HttpCall {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Answers larger than this are refused: the API never sends more than Lambda's 6 MB. */
  readonly maxBodyBytes: number;
}

const REASONS: Readonly<Record<string, readonly [UnreachableReason, string]>> = {
  ECONNREFUSED: ['connection-refused', 'connection refused'],
  ENOTFOUND: ['host-not-found', 'host not found'],
  EAI_AGAIN: ['host-not-found', 'host name lookup failed'],
  ECONNRESET: ['connection-reset', 'connection reset'],
  EPIPE: ['connection-reset', 'connection closed'],
  ETIMEDOUT: ['timeout', 'timed out'],
  EHOSTUNREACH: ['other', 'host unreachable'],
  ENETUNREACH: ['other', 'network unreachable'],
};

function unreachable(url: URL, error: unknown): ApiUnreachableError {
  const code = (error as { code?: unknown } | undefined)?.code;
  const where = url.origin;
  if (typeof code === 'string') {
    const known = REASONS[code];
    if (known) return new ApiUnreachableError(where, known[0], known[1], { cause: error });
    if (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL')) {
      return new ApiUnreachableError(where, 'tls', `TLS failed (${code})`, { cause: error });
    }
    return new ApiUnreachableError(where, 'other', code, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ApiUnreachableError(where, 'other', message, { cause: error });
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Sends one HTTP(S) request and reads the whole answer. Network failures become `ApiUnreachableError`,
 * an oversized answer `ApiProtocolError`; any HTTP status is a normal answer for the caller to judge.
 * @example const answer = await sendHttp({ url, method: 'GET', headers: {}, timeoutMs: 30_000, maxBodyBytes: 1e7 });
 */
export function sendHttp(call: HttpCall): Promise<HttpAnswer> {
  const send = call.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(call.url, { method: call.method, headers: { ...call.headers } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > call.maxBodyBytes) {
          req.destroy();
          reject(
            new ApiProtocolError(call.url.origin, `the answer is larger than ${call.maxBodyBytes} bytes`),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => reject(unreachable(call.url, error)));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: flattenHeaders(res.headers),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.setTimeout(call.timeoutMs, () => {
      req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (error) => reject(unreachable(call.url, error)));
    req.end(call.body);
  });
}
