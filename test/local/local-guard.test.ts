/**
 * Local mode against the requests a web page can make: a DNS-rebinding read, and a cross-site write with
 * a `text/plain` body, which browsers send without a CORS preflight.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import { type LocalServer, startLocalServer } from '../../lambda/local/local-server.js';
import { loadEvent } from '../support/fixtures.js';
import { removeDir, tempDir } from './local-harness.js';

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Sends a request with exactly these headers, Host included, as a browser or an attacker's page would. */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('local mode refuses what a web page could make it do', () => {
  let dataDir: string;
  let server: LocalServer;
  let host: string;
  const event = JSON.stringify(loadEvent('lifecycle-fargate-1-provisioning'));

  beforeAll(async () => {
    dataDir = await tempDir();
    server = await startLocalServer({ port: 0, dataDir, aws: 'off', logger: silentLogger, samples: false });
    host = `127.0.0.1:${server.port}`;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await removeDir(dataDir);
  });

  async function clusters(): Promise<string[]> {
    const answer = await send(server.port, 'GET', '/clusters', { host });
    return (JSON.parse(answer.body) as { clusters: string[] }).clusters;
  }

  it.each([
    ['a rebound name', 'evil.example'],
    ['a rebound name with the port', 'evil.example:PORT'],
    ['a loopback name with another port', 'localhost:1'],
  ])('answers 421 to a read addressed to %s', async (_, hostHeader) => {
    const answer = await send(server.port, 'GET', '/clusters', {
      host: hostHeader.replace('PORT', String(server.port)),
    });
    expect(answer.status).toBe(421);
    expect(answer.body).toContain('MisdirectedRequest');
  });

  it.each(['127.0.0.1', 'localhost', '[::1]'])(
    'answers a read addressed to %s with its port',
    async (name) => {
      const answer = await send(server.port, 'GET', '/health', { host: `${name}:${server.port}` });
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it('answers 403 to a cross-site text/plain write and stores nothing', async () => {
    const answer = await send(
      server.port,
      'POST',
      '/events',
      { host, origin: 'https://evil.example', 'content-type': 'text/plain' },
      event,
    );
    expect(answer.status).toBe(403);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(await clusters()).toEqual([]);
  });

  it('answers 403 to a write that Sec-Fetch-Site marks cross-site', async () => {
    const answer = await send(
      server.port,
      'POST',
      '/task-definitions',
      { host, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      '{}',
    );
    expect(answer.status).toBe(403);
  });

  it.each(['/events', '/logs', '/task-definitions'])('answers 415 to a text/plain POST %s', async (path) => {
    const answer = await send(server.port, 'POST', path, { host, 'content-type': 'text/plain' }, event);
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'UnsupportedMediaType' } });
    expect(await clusters()).toEqual([]);
  });

  it('stores a JSON write from a tool on this machine', async () => {
    const answer = await send(
      server.port,
      'POST',
      '/events',
      { host, 'content-type': 'application/json' },
      event,
    );
    expect(answer.status).toBe(200);
    expect((await clusters()).length).toBe(1);
  });
});
