/**
 * Where the CLI sends AWS credentials: signed only over https to API Gateway or to a host named with
 * --sign-host, never over plain http, and nothing at all to an endpoint it refuses.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpAnswer, HttpCall } from '../../lambda/adapters/http/http-transport.js';
import { openTracerSource } from '../../lambda/cli/open-source.js';
import { runTracer } from './run-cli.js';

// The example credentials of the AWS documentation: they open nothing.
const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'session-token-example',
};

const CLUSTERS: HttpAnswer = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"clusters":["default"]}',
};

/** A transport that records each call and answers a cluster list, so no request leaves the machine. */
function recordingTransport() {
  const calls: HttpCall[] = [];
  const transport = async (call: HttpCall): Promise<HttpAnswer> => {
    calls.push(call);
    return CLUSTERS;
  };
  return { calls, transport };
}

function runWith(argv: readonly string[], transport: (call: HttpCall) => Promise<HttpAnswer>, env = {}) {
  return runTracer(argv, {
    env,
    deps: { openSource: (options, context) => openTracerSource(options, { ...context, transport }) },
  });
}

describe('the CLI against a loopback listener that records headers', () => {
  let server: Server;
  let port: number;
  const received: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      received.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(CLUSTERS.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received.length = 0;
    for (const [name, value] of Object.entries(CREDENTIALS)) vi.stubEnv(name, value);
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each(['127.0.0.1', 'localhost'])(
    'sends no credentials over plain http to %s, even with credentials at hand',
    async (host) => {
      // Act
      const run = await runTracer(['--endpoint', `http://${host}:${port}/prod`]);

      // Assess
      expect(run.code).toBe(0);
      expect(received).toHaveLength(1);
      expect(received[0]?.authorization).toBeUndefined();
      expect(received[0]?.['x-amz-security-token']).toBeUndefined();
      expect(received[0]?.['x-amz-date']).toBeUndefined();
    },
    60_000,
  );

  it.each([
    ['the wildcard address', 'http://0.0.0.0:PORT/prod'],
    ['another host', 'http://tracer.example.com/prod'],
    ['a private address', 'http://10.0.0.8:PORT/prod'],
  ])('refuses plain http to %s with one line and exit 2, before any request', async (_, endpoint) => {
    // Act
    const run = await runTracer(['--endpoint', endpoint.replace('PORT', String(port))]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^tracer: refusing http:\/\/.*plain http is only for local mode/);
    expect(received).toHaveLength(0);
  });

  it('refuses an https host that is neither API Gateway nor named with --sign-host', async () => {
    // Prepare
    const { calls, transport } = recordingTransport();

    // Act
    const run = await runWith(['--endpoint', 'https://tracer.example.com/prod'], transport);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('refusing to send AWS credentials to tracer.example.com');
    expect(run.stderr).toContain('--sign-host tracer.example.com');
    expect(calls).toHaveLength(0);
  });

  it('refuses TRACER_ENDPOINT the same way', async () => {
    // Act
    const run = await runTracer([], { env: { TRACER_ENDPOINT: 'http://0.0.0.0:1/prod' } });

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('plain http is only for local mode');
  });

  it('signs requests to an API Gateway host over https', async () => {
    // Prepare
    const { calls, transport } = recordingTransport();

    // Act
    const run = await runWith(
      ['--endpoint', 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod'],
      transport,
    );

    // Assess
    expect(run.code).toBe(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url.protocol).toBe('https:');
    expect(calls[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
    );
    expect(calls[0]?.headers['x-amz-security-token']).toBe('session-token-example');
  });

  it.each([
    ['--sign-host', ['--sign-host', 'Tracer.Example.com'], {}],
    ['TRACER_SIGN_HOST', [], { TRACER_SIGN_HOST: 'tracer.example.com' }],
  ])('signs requests to a custom domain named with %s', async (_, flags, env) => {
    // Prepare
    const { calls, transport } = recordingTransport();

    // Act
    const run = await runWith(
      [...flags, '--region', 'eu-west-1', '--endpoint', 'https://tracer.example.com/prod'],
      transport,
      env,
    );

    // Assess
    expect(run.code).toBe(0);
    expect(calls[0]?.headers.authorization).toMatch(/\/eu-west-1\/execute-api\/aws4_request/);
  });

  it('never signs plain http, even to a host named with --sign-host', async () => {
    // Act
    const run = await runTracer([
      '--sign-host',
      'tracer.example.com',
      '--endpoint',
      'http://tracer.example.com/prod',
    ]);

    // Assess
    expect(run.code).toBe(2);
    expect(received).toHaveLength(0);
  });

  it('rejects a --sign-host that is not a host name', async () => {
    // Act
    const run = await runTracer(['--sign-host', 'https://x/', '--endpoint', 'https://x.example.com/prod']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--sign-host: "https://x/" is not a host name');
  });
});
