import { describe, expect, it } from 'vitest';
import { allowedHosts, checkLoopbackRequest } from '../../lambda/adapters/http/loopback-guard.js';

const PORT = 8787;
const JSON_ONLY = { port: PORT };

describe('checkLoopbackRequest', () => {
  it.each(allowedHosts(PORT))('answers a request to %s', (host) => {
    expect(checkLoopbackRequest({ method: 'GET', headers: { host } }, JSON_ONLY)).toBeUndefined();
  });

  it.each([
    ['another name', 'evil.example:8787'],
    ['a rebound name without the port', 'evil.example'],
    ['a loopback name without its port', '127.0.0.1'],
    ['a loopback name with another port', 'localhost:9999'],
    ['another loopback address', '127.0.0.2:8787'],
    ['the wildcard address', '0.0.0.0:8787'],
    ['no Host at all', undefined],
  ])('answers 421 to a request with %s', (_, host) => {
    const refusal = checkLoopbackRequest({ method: 'GET', headers: { host } }, JSON_ONLY);
    expect(refusal).toMatchObject({ statusCode: 421, code: 'MisdirectedRequest' });
  });

  it.each([
    ['another site', { origin: 'https://evil.example' }],
    ['a loopback origin on another port', { origin: 'http://127.0.0.1:3000' }],
    ['the opaque origin of a sandboxed page', { origin: 'null' }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
  ])('answers 403 to a cross-site request: %s', (_, headers) => {
    const refusal = checkLoopbackRequest(
      { method: 'GET', headers: { host: '127.0.0.1:8787', ...headers } },
      JSON_ONLY,
    );
    expect(refusal).toMatchObject({ statusCode: 403, code: 'Forbidden' });
  });

  it.each([
    ['its own origin', { origin: 'http://localhost:8787' }],
    ['Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site none (typed in the address bar)', { 'sec-fetch-site': 'none' }],
  ])('answers a request from %s', (_, headers) => {
    const request = { method: 'GET', headers: { host: 'localhost:8787', ...headers } };
    expect(checkLoopbackRequest(request, JSON_ONLY)).toBeUndefined();
  });

  it.each([
    ['text/plain', 'text/plain;charset=UTF-8'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['a multipart form', 'multipart/form-data; boundary=x'],
    ['no content type', undefined],
  ])('answers 415 to a POST of %s', (_, type) => {
    const refusal = checkLoopbackRequest(
      { method: 'POST', headers: { host: '127.0.0.1:8787', 'content-type': type } },
      JSON_ONLY,
    );
    expect(refusal).toMatchObject({ statusCode: 415, code: 'UnsupportedMediaType' });
  });

  it('takes a POST of JSON, with parameters and in any case', () => {
    const request = {
      method: 'POST',
      headers: { host: '[::1]:8787', 'content-type': 'Application/JSON; charset=utf-8' },
    };
    expect(checkLoopbackRequest(request, JSON_ONLY)).toBeUndefined();
  });

  it('takes JSON Lines where the route allows it', () => {
    const request = {
      method: 'POST',
      headers: { host: '127.0.0.1:8787', 'content-type': 'application/x-ndjson' },
    };
    expect(checkLoopbackRequest(request, JSON_ONLY)?.statusCode).toBe(415);
    expect(
      checkLoopbackRequest(request, {
        port: PORT,
        postContentTypes: ['application/json', 'application/x-ndjson'],
      }),
    ).toBeUndefined();
  });
});
