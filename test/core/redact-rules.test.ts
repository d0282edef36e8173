import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../lambda/core/redact.js';
import { ANY_TRIGGER, firstCharacter, REDACTION_RULES } from '../../lambda/core/redact-rules.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMbRvI0MBZhpI',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

/** [rule, input, expected]: each rule's credentials, in the forms the rule covers. */
const REDACTED: ReadonlyArray<readonly [string, string, string]> = [
  ['key and value', 'dbPassword=hunter2 user=bob', 'dbPassword=[REDACTED] user=bob'],
  ['key and value', 'PGPASSWORD=s3cr3t psql -h db', 'PGPASSWORD=[REDACTED] psql -h db'],
  ['key and value', '{"appSecret":"a b","level":"info"}', '{"appSecret":"[REDACTED]","level":"info"}'],
  ['key and value', 'config:\n  api_key: x\n  name: web', 'config:\n  api_key: [REDACTED]\n  name: web'],
  ['key and value', '- password: hunter', '- password: [REDACTED]'],
  ['key and value', 'X-Api-Key: abc123', 'X-Api-Key: [REDACTED]'],
  ['key and value', 'privateKey => "k"', 'privateKey => "[REDACTED]"'],
  ['key and value', 'session_id=abc; path=/', 'session_id=[REDACTED]; path=/'],
  ['key and value', 'client.credentials = a1', 'client.credentials = [REDACTED]'],
  ['key and value', 'x-auth-token: 7f3a', 'x-auth-token: [REDACTED]'],
  ['key and value', 'invalid token: abc123', 'invalid token: [REDACTED]'],
  ['key and value', 'secret="unclosed value', 'secret="[REDACTED]'],
  ['key and value', 'AccountKey=abc+def==;EndpointSuffix=x', 'AccountKey=[REDACTED];EndpointSuffix=x'],
  ['key and value', `token: ${JWT}`, 'token: [REDACTED-JWT]'],
  ['key and value', 'aws_access_key_id=AKIAIOSFODNN7EXAMPLE', 'aws_access_key_id=[REDACTED-ACCESS-KEY]'],
  [
    'key and value',
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'aws_secret_access_key = [REDACTED]',
  ],
  ['key and value', 'Cookie: session=abc123; theme=dark', 'Cookie: session=[REDACTED]; theme=[REDACTED]'],
  [
    'key and value',
    'Set-Cookie: sid=abc123; Path=/; HttpOnly',
    'Set-Cookie: sid=[REDACTED]; Path=/; HttpOnly',
  ],
  [
    'key and value',
    'Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature=abc',
    'Authorization: AWS4-HMAC-SHA256 [REDACTED]',
  ],
  ['command-line flag', 'run --password hunter2 --verbose', 'run --password [REDACTED] --verbose'],
  ['command-line flag', 'run --db-password "a b"', 'run --db-password "[REDACTED]"'],
  ['command-line flag', 'java -token abc Main', 'java -token [REDACTED] Main'],
  ['key and value', 'run --password=hunter2', 'run --password=[REDACTED]'],
  ['MySQL -p password', 'mysql -uroot -psecret -h db', 'mysql -uroot -p[REDACTED] -h db'],
  ['MySQL -p password', 'exec mysqldump -pS3cr3t app', 'exec mysqldump -p[REDACTED] app'],
  ['URL user info', 'postgres://app:pa/ss@db:5432/app', 'postgres://app:[REDACTED]@db:5432/app'],
  ['URL user info', 'redis://:p4ss@cache:6379', 'redis://:[REDACTED]@cache:6379'],
  [
    'PEM private key',
    `key ${PEM} loaded`,
    'key -----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY----- loaded',
  ],
  ['PEM private key', '-----BEGIN PRIVATE KEY-----\nMIIE', '-----BEGIN PRIVATE KEY-----[REDACTED]'],
  ['AWS access key id', 'using ASIAIOSFODNN7EXAMPLE now', 'using [REDACTED-ACCESS-KEY] now'],
  ['Stripe key', 'key sk_live_abcdefghijklmnop1234', 'key [REDACTED-TOKEN]'],
  ['Stripe key', 'whsec_abcdefghijklmnopqrstuvwxyz', '[REDACTED-TOKEN]'],
  ['OpenAI-style secret key', 'OPENAI sk-proj-abcdefghijklmnopqrstuv', 'OPENAI [REDACTED-TOKEN]'],
  ['Google API key', 'key AIzaSyA1234567890abcdefghijklmnopqrstuv ok', 'key [REDACTED-TOKEN] ok'],
  ['Slack token', 'slack xoxb-123456789012-abcdefghijkl ready', 'slack [REDACTED-TOKEN] ready'],
  [
    'Slack webhook',
    'POST https://hooks.slack.com/services/T000/B000/XXXX ok',
    'POST https://hooks.slack.com/services/[REDACTED] ok',
  ],
  ['GitHub token', 'gho_abcdefghijklmnopqrstuvwxyz0123456789', '[REDACTED-TOKEN]'],
  ['GitHub token', 'github_pat_11ABCDEFG0abcdefghijklmnop', '[REDACTED-TOKEN]'],
  ['GitLab token', 'glpat-abcdefghijklmnopqrst1 ok', '[REDACTED-TOKEN] ok'],
  [
    'npm token',
    '//registry.npmjs.org/ npm_abcdefghijklmnopqrstuvwxyz0123456789',
    '//registry.npmjs.org/ [REDACTED-TOKEN]',
  ],
  [
    'SendGrid key',
    'SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789abcdefg',
    '[REDACTED-TOKEN]',
  ],
  ['JWT', `session ${JWT} expired`, 'session [REDACTED-JWT] expired'],
  ['bearer token', 'sending Bearer abc.def-ghi_jkl', 'sending Bearer [REDACTED]'],
  [
    'signed URL parameter',
    'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=abc&X-Amz-Security-Token=tok',
    'https://b.s3.amazonaws.com/k?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&X-Amz-Security-Token=[REDACTED]',
  ],
  [
    'signed URL parameter',
    'https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4&X-Goog-Signature=abcd',
    'https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4&X-Goog-Signature=[REDACTED]',
  ],
  [
    'signed URL parameter',
    'https://st.blob.core.windows.net/c/b?sv=2020&sig=abc%2Fdef&se=1',
    'https://st.blob.core.windows.net/c/b?sv=2020&sig=[REDACTED]&se=1',
  ],
];

/** [rule, ordinary text the rule must leave as it is]. */
const KEPT: ReadonlyArray<readonly [string, string]> = [
  ['key and value', 'invalid token: expired'],
  ['key and value', 'may require authorization: server message'],
  ['key and value', 'max_tokens=100 tokens: 5 remaining'],
  ['key and value', 'password_reset_sent=true'],
  ['key and value', 'secretName: my-db-secret'],
  ['key and value', '"passwordRequired": true'],
  ['key and value', 'PWD=/home/app OLDPWD=/'],
  ['key and value', 'author: Jane'],
  ['key and value', 'if token == expected'],
  ['key and value', 'password='],
  ['command-line flag', 'run --no-password --verbose'],
  ['command-line flag', 'run --token-file /run/token'],
  ['MySQL -p password', 'ssh -p2222 host'],
  ['MySQL -p password', 'gcc -pthread main.c'],
  ['URL user info', 'GET https://example.com:8080/users/bob@example.com'],
  ['URL user info', 'see https://example.com/a:b@c'],
  ['PEM private key', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
  ['AWS access key id', 'AKIA is the prefix of an access key id'],
  ['Stripe key', 'pk_live_abcdefghijklmnop1234 is publishable'],
  ['OpenAI-style secret key', 'task-definition-revision-12345678901234'],
  ['Google API key', 'AIza too short'],
  ['Slack token', 'xoxb- without a token'],
  ['GitHub token', 'ghp_short is not a token'],
  ['GitLab token', 'glpat-short'],
  ['npm token', 'npm_config_cache=/tmp'],
  ['SendGrid key', 'SG.short.value'],
  ['JWT', 'eyJ alone'],
  ['bearer token', 'Bearer tokens are required'],
  ['Slack webhook', 'see https://hooks.slack.com/apps for the app'],
  ['signed URL parameter', 'https://example.com/path?page=2&sort=asc'],
];

describe('the redaction rules', () => {
  it.each(REDACTED)('%s: redacts %j', (_rule, input, expected) => {
    // Act
    const redacted = redactSecrets(input);

    // Assess
    expect(redacted).toBe(expected);
  });

  it.each(KEPT)('%s: leaves %j as it is', (_rule, input) => {
    // Act
    const redacted = redactSecrets(input);

    // Assess
    expect(redacted).toBe(input);
  });

  it.each(REDACTION_RULES.map((rule) => [rule.name, rule] as const))(
    '%s has positive and negative cases, adversarial inputs and no capturing group',
    (name, rule) => {
      // Assess
      // The MySQL client command redacts nothing itself: it lets the -p password rule act on its line.
      const enabler = name === 'MySQL client command';
      expect(REDACTED.some(([r]) => r === name) || enabler).toBe(true);
      expect(KEPT.some(([r]) => r === name) || enabler).toBe(true);
      expect(rule.adversarial.length).toBeGreaterThan(0);
      expect(new RegExp(`${rule.trigger}|`).exec('')?.length).toBe(1);
    },
  );
});

/** Fragments that make generated text touch every rule: names, separators, quotes, token prefixes. */
const FRAGMENTS = [
  'password',
  'Token',
  'api_key',
  'Cookie',
  'Set-Cookie',
  'Authorization',
  'Bearer ',
  'Basic ',
  '=',
  ': ',
  ':',
  '"',
  "'",
  '\\"',
  ' ',
  '\n',
  ',',
  ';',
  '&',
  '?sig=',
  '-p',
  '--password ',
  'mysql ',
  'https://',
  'u:p@h',
  '@',
  '/',
  '-----BEGIN PRIVATE KEY-----',
  '-----END PRIVATE KEY-----',
  'AKIAIOSFODNN7EXAMPLE',
  JWT,
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'sk-abcdefghijklmnopqrstuvwxyz',
  '[REDACTED]',
  '[REDACTED',
  'expired',
  'true',
  'x1',
  '{',
  '-',
  'a://b:',
  'A',
  'eyJ',
  'gh',
  'p_',
  'glpat-',
  'xoxb-',
  'hooks.slack.com/services/',
  'sk_live_',
  'AIza',
  'npm_',
  'SG.',
];

describe('redactSecrets as a whole', () => {
  it('gives the same text when it redacts its own output', () => {
    const text = fc.oneof(
      fc.string(),
      fc
        .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 24 })
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, (input) => {
        // Act
        const once = redactSecrets(input);

        // Assess
        expect(redactSecrets(once)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it('never lets a password through next to a name that says so', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('password', 'DB_PASSWORD', 'appSecret', 'api-key', 'X-Auth-Token', 'sessionId'),
        fc.constantFrom('=', ': ', '=', ' = '),
        fc.stringMatching(/^[A-Za-z0-9!#%*+/^~]{1,20}$/),
        (name, separator, secret) => {
          fc.pre(!/^(?:true|false|null|nil|none|undefined)$/i.test(secret));
          // Act
          const redacted = redactSecrets(`${name}${separator}${secret}\n`);

          // Assess
          expect(redacted).toBe(`${name}${separator}[REDACTED]\n`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('skips only text on which no rule could start', () => {
    // The -p password rule acts only on a MySQL client's line, which the pre-check looks for instead.
    const triggers = REDACTION_RULES.filter((rule) => rule.name !== 'MySQL -p password');
    const anyRule = new RegExp(triggers.map((rule) => `(?:${rule.trigger})`).join('|'));
    const text = fc
      .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 24 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (input) => {
        // Act
        const starts = anyRule.test(input);

        // Assess
        expect(!starts || ANY_TRIGGER.test(input)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    for (const [, input] of REDACTED) expect(ANY_TRIGGER.test(input)).toBe(true);
  });

  it('knows the first character of every trigger match and the one before it', () => {
    const rules = REDACTION_RULES.map((rule) => ({
      trigger: new RegExp(rule.trigger, 'g'),
      first: firstCharacter(rule),
      after: new RegExp(`^(?:${rule.after ?? '[^]'})$`),
    }));
    const text = fc
      .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 24 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (input) => {
        for (const { trigger, first, after } of rules) {
          // Act
          const matches = [...input.matchAll(trigger)];

          // Assess
          expect(matches.every((match) => first.test(input.charAt(match.index)))).toBe(true);
          expect(
            matches.every((match) => match.index === 0 || after.test(input.charAt(match.index - 1))),
          ).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
