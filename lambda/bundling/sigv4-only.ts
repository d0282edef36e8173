/**
 * What the Lambda bundles use in place of `@aws-sdk/signature-v4-multi-region` (an esbuild alias in
 * scripts/lambda-bundle.mjs). The STS client nested in the credential providers (AssumeRole, for reads in
 * another account) signs through it so that it may use SigV4a for multi-region endpoints; that needs the CRT
 * or the SigV4a package, which no bundle carries, so the SDK signs with plain SigV4 anyway. Plain SigV4 is
 * what remains: the same signer, without the multi-region wrapper and its S3 session-token variants.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, RequestPresigningArguments, RequestSigningArguments } from '@smithy/types';

const UNSUPPORTED =
  'SigV4a (multi-region) signing is left out of tracer bundles (lambda/bundling/sigv4-only.ts)';

/** No SigV4a implementation is registered: the SDK's auth scheme choice then prefers SigV4. */
export const signatureV4CrtContainer: { CrtSignerV4: null } = { CrtSignerV4: null };

/**
 * The SDK's multi-region signer, for SigV4 only.
 * @example await new SignatureV4MultiRegion({ service: 'sts', region: 'us-east-1', credentials, sha256 }).sign(request)
 */
export class SignatureV4MultiRegion {
  private readonly signer: SignatureV4;

  /** Which SigV4a implementation is loaded: none. */
  static sigv4aDependency(): 'none' {
    return 'none';
  }

  constructor(options: ConstructorParameters<typeof SignatureV4>[0]) {
    this.signer = new SignatureV4(options);
  }

  sign(request: HttpRequest, options: RequestSigningArguments = {}): Promise<HttpRequest> {
    if (options.signingRegion === '*') return Promise.reject(new Error(UNSUPPORTED));
    return this.signer.sign(request, options);
  }

  presign(request: HttpRequest, options: RequestPresigningArguments = {}): Promise<HttpRequest> {
    if (options.signingRegion === '*') return Promise.reject(new Error(UNSUPPORTED));
    return this.signer.presign(request, options);
  }

  signWithCredentials(): Promise<never> {
    return Promise.reject(new Error(UNSUPPORTED));
  }

  presignWithCredentials(): Promise<never> {
    return Promise.reject(new Error(UNSUPPORTED));
  }
}
