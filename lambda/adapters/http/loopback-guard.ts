/**
 * The defences of a server that listens on loopback for one person (local mode): it answers only
 * requests addressed to a loopback name with its own port (a DNS-rebinding page sends its own host
 * name), refuses cross-site requests (a web page's fetch carries its Origin or Sec-Fetch-Site), and takes
 * writes only as JSON (a form or a `text/plain` fetch cannot send that type without a CORS preflight, which
 * the server never grants). It sends no CORS headers at all.
 */

/** Why a request was refused, with the status to answer. */
export interface GuardRefusal {
  readonly statusCode: 403 | 415 | 421;
  readonly code: 'MisdirectedRequest' | 'Forbidden' | 'UnsupportedMediaType';
  readonly message: string;
}

/** What the guard reads of a request; header names in lower case, as node:http gives them. */
export interface GuardedRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface LoopbackGuardOptions {
  /** The port the server listens on. */
  readonly port: number;
  /**
   * The content types a POST may carry, without parameters.
   * @default ['application/json']
   */
  readonly postContentTypes?: readonly string[];
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The `Host` values the server answers: each loopback name with the port.
 * @example allowedHosts(8787) // ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787']
 */
export function allowedHosts(port: number): string[] {
  return LOOPBACK_NAMES.map((name) => `${name}:${port}`);
}

/**
 * The refusal a request deserves, or undefined when it may be answered.
 * @example checkLoopbackRequest({ method: 'GET', headers: { host: 'evil.example:8787' } }, { port: 8787 })?.statusCode === 421
 */
export function checkLoopbackRequest(
  request: GuardedRequest,
  options: LoopbackGuardOptions,
): GuardRefusal | undefined {
  const hosts = allowedHosts(options.port);
  const host = single(request.headers.host)?.trim().toLowerCase();
  if (host === undefined || !hosts.includes(host)) {
    return {
      statusCode: 421,
      code: 'MisdirectedRequest',
      message: `tracer's local mode answers only requests to ${hosts.join(', ')}`,
    };
  }
  const origin = single(request.headers.origin)?.trim().toLowerCase();
  if (origin !== undefined && origin !== `http://${host}`) {
    return {
      statusCode: 403,
      code: 'Forbidden',
      message: 'cross-site requests are refused: tracer answers only its own origin and tools without one',
    };
  }
  const site = single(request.headers['sec-fetch-site'])?.trim().toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    return {
      statusCode: 403,
      code: 'Forbidden',
      message: `cross-site requests are refused (Sec-Fetch-Site: ${site})`,
    };
  }
  if (request.method === 'POST') {
    const accepted = options.postContentTypes ?? ['application/json'];
    const type = single(request.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    if (type === undefined || !accepted.includes(type)) {
      return {
        statusCode: 415,
        code: 'UnsupportedMediaType',
        message: `send the body with content-type: ${accepted.join(' or ')}${type ? `, not ${type}` : ''}`,
      };
    }
  }
  return undefined;
}
