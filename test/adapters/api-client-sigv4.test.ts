import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiResponseError } from '../../lambda/adapters/http/api-errors.js';
import { ApiSource } from '../../lambda/adapters/http/api-source.js';
import { createSigV4Signer } from '../../lambda/adapters/http/sigv4-signer.js';
import { describeFailure } from '../../lambda/cli/errors.js';
import { type FakeTracerApi, readExpectedTrace, startFakeTracerApi } from '../support/fake-tracer-api.js';
import { verifySigV4 } from '../support/sigv4-verifier.js';

// The example credentials of the AWS documentation: they open nothing.
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-example',
};
const REGION = 'us-east-1';
const TASK_ID = '9f654c76cde14c7c85cf54dce087658a';

interface RawAnswer {
  readonly status: number;
  readonly errorType?: string;
}

/** Sends a request exactly as given: the way to present a signature that does not fit the request. */
function sendRaw(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        const errorType = res.headers['x-amzn-errortype'];
        resolve({ status: res.statusCode ?? 0, ...(typeof errorType === 'string' ? { errorType } : {}) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('ApiSource against a server that verifies SigV4', () => {
  let api: FakeTracerApi;

  beforeAll(async () => {
    api = await startFakeTracerApi({
      basePath: '/prod',
      authorize: (received) =>
        verifySigV4(received, { credentials: CREDENTIALS, region: REGION, service: 'execute-api' }),
    });
  });

  afterAll(async () => {
    await api.close();
  });

  const signedSource = (credentials = CREDENTIALS) =>
    new ApiSource({ endpoint: api.url, signing: 'sigv4', region: REGION, credentials });

  it('gets through with a signed request and reads the trace', async () => {
    // Prepare
    const source = signedSource();

    // Act
    const trace = await source.getTraceText({ name: 'default' }, TASK_ID, {
      durationMs: 60_000,
      tz: 'Asia/Tokyo',
    });

    // Assess
    expect(trace.text).toBe(readExpectedTrace(TASK_ID));
    const last = api.requests.at(-1);
    expect(last?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=.*host.*x-amz-security-token.*, Signature=[0-9a-f]{64}$/,
    );
    expect(last?.url).toBe(`/prod/clusters/default/tasks/${TASK_ID}/trace?duration=1m&tz=Asia%2FTokyo`);
  });

  it('gets through with signed requests that carry a query string and ask for JSON', async () => {
    // Prepare
    const source = signedSource();

    // Act
    const tasks = await source.listTasks({ name: 'default' }, { status: 'STOPPED', failed: true, limit: 10 });
    const trace = await source.getTraceJson({ name: 'default' }, TASK_ID, { durationMs: 90_000, full: true });

    // Assess
    expect(tasks.tasks.map((t) => t.taskId)).toEqual([TASK_ID]);
    expect(trace.task.taskId).toBe(TASK_ID);
    expect(trace.lines).toHaveLength(6);
  });

  it('rejects a request signed with another secret key', async () => {
    // Prepare
    const source = signedSource({ ...CREDENTIALS, secretAccessKey: 'not-the-secret' });

    // Act
    const act = source.listClusters();

    // Assess
    await expect(act).rejects.toMatchObject({
      status: 403,
      details: { gatewayErrorType: 'InvalidSignatureException' },
    });
  });

  it('rejects an unsigned request', async () => {
    // Prepare
    const source = new ApiSource({ endpoint: api.url, signing: 'none' });

    // Act
    const error = await source.listClusters().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      status: 403,
      details: { gatewayErrorType: 'MissingAuthenticationTokenException' },
    });
    expect(describeFailure(error).message).toBe(
      "the API refused an unsigned request or an unknown path; check that --endpoint is the stack's ApiUrl, stage included",
    );
  });

  describe('with a signature that was made for another request', () => {
    const sign = createSigV4Signer({ region: REGION, service: 'execute-api', credentials: CREDENTIALS });

    async function signedHeaders(method: string, url: URL, body?: string) {
      return sign({
        method,
        url,
        headers: { accept: 'application/json' },
        ...(body !== undefined ? { body } : {}),
      });
    }

    it('accepts the untampered request, which proves the check itself', async () => {
      // Prepare
      const url = new URL(`${api.url}/clusters/default/tasks`);
      const headers = await signedHeaders('GET', url);

      // Act
      const answer = await sendRaw(url, 'GET', headers);

      // Assess
      expect(answer.status).toBe(200);
    });

    it('rejects a request whose path was changed', async () => {
      // Prepare
      const signedFor = new URL(`${api.url}/clusters/default/tasks`);
      const headers = await signedHeaders('GET', signedFor);

      // Act
      const answer = await sendRaw(new URL(`${api.url}/clusters/prod/tasks`), 'GET', headers);

      // Assess
      expect(answer).toEqual({ status: 403, errorType: 'InvalidSignatureException' });
    });

    it('rejects a request whose query was changed', async () => {
      // Prepare
      const headers = await signedHeaders('GET', new URL(`${api.url}/clusters/default/tasks?limit=1`));

      // Act
      const answer = await sendRaw(new URL(`${api.url}/clusters/default/tasks?limit=1000`), 'GET', headers);

      // Assess
      expect(answer).toEqual({ status: 403, errorType: 'InvalidSignatureException' });
    });

    it('rejects a request whose body was changed', async () => {
      // Prepare
      const url = new URL(`${api.url}/clusters`);
      const headers = await signedHeaders('POST', url, '{"clusterName":"default"}');

      // Act
      const tampered = await sendRaw(url, 'POST', headers, '{"clusterName":"prod"}');
      const genuine = await sendRaw(url, 'POST', headers, '{"clusterName":"default"}');

      // Assess
      expect(tampered).toEqual({ status: 403, errorType: 'InvalidSignatureException' });
      // The fake API has no POST route: 400 means the signature check let the genuine body through.
      expect(genuine.status).toBe(400);
    });

    it('rejects a request whose body was changed along with its claimed hash', async () => {
      // Prepare
      const url = new URL(`${api.url}/clusters`);
      const headers = await signedHeaders('POST', url, 'original');
      const forgedHash = (await signedHeaders('POST', url, 'forged'))['x-amz-content-sha256'] ?? '';

      // Act
      const answer = await sendRaw(url, 'POST', { ...headers, 'x-amz-content-sha256': forgedHash }, 'forged');

      // Assess
      expect(answer).toEqual({ status: 403, errorType: 'InvalidSignatureException' });
    });

    it('rejects a request whose signed header was changed', async () => {
      // Prepare
      const url = new URL(`${api.url}/clusters`);
      const headers = await signedHeaders('GET', url);

      // Act
      const answer = await sendRaw(url, 'GET', { ...headers, accept: 'text/html' });

      // Assess
      expect(answer).toEqual({ status: 403, errorType: 'InvalidSignatureException' });
    });
  });
});
