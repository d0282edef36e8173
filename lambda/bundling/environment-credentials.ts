/**
 * What the Lambda bundles use in place of `@aws-sdk/credential-provider-node` (an esbuild alias in
 * lib/constructs/bundled-function.ts). Lambda hands a function its role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the rest of the default chain (SSO,
 * STS web identity, shared files, process, instance metadata) is code a function never runs: leaving it
 * out shrinks each bundle and its import. The SDK clients are still built the standard way, so region and
 * `AWS_ENDPOINT_URL_*` settings come from the environment as before.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type FromEnvInit = Parameters<typeof fromEnv>[0];

/**
 * The credential provider every SDK client of a bundle gets by default: the environment's credentials.
 * @example const credentials = await defaultProvider()();
 */
export const defaultProvider = (init?: FromEnvInit) => fromEnv(init);

/** The other two names the SDK's node provider package exports, with the same meaning. */
export const credentialsWillNeedRefresh = (credentials?: { expiration?: Date }): boolean =>
  credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials?: { expiration?: Date }): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
