/**
 * Credentials that ECS and applications put into free text: pre-signed URL query parameters (SigV4 and
 * SigV2), access key ids, secrets in key=value form, bearer tokens and passwords in URLs. Each rule keeps
 * the parameter name so the reader still sees what was there.
 */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId|x-amz-security-token|sig|token|access_token)=)[^&\s"'<>]+/gi,
    '$1[REDACTED]',
  ],
  [/\b((?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16})\b/g, '[REDACTED-ACCESS-KEY]'],
  [
    /\b((?:aws_secret_access_key|aws_session_token|secret_access_key|secretAccessKey|sessionToken|password|passwd|secret|api[_-]?key)\s*[=:]\s*"?)[^\s"&,;]+/gi,
    '$1[REDACTED]',
  ],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/g, '$1[REDACTED]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, '$1[REDACTED]@'],
];

// A cheap pre-check keeps the per-line cost near zero for the millions of log lines that carry nothing.
const MAYBE_SECRET =
  /amz|signature|akia|asia|aroa|aida|secret|token|passw|api.?key|bearer|:\/\/[^/\s]*@|sig=/i;

/**
 * Replaces credentials in free text with `[REDACTED]` markers.
 * @example redactSecrets('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc') === 'https://b.s3.amazonaws.com/k?X-Amz-Signature=[REDACTED]'
 */
export function redactSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
