/**
 * Whether an endpoint is the local mode: plain HTTP to this machine, which tracer serves unsigned. Kept
 * apart from the API client so that error messages can ask it without loading the client.
 */

/**
 * True for `http://` to 127.0.0.0/8, `localhost` or `[::1]`: the local mode, which is served unsigned.
 * @example isLoopbackHttp(new URL('http://127.0.0.1:8787')) === true
 */
export function isLoopbackHttp(url: URL): boolean {
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
