/**
 * Verifies AWS Signature Version 4 on a received HTTP request the way API Gateway does: it re-signs the
 * request (method, path, query, the headers named in SignedHeaders, and a SHA-256 of the body that it
 * computes itself) with the same credentials, and compares the result with the Authorization header.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface VerifierCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request as the server received it. `url` is the raw request target: path and query. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type Verdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** API Gateway's error type for this refusal. */
      readonly errorType:
        | 'MissingAuthenticationTokenException'
        | 'IncompleteSignatureException'
        | 'InvalidSignatureException';
      readonly reason: string;
    };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks the request's SigV4 signature.
 * @example const verdict = await verifySigV4(received, { credentials, region: 'us-east-1', service: 'execute-api' });
 */
export async function verifySigV4(
  request: ReceivedRequest,
  expected: {
    readonly credentials: VerifierCredentials;
    readonly region: string;
    readonly service: string;
    /** Largest accepted distance between the signing time and now. @default 15 minutes, as AWS */
    readonly maxSkewMs?: number;
    readonly nowMs?: number;
  },
): Promise<Verdict> {
  const authorization = header(request.headers, 'authorization');
  if (!authorization) {
    return {
      ok: false,
      errorType: 'MissingAuthenticationTokenException',
      reason: 'Missing Authentication Token',
    };
  }
  const m = AUTHORIZATION.exec(authorization);
  if (!m) {
    return { ok: false, errorType: 'IncompleteSignatureException', reason: 'malformed Authorization header' };
  }
  const [, accessKeyId = '', shortDate = '', region = '', service = '', signedHeaderList = ''] = m;
  if (accessKeyId !== expected.credentials.accessKeyId) {
    return { ok: false, errorType: 'InvalidSignatureException', reason: 'unknown access key' };
  }
  if (region !== expected.region || service !== expected.service) {
    return { ok: false, errorType: 'InvalidSignatureException', reason: `wrong scope ${region}/${service}` };
  }
  const amzDate = header(request.headers, 'x-amz-date');
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !signingDate || !amzDate.startsWith(shortDate)) {
    return {
      ok: false,
      errorType: 'IncompleteSignatureException',
      reason: 'missing or inconsistent X-Amz-Date',
    };
  }
  const skewMs = Math.abs((expected.nowMs ?? Date.now()) - signingDate.getTime());
  if (skewMs > (expected.maxSkewMs ?? 15 * 60_000)) {
    return { ok: false, errorType: 'InvalidSignatureException', reason: 'signature expired' };
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return {
      ok: false,
      errorType: 'IncompleteSignatureException',
      reason: 'host and x-amz-date must be signed',
    };
  }

  // The body hash is computed here from the bytes received, never taken from the client's header.
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const claimedHash = header(request.headers, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash !== bodyHash) {
    return { ok: false, errorType: 'InvalidSignatureException', reason: 'the body does not match its hash' };
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    if (name === 'x-amz-date') continue;
    const value = header(request.headers, name);
    if (value === undefined) {
      return {
        ok: false,
        errorType: 'IncompleteSignatureException',
        reason: `signed header ${name} is missing`,
      };
    }
    headers[name] = value;
  }
  headers['x-amz-content-sha256'] = bodyHash;

  const target = new URL(request.url, 'http://placeholder');
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(target.searchParams.keys())) {
    const values = target.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  const sessionToken = header(request.headers, 'x-amz-security-token');
  const signer = new SignatureV4({
    service: expected.service,
    region: expected.region,
    credentials: {
      accessKeyId: expected.credentials.accessKeyId,
      secretAccessKey: expected.credentials.secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
  });
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: 'placeholder',
      path: target.pathname,
      query,
      headers,
    },
    {
      signingDate,
      // The payload hash always comes from the header set above; it is a canonical header only if signed.
      ...(signedHeaders.includes('x-amz-content-sha256')
        ? {}
        : { unsignableHeaders: new Set(['x-amz-content-sha256']) }),
    },
  );
  const expectedAuthorization = resigned.headers.authorization ?? '';
  if (!sameText(expectedAuthorization, authorization)) {
    return {
      ok: false,
      errorType: 'InvalidSignatureException',
      reason: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  if (expected.credentials.sessionToken !== undefined && sessionToken !== expected.credentials.sessionToken) {
    return {
      ok: false,
      errorType: 'InvalidSignatureException',
      reason: 'The security token included in the request is invalid.',
    };
  }
  return { ok: true };
}
