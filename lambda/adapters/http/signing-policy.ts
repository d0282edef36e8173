/**
 * Where tracer's API client may send credentials. A SigV4 signature carries the access key id and the
 * session token in clear headers, so the client signs only over https, and only for an API Gateway host
 * or for a custom domain the person named. Plain http is for local mode on loopback and is never signed.
 * Anything else is refused before any request is sent.
 */
import { TracerError } from '../../core/errors.js';
import { isLoopbackHttp } from './loopback.js';

/** An endpoint tracer will not talk to; the CLI prints the one line and exits with 2. */
export class UnsafeEndpointError extends TracerError {}

/** How requests to an endpoint are sent. */
export type SigningPlan = { readonly kind: 'sign' } | { readonly kind: 'unsigned' };

const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.[a-z]{2}(?:-[a-z]+)+-\d+\.amazonaws\.com(?:\.cn)?$/;

/**
 * Whether a host name is an API Gateway endpoint: `<id>.execute-api.<region>.amazonaws.com`.
 * @example isExecuteApiHost('abc123.execute-api.eu-west-1.amazonaws.com') === true
 */
export function isExecuteApiHost(hostname: string): boolean {
  return EXECUTE_API_HOST.test(hostname.toLowerCase());
}

/**
 * The custom domain named with `--sign-host`/`TRACER_SIGN_HOST`, as a bare host name.
 * @throws UnsafeEndpointError for anything but a host name.
 * @example parseSignHost('Tracer.Example.com') === 'tracer.example.com'
 */
export function parseSignHost(input: string, name = '--sign-host'): string {
  const host = input.trim().toLowerCase();
  if (
    !/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(
      host,
    )
  ) {
    throw new UnsafeEndpointError(`${name}: "${input}" is not a host name such as tracer.example.com`);
  }
  return host;
}

/**
 * How to send requests to `url`: signed (https to API Gateway or to `signHost`), unsigned (http to
 * loopback), or not at all.
 * @throws UnsafeEndpointError with the one line to print.
 * @example planSigning(new URL('http://127.0.0.1:8787')).kind === 'unsigned'
 */
export function planSigning(url: URL, signHost?: string): SigningPlan {
  if (url.protocol === 'http:') {
    if (isLoopbackHttp(url)) return { kind: 'unsigned' };
    throw new UnsafeEndpointError(
      `refusing ${url.origin}: plain http is only for local mode on 127.0.0.1, localhost or [::1]; use the https URL of the API`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new UnsafeEndpointError(`refusing ${url.origin}: the endpoint must start with https://`);
  }
  const host = url.hostname.toLowerCase();
  if (isExecuteApiHost(host) || (signHost !== undefined && host === signHost.toLowerCase())) {
    return { kind: 'sign' };
  }
  throw new UnsafeEndpointError(
    `refusing to send AWS credentials to ${host}: tracer signs only for API Gateway hosts (ID.execute-api.REGION.amazonaws.com); name a custom domain with --sign-host ${host}`,
  );
}
