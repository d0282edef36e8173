/**
 * Every rule of the redactor, in the order they are tried where several start at the same position: token
 * formats first (they never change their mind), then PEM blocks and URL user info, then the rules that read
 * a name before the value.
 */
import { KEY_RULES } from './redact-keys.js';
import type { Redaction } from './redact-scan.js';
import { type RedactionRule, TOKEN_RULES } from './redact-tokens.js';

export type { RedactionRule } from './redact-tokens.js';

const END_LINE = /-----END [A-Z0-9 ]{0,40}-----/y;

/**
 * A PEM private key: the body between the BEGIN and END lines goes. A block whose END line never comes (a
 * cut-off message) is redacted to the end of the text.
 */
const pemRule: RedactionRule = {
  name: 'PEM private key',
  trigger: '-----BEGIN (?:(?:RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----',
  adversarial: [
    '-----BEGIN PRIVATE KEY-----',
    '-----BEGIN RSA PRIVATE KEY-----a',
    '-----BEGIN -----END ',
    '-----BEGIN PRIVATE KEY-----a-----END PRIVATE KEY-----',
  ],
  redact(state, _start, end): Redaction {
    const endLine = state.pemEnd.find(end);
    END_LINE.lastIndex = endLine;
    const closing = END_LINE.exec(state.text)?.[0];
    const stop = closing === undefined ? endLine : endLine + closing.length;
    return { start: end, end: stop, replacement: `[REDACTED]${closing ?? ''}` };
  },
};

/** `host:8080/path`: what looks like a password before an `@` later in the path is a port. */
const PORT = /^\d+(?:[/?#]|$)/;

/**
 * The password of URL user info, `scheme://user:password@host`, a password with `/` in it included. It
 * runs to the first `@` before whitespace, a quote or an angle bracket.
 */
const userInfoRule: RedactionRule = {
  name: 'URL user info',
  // Only an authority with a colon triggers (user info, or a port), so ordinary URLs cost nothing more.
  trigger: ':(?<=(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:)//[^/\\s:@"\'<>]*:',
  adversarial: ['a://a:', 'https://a:b', 'a://', 'a://a:8080/@', 'a://u:p@h '],
  redact(state, _start, end) {
    const text = state.text;
    const at = state.userInfoEnd.find(end);
    if (text.charCodeAt(at) !== 64 || at === end) return undefined;
    const password = text.slice(end, at);
    if (PORT.test(password)) return undefined;
    return { start: end, end: at, replacement: '[REDACTED]' };
  },
};

/** The rules of one scan, in the order they are tried at one position. */
export const REDACTION_RULES: readonly RedactionRule[] = [
  ...TOKEN_RULES,
  pemRule,
  userInfoRule,
  ...KEY_RULES,
];

/**
 * Text that every trigger of `REDACTION_RULES` contains (key names in any case, spelled out: V8 runs this
 * slower with the `i` flag). A line without any of it holds nothing a rule could start on, so it is returned
 * without the full scan; most log lines are such lines. It only has to be a superset of the triggers: a
 * false hit costs the full scan, never a missed secret.
 */
export const ANY_TRIGGER = new RegExp(
  [
    // Key names, flags, headers, signed URL parameters, bearer tokens, factored by first letter: pass, pwd,
    // secret, session, sig (and `Signature`), token, key (every `…Key`), credential, cookie, auth, bearer.
    '[Pp](?:[Aa][Ss][Ss]|[Ww][Dd])|[Ss](?:[Ee][Cc][Rr][Ee][Tt]|[Ee][Ss][Ss][Ii][Oo][Nn]|[Ii][Gg]|G\\.|[Kk]-)',
    '[Tt][Oo][Kk][Ee][Nn]|[Kk](?:[Ee][Yy]|_(?:live|test)_)|[Cc](?:[Rr][Ee][Dd][Ee][Nn][Tt][Ii][Aa][Ll]|[Oo][Oo][Kk][Ii][Ee])',
    '[Aa](?:[Uu][Tt][Hh]|Iza|KIA|SIA|ROA|IDA|GPA|NPA|NVA|IPA|BIA|CCA)|[Bb][Ee][Aa][Rr][Ee][Rr]',
    // URL user info, PEM blocks, MySQL clients, the other token formats.
    ':\\/\\/|-----BEGIN|m(?:ysql|ariadb)|eyJ|g(?:h[pousr]_|ithub_pat_|l(?:pat|ptt|dt|rt|cbt|oas|soat|ft|imt)-)',
    'x(?:ox|app-)|hooks\\.slack|whsec_|npm_',
  ].join('|'),
);

/**
 * An expression for the characters a rule's trigger can start with: its `first`, or the trigger's first
 * character or character class.
 * @example firstCharacter(pemRule).test('-') === true
 */
export function firstCharacter(rule: RedactionRule): RegExp {
  return new RegExp(`^(?:${rule.first ?? firstAtom(rule.trigger)})$`);
}

function firstAtom(source: string): string {
  if (source.startsWith('\\')) return source.slice(0, 2);
  if (!source.startsWith('[')) return source.charAt(0);
  let i = 1;
  while (source.charAt(i) !== ']') i += source.charAt(i) === '\\' ? 2 : 1;
  return source.slice(0, i + 1);
}
