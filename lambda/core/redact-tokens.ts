/**
 * Credentials recognised by their shape alone: provider token formats, and the signature parameters of
 * signed URLs. Each expression runs in linear time: a token starts only where the character before it
 * cannot belong to it (a lookbehind over the token's own alphabet), so an attempt that fails inside a long
 * run of token characters is never retried from the middle of that run, and every repetition is either the
 * end of the expression or bounded. Each expression starts with a character to match before any lookbehind,
 * so the combined expression rejects most positions on their first character.
 */
import { anyCase, type Redaction, type ScanState } from './redact-scan.js';

/** One redaction rule of the single-scan redactor. */
export interface RedactionRule {
  /** Named in tests and in the benchmark. */
  readonly name: string;
  /**
   * A regular-expression source without capturing groups, run without flags as one alternative of the
   * combined expression; case-insensitive parts are written with `anyCase`.
   */
  readonly trigger: string;
  /**
   * A regular-expression source matching one character, that every trigger match starts with: the scan tries
   * only the rules whose first character is the one found. Defaults to the trigger's first character or class.
   */
  readonly first?: string;
  /**
   * A regular-expression source matching one character, that the character before every trigger match
   * matches: where it does not, the scan skips the rule without running its trigger. Any when left out.
   */
  readonly after?: string;
  /** The redaction at a trigger match (`start` to `end`), or undefined when it is not a credential after all. */
  redact(state: ScanState, start: number, end: number): Redaction | undefined;
  /** Text that, repeated to fill a long line, makes this rule work hardest: the benchmark's adversarial input. */
  readonly adversarial: readonly string[];
}

const TOKEN = '[REDACTED-TOKEN]';

/** A rule of a token format: the marker it leaves, and whether the match keeps a prefix (a parameter name). */
interface ShapeRule extends RedactionRule {
  readonly placeholder: string;
  readonly keepsPrefix: boolean;
}

/** A rule whose whole match is the credential, or whose match keeps `keep` characters before it. */
function shapeRule(
  name: string,
  trigger: string,
  placeholder: string,
  adversarial: readonly string[],
  keep?: RegExp,
): ShapeRule {
  return {
    name,
    trigger,
    adversarial,
    placeholder,
    keepsPrefix: keep !== undefined,
    redact(state, start, end) {
      if (keep === undefined) return { start, end, replacement: placeholder };
      keep.lastIndex = start;
      const kept = keep.exec(state.text)?.[0].length ?? 0;
      return { start: start + kept, end, replacement: placeholder };
    },
  };
}

/** A value that a URL's query carries: up to `&`, whitespace, a quote, or `: ` (ECS appends `: 403 Forbidden`). */
const QUERY_VALUE = `(?:[^&\\s"'<>:]|:(?![\\s]|$))+`;

const SIGNED_URL_PARAMETERS = [
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'X-Goog-Signature',
  'X-Goog-Credential',
  'Signature',
  'AWSAccessKeyId',
  'sig',
  'token',
  'access_token',
]
  .map(anyCase)
  .join('|');

const SHAPE_RULES: readonly ShapeRule[] = [
  shapeRule(
    'signed URL parameter',
    `[?&;](?:${SIGNED_URL_PARAMETERS})=${QUERY_VALUE}`,
    '[REDACTED]',
    ['?sig=', '&X-Amz-Signature=a:', '?x-amz-signature', '&sig=a:b:c:d', '&sig=a'],
    /[?&;][^=]*=/y,
  ),
  shapeRule(
    'AWS access key id',
    'A(?<![A-Z0-9]A)(?:KIA|SIA|ROA|IDA|GPA|NPA|NVA|IPA|BIA|CCA)[A-Z0-9]{16}(?![A-Z0-9])',
    '[REDACTED-ACCESS-KEY]',
    ['AKIA', 'AKIAAAAAAAAAAAAAAAAA', ' AKIAIOSFODNN7EXAMPL', ' AKIAIOSFODNN7EXAMPLE'],
  ),
  shapeRule(
    'JWT',
    'e(?<![A-Za-z0-9_-]e)yJ[A-Za-z0-9_-]+\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*',
    '[REDACTED-JWT]',
    ['eyJ', 'eyJa.', 'eyJa.eyJb', '.eyJa', ' eyJa.eyJb.c'],
  ),
  shapeRule(
    'GitHub token',
    'g(?<![A-Za-z0-9]g)(?:h[pousr]_[A-Za-z0-9]{20,}|ithub_pat_[A-Za-z0-9_]{20,})',
    TOKEN,
    ['ghp_', 'ghp_aaaaaaaaaaaaaaaaaaa ', 'github_pat_ ', 'ghp_aaaaaaaaaaaaaaaaaaaa '],
  ),
  shapeRule(
    'GitLab token',
    'g(?<![A-Za-z0-9_-]g)l(?:pat|ptt|dt|rt|cbt|oas|soat|ft|imt)-[A-Za-z0-9_-]{20,}',
    TOKEN,
    ['glpat-', 'glpat-aaaaaaaaaaaaaaaaaaa '],
  ),
  shapeRule('Slack token', 'x(?<![A-Za-z0-9]x)(?:ox[abposr]-|app-[0-9]-)[A-Za-z0-9-]{10,}', TOKEN, [
    'xoxb-',
    'xoxb-aaaaaaaa ',
    'xapp-1-',
  ]),
  shapeRule(
    'Slack webhook',
    'hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+',
    '[REDACTED]',
    ['hooks.slack.com/services/', 'hooks.slack.com/'],
    /hooks\.slack\.com\/[a-z]+\//y,
  ),
  shapeRule(
    'Stripe key',
    '[rsw](?<![A-Za-z0-9_][rsw])(?:(?<=[rs])k_(?:live|test)_[A-Za-z0-9]{16,}|(?<=w)hsec_[A-Za-z0-9]{24,})',
    TOKEN,
    ['sk_live_', 'sk_live_aaaaaaaaaaaaaaa ', 'whsec_'],
  ),
  shapeRule('OpenAI-style secret key', 's(?<![A-Za-z0-9_-]s)k-[A-Za-z0-9_-]{20,}', TOKEN, [
    'sk-',
    'sk-aaaaaaaaaaaaaaaaaaa ',
  ]),
  shapeRule('Google API key', 'A(?<![A-Za-z0-9_-]A)Iza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])', TOKEN, [
    'AIza',
    ' AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ]),
  shapeRule('npm token', 'n(?<![A-Za-z0-9_]n)pm_[A-Za-z0-9]{36}(?![A-Za-z0-9])', TOKEN, [
    'npm_',
    ' npm_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ]),
  shapeRule(
    'SendGrid key',
    'S(?<![A-Za-z0-9_-]S)G\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])',
    TOKEN,
    ['SG.', ' SG.aaaaaaaaaaaaaaaaaaaaaa.'],
  ),
  shapeRule(
    'bearer token',
    `[Bb](?<![A-Za-z0-9_-][Bb])${anyCase('earer')}[ \\t]+[A-Za-z0-9._~+/-]{8,}=*`,
    '[REDACTED]',
    ['Bearer ', 'bearer      ', 'Bearer aaaaaaa ', 'Bearer aaaaaaaa '],
    /[A-Za-z]+[ \t]+/y,
  ),
];

/** Rules that need no context: the token itself says what it is. */
export const TOKEN_RULES: readonly RedactionRule[] = SHAPE_RULES;

/** The whole-value forms of the token formats, to name what a key's value was (`token: [REDACTED-JWT]`). */
const WHOLE_VALUE = SHAPE_RULES.filter((rule) => !rule.keepsPrefix).map((rule) => ({
  pattern: new RegExp(`(?:${rule.trigger})$`, 'y'),
  placeholder: rule.placeholder,
}));

/**
 * The marker for a key's value: the token format's own marker when the whole value is one, else `[REDACTED]`.
 * @example placeholderFor('ghp_abcdefghijklmnopqrstuvwxyz0123456789') === '[REDACTED-TOKEN]'
 */
export function placeholderFor(value: string): string {
  // The shortest token format (a JWT) has 10 characters.
  if (value.length < 10 || value.length > 4096) return '[REDACTED]';
  for (const { pattern, placeholder } of WHOLE_VALUE) {
    pattern.lastIndex = 0;
    if (pattern.test(value)) return placeholder;
  }
  return '[REDACTED]';
}
