import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../lambda/core/redact.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PRESIGNED_STOPPED_REASON =
  'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ' +
  'https://prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com/5fe1-123456789012/layer?' +
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAXAMPLEEXAMPLE1234%2F20211126%2Fap-northeast-1%2Fs3%2Faws4_request' +
  '&X-Amz-Date=20211126T172930Z&X-Amz-Expires=3600&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLETOKEN' +
  '&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef: 403 Forbidden';

describe('redactSecrets', () => {
  it.each([
    [
      'a password in structured JSON',
      '{"level":"info","password":"hunter2"}',
      '{"level":"info","password":"[REDACTED]"}',
    ],
    ['a password in JSON with spaces', '{"password": "hunter 2"}', '{"password": "[REDACTED]"}'],
    [
      'a password in JSON inside a JSON string',
      '{\\"password\\":\\"hun ter2\\"}',
      '{\\"password\\":\\"[REDACTED]\\"}',
    ],
    ['a prefixed environment variable', 'DB_PASSWORD=x', 'DB_PASSWORD=[REDACTED]'],
    [
      'a client secret',
      'client_secret=x&grant_type=client_credentials',
      'client_secret=[REDACTED]&grant_type=client_credentials',
    ],
    [
      'an AWS secret access key',
      'AWS_SECRET_ACCESS_KEY=wJalr/K7MDENG+bPxRfi',
      'AWS_SECRET_ACCESS_KEY=[REDACTED]',
    ],
    ['a quoted secret with spaces', 'secret: "a b"', 'secret: "[REDACTED]"'],
    ['a single-quoted secret with spaces', "secret: 'a b' loaded", "secret: '[REDACTED]' loaded"],
    ['an API key', 'api-key: abc123, region=eu-west-1', 'api-key: [REDACTED], region=eu-west-1'],
    ['Basic authorization', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [REDACTED]'],
    [
      'Bearer authorization in a quoted header',
      'curl -H "Authorization: Bearer abcdefghij"',
      'curl -H "Authorization: Bearer [REDACTED]"',
    ],
    [
      'an authorization header in JSON',
      '{"authorization":"Basic dXNlcjpwYXNz"}',
      '{"authorization":"Basic [REDACTED]"}',
    ],
    ['an opaque authorization value', 'authorization=dGhpc2lzYW5vcGFxdWV0b2tlbg', 'authorization=[REDACTED]'],
    ['a bare bearer token', 'sending Bearer abc.def-ghi_jkl', 'sending Bearer [REDACTED]'],
    ['a JWT after a token key', `token: ${JWT}`, 'token: [REDACTED-JWT]'],
    ['a JWT in free text', `session ${JWT} expired`, 'session [REDACTED-JWT] expired'],
    [
      'a GitHub token in a variable',
      'GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'GITHUB_TOKEN=[REDACTED-TOKEN]',
    ],
    [
      'a bare GitHub OAuth token',
      'cloning with gho_abcdefghijklmnopqrstuvwxyz0123456789 now',
      'cloning with [REDACTED-TOKEN] now',
    ],
    [
      'a Slack bot token',
      'slack client xoxb-123456789012-abcdefghijkl ready',
      'slack client [REDACTED-TOKEN] ready',
    ],
    ['an access key id', 'using AKIAIOSFODNN7EXAMPLE', 'using [REDACTED-ACCESS-KEY]'],
    [
      'a password in a URL',
      'connecting to postgres://app:s3cr3t@db:5432/app',
      'connecting to postgres://app:[REDACTED]@db:5432/app',
    ],
    [
      'a token query parameter',
      'GET /cb?code=1&access_token=abc HTTP/1.1',
      'GET /cb?code=1&access_token=[REDACTED] HTTP/1.1',
    ],
  ])('redacts %s', (_name, input, expected) => {
    // Act
    const redacted = redactSecrets(input);

    // Assess
    expect(redacted).toBe(expected);
  });

  it('redacts the signature, credential and session token of a pre-signed URL in a stoppedReason', () => {
    // Act
    const redacted = redactSecrets(PRESIGNED_STOPPED_REASON);

    // Assess
    expect(redacted).toContain('X-Amz-Signature=[REDACTED]');
    expect(redacted).toContain('X-Amz-Credential=[REDACTED]');
    expect(redacted).toContain('X-Amz-Security-Token=[REDACTED]');
    expect(redacted).toContain('X-Amz-Date=20211126T172930Z');
    expect(redacted).toMatch(/^CannotPullContainerError: .*: 403 Forbidden$/);
    expect(redacted).not.toMatch(/IQoJb3JpZ2luX2VjEXAMPLETOKEN|0123456789abcdef|ASIAXAMPLE/);
  });

  it.each([
    'token bucket refilled',
    'password reset page rendered',
    'secret rotation scheduled for tomorrow',
    'max_tokens=100 tokens: 5 remaining',
    'password_reset_sent=true',
    'Authorization header missing',
    'pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
    'Bearer tokens are required',
    'GET /health HTTP/1.1 200 12ms',
    '{"level":"info","msg":"request served","durationMs":12}',
    'connecting to https://example.com/path?page=2',
    'ghp_short is not a token',
    'apikeys listed: 3',
    '',
  ])('leaves the ordinary line %j as it is', (line) => {
    // Act
    const redacted = redactSecrets(line);

    // Assess
    expect(redacted).toBe(line);
  });

  it('keeps a value that an earlier rule already redacted from being redacted twice', () => {
    // Act
    const redacted = redactSecrets(redactSecrets('password=hunter2'));

    // Assess
    expect(redacted).toBe('password=[REDACTED]');
  });
});
