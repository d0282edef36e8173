/**
 * Credentials that ECS and applications put into free text: pre-signed URL query parameters (SigV4 and
 * SigV2), access key ids, HTTP Authorization values, JWTs, GitHub and Slack tokens, secrets in key=value,
 * `key: value` and JSON form, bearer tokens and passwords in URLs. Each rule keeps the parameter name so the
 * reader still sees what was there.
 */

/**
 * Names whose value is a credential. The lookbehind (instead of `\b`) lets a prefix joined by `_` or `-`
 * count too (`DB_PASSWORD`, `client_secret`, `GITHUB_TOKEN`), while `tokens=` or `password_reset` stay
 * untouched because the name must be followed by `=` or `:`.
 */
const SECRET_KEYS =
  'aws_secret_access_key|aws_session_token|secret_access_key|secretAccessKey|sessionToken|accessToken|refreshToken|clientSecret|apiKey|password|passwd|pwd|secret|secret[_-]?key|private[_-]?key|api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|id[_-]?token|token';

/**
 * `name` + optional closing quote of a JSON key (also escaped, as in JSON inside a JSON string) + `=` or `:`.
 * The value is a double- or single-quoted string (spaces included), an escaped-quoted string, or a bare word.
 * A value already redacted by an earlier rule is left alone.
 */
const KEY_VALUE = new RegExp(
  `((?<![A-Za-z0-9])(?:${SECRET_KEYS})(?:\\\\?["'])?\\s*[=:]\\s*)(?!\\\\?["']?\\[REDACTED)("(?:[^"\\\\\\r\\n]|\\\\.)*"|'[^'\\r\\n]*'|\\\\"(?:[^"\\\\]|\\\\(?!"))*\\\\"|\\\\?["']?[^\\s"'&,;\\\\]+)`,
  'gi',
);

/** Keeps the quotes around a quoted value so JSON stays JSON. */
function redactValue(_match: string, prefix: string, value: string): string {
  if (value.startsWith('\\"') && value.endsWith('\\"') && value.length >= 4)
    return `${prefix}\\"[REDACTED]\\"`;
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
    return `${prefix}${quote}[REDACTED]${quote}`;
  }
  const opening = /^\\?["']/.exec(value)?.[0] ?? '';
  return `${prefix}${opening}[REDACTED]`;
}

type Replacement = string | ((match: string, ...groups: string[]) => string);

const RULES: ReadonlyArray<readonly [RegExp, Replacement]> = [
  // A colon followed by a space ends the value: ECS appends `: 403 Forbidden` right after the URL.
  [
    /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId|x-amz-security-token|sig|token|access_token)=)(?:[^&\s"'<>:]|:(?!\s|$))+/gi,
    '$1[REDACTED]',
  ],
  [/\b((?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16})\b/g, '[REDACTED-ACCESS-KEY]'],
  // The scheme stays visible (Basic, Bearer...): it tells the reader what kind of credential was sent.
  // Without a scheme only a long opaque value counts: "may require authorization: server message" is prose.
  [
    /((?<![A-Za-z0-9])(?:Proxy-)?Authorization(?:\\?["'])?\s*[=:]\s*(?:\\?["'])?)(?:((?:Basic|Bearer|Digest|Negotiate|Token|AWS4-HMAC-SHA256)\s+)[^\s"'\\]+|[A-Za-z0-9._~+/=-]{16,})/gi,
    (_match: string, prefix: string, scheme: string | undefined) => `${prefix}${scheme ?? ''}[REDACTED]`,
  ],
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[REDACTED-JWT]'],
  [/(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, '[REDACTED-TOKEN]'],
  [/(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,}/g, '[REDACTED-TOKEN]'],
  [/\b(Bearer\s+)(?!\[REDACTED)[A-Za-z0-9._~+/-]{8,}=*/g, '$1[REDACTED]'],
  [KEY_VALUE, redactValue],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, '$1[REDACTED]@'],
];

// A cheap pre-check keeps the per-line cost near zero for the millions of log lines that carry nothing.
// Every rule above needs one of these fragments, so a line without any of them is returned as is.
const MAYBE_SECRET =
  /amz|signature|akia|asia|aroa|aida|secret|token|passw|pwd|api.?key|private.?key|bearer|authorization|eyJ|gh[pousr]_|github_pat_|xox[baprs]-|:\/\/[^/\s]*@|sig=/i;

/**
 * Replaces credentials in free text with `[REDACTED]` markers, keeping the parameter names.
 * @example redactSecrets('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc') === 'https://b.s3.amazonaws.com/k?X-Amz-Signature=[REDACTED]'
 * @example redactSecrets('{"password":"hunter2"}') === '{"password":"[REDACTED]"}'
 */
export function redactSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of RULES) {
    out =
      typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}
