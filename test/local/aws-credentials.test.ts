import { describe, expect, it } from 'vitest';
import { type AwsCredentialsDetection, detectAwsCredentials } from '../../lambda/local/aws-credentials.js';

const HOME = '/home/oncall';

/** Shared files by path; a path not listed does not exist. */
function files(entries: Record<string, string>) {
  return (path: string) => entries[path];
}

describe('detectAwsCredentials', () => {
  it.each<[string, Record<string, string>, Record<string, string>, AwsCredentialsDetection]>([
    [
      'access keys in the environment',
      { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' },
      {},
      { configured: true, via: 'access keys in the environment' },
    ],
    ['a named profile', { AWS_PROFILE: 'prod' }, {}, { configured: true, via: 'profile prod (AWS_PROFILE)' }],
    [
      'the SDK v2 profile variable',
      { AWS_DEFAULT_PROFILE: 'ops' },
      {},
      { configured: true, via: 'profile ops (AWS_DEFAULT_PROFILE)' },
    ],
    [
      'web identity',
      { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/token', AWS_ROLE_ARN: 'arn:aws:iam::1:role/x' },
      {},
      { configured: true, via: 'web identity (AWS_WEB_IDENTITY_TOKEN_FILE)' },
    ],
    [
      'container credentials',
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc' },
      {},
      { configured: true, via: 'container credentials' },
    ],
    [
      'a default profile in ~/.aws/credentials',
      {},
      { [`${HOME}/.aws/credentials`]: '[default]\naws_access_key_id = AKIA\n' },
      { configured: true, via: `the default profile in ${HOME}/.aws/credentials` },
    ],
    [
      'a default profile in ~/.aws/config (SSO)',
      {},
      { [`${HOME}/.aws/config`]: '# mine\n[ profile  default ] ; sso\nsso_session = corp\n' },
      { configured: true, via: `the default profile in ${HOME}/.aws/config` },
    ],
    [
      'shared files at the paths the environment names',
      { AWS_CONFIG_FILE: '/etc/aws/config' },
      { '/etc/aws/config': '[default]\nregion = eu-west-1\n' },
      { configured: true, via: 'the default profile in /etc/aws/config' },
    ],
  ])('finds %s', (_name, env, shared, expected) => {
    expect(detectAwsCredentials({ env, homeDir: HOME, readTextFile: files(shared) })).toEqual(expected);
  });

  it.each<[string, Record<string, string>, Record<string, string>]>([
    ['nothing at all', {}, {}],
    ['only a key id, without its secret', { AWS_ACCESS_KEY_ID: 'AKIA' }, {}],
    ['an empty profile variable', { AWS_PROFILE: '  ' }, {}],
    [
      'shared files with named profiles only',
      {},
      { [`${HOME}/.aws/config`]: '[profile dev]\nregion = us-east-1\n' },
    ],
  ])('finds no credentials with %s', (_name, env, shared) => {
    expect(detectAwsCredentials({ env, homeDir: HOME, readTextFile: files(shared) })).toEqual({
      configured: false,
      reason: 'no AWS credentials in the environment and no default profile in the shared files',
    });
  });
});
