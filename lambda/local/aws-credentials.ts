/**
 * Whether AWS credentials are configured on this machine, decided without any network call: local mode
 * reads CloudWatch Logs and ECS only when they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** How the credentials were found, for the banner. */
export type AwsCredentialsDetection =
  | { readonly configured: true; readonly via: string }
  | { readonly configured: false; readonly reason: string };

/** What detection reads; tests pass their own. */
export interface CredentialsEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir?: string;
  readonly readTextFile?: (path: string) => string | undefined;
}

function set(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function readIfPresent(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when an INI file has a section with one of the given names. */
function hasSection(text: string | undefined, names: readonly string[]): boolean {
  if (text === undefined) return false;
  return text
    .split(/\r?\n/)
    .map((line) => /^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$/.exec(line)?.[1])
    .some((section) => section !== undefined && names.includes(section.replace(/\s+/g, ' ')));
}

/**
 * Looks for credentials the way the SDK's default chain would find them: keys in the environment, a
 * named profile, web identity or container credentials, or a `default` profile in the shared files
 * (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, ~/.aws by default). EC2 instance roles cannot be seen
 * without a network call, so they count as not configured.
 * @example detectAwsCredentials({ env: { AWS_PROFILE: 'prod' } }) // { configured: true, via: 'profile prod (AWS_PROFILE)' }
 */
export function detectAwsCredentials(environment: CredentialsEnvironment): AwsCredentialsDetection {
  const { env } = environment;
  const read = environment.readTextFile ?? readIfPresent;
  if (set(env.AWS_ACCESS_KEY_ID) && set(env.AWS_SECRET_ACCESS_KEY)) {
    return { configured: true, via: 'access keys in the environment' };
  }
  if (set(env.AWS_PROFILE)) return { configured: true, via: `profile ${env.AWS_PROFILE} (AWS_PROFILE)` };
  if (set(env.AWS_DEFAULT_PROFILE)) {
    return { configured: true, via: `profile ${env.AWS_DEFAULT_PROFILE} (AWS_DEFAULT_PROFILE)` };
  }
  if (set(env.AWS_WEB_IDENTITY_TOKEN_FILE) && set(env.AWS_ROLE_ARN)) {
    return { configured: true, via: 'web identity (AWS_WEB_IDENTITY_TOKEN_FILE)' };
  }
  if (set(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) || set(env.AWS_CONTAINER_CREDENTIALS_FULL_URI)) {
    return { configured: true, via: 'container credentials' };
  }
  const home = environment.homeDir ?? homedir();
  const credentialsFile = set(env.AWS_SHARED_CREDENTIALS_FILE)
    ? env.AWS_SHARED_CREDENTIALS_FILE
    : join(home, '.aws', 'credentials');
  const configFile = set(env.AWS_CONFIG_FILE) ? env.AWS_CONFIG_FILE : join(home, '.aws', 'config');
  if (hasSection(read(credentialsFile), ['default'])) {
    return { configured: true, via: `the default profile in ${credentialsFile}` };
  }
  if (hasSection(read(configFile), ['default', 'profile default'])) {
    return { configured: true, via: `the default profile in ${configFile}` };
  }
  return {
    configured: false,
    reason: 'no AWS credentials in the environment and no default profile in the shared files',
  };
}
