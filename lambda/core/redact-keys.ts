/**
 * Credentials recognised by the name in front of them: `key=value`, `key: value`, JSON and YAML keys,
 * command-line flags, `Authorization`, `Cookie` and `Set-Cookie` headers. A value is redacted when its
 * key's name ends in a secret word, in any case and with any prefix (`dbPassword`, `PGPASSWORD`,
 * `client_secret`, `X-Api-Key`), so `password_reset_sent` or `max_tokens` stay readable.
 */
import { anyCase, markerLength, type Redaction, type ScanState } from './redact-scan.js';
import { placeholderFor, type RedactionRule } from './redact-tokens.js';

/**
 * The same names as a trigger: any case, `_`, `-` or `.` allowed between the parts (`api_key`, `Set-Cookie`),
 * so that a key that names nothing secret never costs more than the scan itself.
 */
const SEP = '[_.-]?';
const TRIGGER_WORDS = [
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  `api${SEP}key`,
  `access${SEP}key`,
  `private${SEP}key`,
  `account${SEP}key`,
  'credentials?',
  'auth',
  'authorization',
  'session',
  'cookies?',
  'signature',
]
  .map((word) => word.replace(/[a-z]+/g, anyCase))
  .join('|');
const TRIGGER_SUFFIXES = `(?:${SEP}(?:${['key', 'id', 'value', 'hash', 'b64', 'base64', 'json'].map(anyCase).join('|')}))?`;
/** A key name that ends in a secret word. */
const SECRET_KEY = `(?:${TRIGGER_WORDS})${TRIGGER_SUFFIXES}`;

export type KeyKind = 'secret' | 'authorization' | 'cookie' | 'set-cookie';

const isKeyChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;

/** A bare value ends at whitespace, a quote, `&`, `,`, `;` or a backslash. */
const isBareStop = (c: number) =>
  Number.isNaN(c) || c <= 32 || c === 34 || c === 39 || c === 38 || c === 44 || c === 59 || c === 92;

/** A word that ends prose: whitespace, the end, or punctuation. */
const isWordEnd = (c: number) =>
  Number.isNaN(c) ||
  c <= 32 ||
  c === 46 ||
  c === 44 ||
  c === 59 ||
  c === 58 ||
  c === 33 ||
  c === 63 ||
  c === 41;

const isLowerLetter = (c: number) => c >= 97 && c <= 122;
const isLetter = (c: number) => isLowerLetter(c) || (c >= 65 && c <= 90);

/** Literals that say nothing about a secret: `"passwordRequired": true`. */
const LITERAL = /(?:true|false|null|nil|none|undefined)/iy;

function isLiteral(text: string, from: number): boolean {
  const first = text.charCodeAt(from) | 32;
  // t(rue), f(alse), n(ull, il, one), u(ndefined)
  if (first !== 116 && first !== 102 && first !== 110 && first !== 117) return false;
  LITERAL.lastIndex = from;
  const literal = LITERAL.exec(text)?.[0];
  return literal !== undefined && isBareStop(text.charCodeAt(from + literal.length));
}

/** The end of a bare value starting at `from`. */
function bareEnd(text: string, from: number): number {
  let i = from;
  while (!isBareStop(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Whether a `key: value` pair opens a statement (start of a line, after `{`, `[`, `(`, `,`, `;` or a YAML
 * list dash) rather than sitting inside a sentence such as `invalid token: expired`.
 */
function opensStatement(text: string, keyStart: number): boolean {
  let i = keyStart - 1;
  for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 45; c = text.charCodeAt(i)) i--;
  if (i < 0) return true;
  return '\n\r{[(,;'.includes(text.charAt(i));
}

/** A word of prose (`expired`, `Required`), judged without reading past it. */
function isProseWord(text: string, from: number): boolean {
  if (!isLetter(text.charCodeAt(from))) return false;
  let i = from + 1;
  while (isLowerLetter(text.charCodeAt(i))) i++;
  return isWordEnd(text.charCodeAt(i));
}

const AUTH_SCHEME =
  /(?:Basic|Bearer|Digest|Negotiate|NTLM|Token|OAuth|ApiKey|SharedKey|SSWS|AWS4-HMAC-SHA256|Splunk|GenieKey)[ \t]+/iy;
/** Schemes whose credentials are several comma-separated parameters: the rest of the value goes. */
const MULTI_PART_SCHEME = /^(?:digest|aws4-hmac-sha256|oauth)/i;
const OPAQUE_CREDENTIAL = /[A-Za-z0-9._~+/=-]{16,}/y;

/** The redacted content of a quoted or bare value. */
function redactedContent(kind: KeyKind, content: string): string {
  if (kind === 'authorization') {
    AUTH_SCHEME.lastIndex = 0;
    const scheme = AUTH_SCHEME.exec(content)?.[0];
    if (scheme !== undefined && scheme.length < content.length) return `${scheme}[REDACTED]`;
  }
  return placeholderFor(content);
}

/** A quoted value: `"..."`, `'...'` or `\"...\"`. An unclosed quote runs to the end of the line. */
function redactQuoted(state: ScanState, kind: KeyKind, start: number): Redaction | undefined {
  const text = state.text;
  const escaped = text.charCodeAt(start) === 92;
  const open = escaped ? 2 : 1;
  const from = start + open;
  if (markerLength(text, from) > 0) return undefined;
  const quote = text.charAt(start + open - 1);
  const finder = escaped
    ? state.escapedQuoteEnd
    : quote === '"'
      ? state.doubleQuoteEnd
      : state.singleQuoteEnd;
  const close = finder.find(from);
  const closed = escaped ? text.startsWith('\\"', close) : text.charAt(close) === quote;
  if (close === from) return undefined;
  const end = closed ? close + open : close;
  const replacement = `${text.slice(start, from)}${redactedContent(kind, text.slice(from, close))}${closed ? text.slice(close, end) : ''}`;
  return { start, end, replacement };
}

/** `Authorization: Basic x` keeps the scheme; without one, only a long opaque value counts. */
function redactBareAuthorization(text: string, from: number): Redaction | undefined {
  AUTH_SCHEME.lastIndex = from;
  const scheme = AUTH_SCHEME.exec(text)?.[0];
  if (scheme !== undefined) {
    const credential = from + scheme.length;
    if (markerLength(text, credential) > 0) return undefined;
    // Digest and SigV4 credentials are several parameters separated by `, `: the rest of the value goes.
    const end = MULTI_PART_SCHEME.test(scheme)
      ? quoteOrLineEnd(text, credential)
      : spaceOrQuoteEnd(text, credential);
    return end > credential ? { start: credential, end, replacement: '[REDACTED]' } : undefined;
  }
  OPAQUE_CREDENTIAL.lastIndex = from;
  const opaque = OPAQUE_CREDENTIAL.exec(text)?.[0];
  if (opaque === undefined || !isBareStop(text.charCodeAt(from + opaque.length))) return undefined;
  return { start: from, end: from + opaque.length, replacement: '[REDACTED]' };
}

function spaceOrQuoteEnd(text: string, from: number): number {
  let i = from;
  for (let c = text.charCodeAt(i); !(Number.isNaN(c) || c <= 32 || c === 34 || c === 39 || c === 92); ) {
    c = text.charCodeAt(++i);
  }
  return i;
}

function quoteOrLineEnd(text: string, from: number): number {
  let i = from;
  for (let c = text.charCodeAt(i); !(Number.isNaN(c) || c === 10 || c === 13 || c === 34 || c === 39); ) {
    c = text.charCodeAt(++i);
  }
  return i;
}

/**
 * `Cookie: a=1; b=2` keeps the cookie names and redacts each value; `Set-Cookie` redacts the cookie's value
 * and keeps its attributes (`Path`, `HttpOnly`...).
 */
function redactCookies(text: string, from: number, kind: 'cookie' | 'set-cookie'): Redaction | undefined {
  let out = '';
  let p = from;
  for (;;) {
    let eq = p;
    for (let c = text.charCodeAt(eq); !(isBareStop(c) || c === 61); c = text.charCodeAt(++eq));
    if (text.charCodeAt(eq) !== 61) break;
    let end = eq + 1;
    for (let c = text.charCodeAt(end); !(Number.isNaN(c) || c <= 32 || c === 59 || c === 34 || c === 39); ) {
      c = text.charCodeAt(++end);
    }
    const hidden = end > eq + 1 && markerLength(text, eq + 1) === 0;
    out += `${text.slice(p, eq + 1)}${hidden ? '[REDACTED]' : text.slice(eq + 1, end)}`;
    p = end;
    if (kind === 'set-cookie' || text.charCodeAt(p) !== 59) break;
    let next = p + 1;
    while (text.charCodeAt(next) === 32) next++;
    if (isBareStop(text.charCodeAt(next))) break;
    out += text.slice(p, next);
    p = next;
  }
  return p === from ? undefined : { start: from, end: p, replacement: out };
}

/**
 * The redaction of the value at `from` for a key of `kind`. `prose` allows a single word of prose to stay
 * (`invalid token: expired`).
 */
function redactValue(state: ScanState, kind: KeyKind, from: number, prose: boolean): Redaction | undefined {
  const text = state.text;
  const c = text.charCodeAt(from);
  if (Number.isNaN(c) || markerLength(text, from) > 0) return undefined;
  if (c === 34 || c === 39 || (c === 92 && text.charCodeAt(from + 1) === 34)) {
    return redactQuoted(state, kind, from);
  }
  if (kind === 'authorization') return redactBareAuthorization(text, from);
  if (kind === 'cookie' || kind === 'set-cookie') {
    const cookies = redactCookies(text, from, kind);
    if (cookies !== undefined) return cookies;
  }
  if (isLiteral(text, from)) return undefined;
  if (prose && isProseWord(text, from)) return undefined;
  const end = bareEnd(text, from);
  if (end === from) return undefined;
  return { start: from, end, replacement: placeholderFor(text.slice(from, end)) };
}

const isBlank = (c: number) => c === 32 || c === 9;

/**
 * The separator after a key name: an optional closing quote, `=`, `=>`, `:` or `:=`, and spaces. Read by
 * hand, as it runs at every key name: its length times two, plus one when the value may be prose (`key: v`
 * without a quote or `=`, and with a space), or -1 when there is none.
 * @example separatorAt('a: b', 1) === 5
 */
function separatorAt(text: string, from: number): number {
  let i = from;
  let c = text.charCodeAt(i);
  const quoted =
    c === 34 || c === 39 || (c === 92 && (text.charCodeAt(i + 1) === 34 || text.charCodeAt(i + 1) === 39));
  if (quoted) i += c === 92 ? 2 : 1;
  while (isBlank(text.charCodeAt(i))) i++;
  c = text.charCodeAt(i);
  let colonOnly = false;
  if (c === 61) {
    if (text.charCodeAt(++i) === 61) return -1;
    if (text.charCodeAt(i) === 62) i++;
  } else if (c === 58) {
    if (text.charCodeAt(++i) === 58) return -1;
    if (text.charCodeAt(i) === 61) i++;
    else colonOnly = true;
  } else {
    return -1;
  }
  const spaces = i;
  while (isBlank(text.charCodeAt(i))) i++;
  return (i - from) * 2 + (!quoted && colonOnly && i > spaces ? 1 : 0);
}
const FLAG_GAP = /[ \t]+/y;

/** Enough of the end of a name to tell an `Authorization` or `Cookie` header from other secret names. */
function keyKind(text: string, nameEnd: number): KeyKind {
  // Every name ends in a secret word; only `...authorization` and `...cookie` need a closer look.
  const last = text.charCodeAt(nameEnd - 1) | 32;
  if (last === 110) return endsWithWord(text, nameEnd, 'authorization') ? 'authorization' : 'secret';
  if (last !== 101 || !endsWithWord(text, nameEnd, 'cookie')) return 'secret';
  return endsWithWord(text, nameEnd - 6, 'set') ? 'set-cookie' : 'cookie';
}

/** Whether the name before `end`, in any case and with `_`, `.` or `-` anywhere, ends in `word` (lower case). */
function endsWithWord(text: string, end: number, word: string): boolean {
  let i = end - 1;
  for (let w = word.length - 1; w >= 0; w--, i--) {
    while (isNameSeparator(text.charCodeAt(i))) i--;
    if ((text.charCodeAt(i) | 32) !== word.charCodeAt(w)) return false;
  }
  return true;
}

const isNameSeparator = (c: number) => c === 95 || c === 46 || c === 45;

/** `PWD` and `OLDPWD`: the shell's working-directory variables end in `pwd` but hold paths. */
function isShellDirectory(text: string, nameStart: number, nameEnd: number): boolean {
  const length = nameEnd - nameStart;
  if (length === 3) return text.startsWith('PWD', nameStart);
  return length === 6 && text.startsWith('OLDPWD', nameStart);
}

/**
 * `name=value`, `name: value`, `"name": "value"`, `name => value`, `NAME := value`. The trigger is the
 * character right after a name that ends in a secret word, so names that say nothing cost nothing; the name
 * is then read backwards.
 */
const keyValueRule: RedactionRule = {
  name: 'key and value',
  trigger: `[\\\\"'=:](?<=(?:${SECRET_KEY}).)|[ \\t](?=[ \\t]*[=:])(?<=(?:${SECRET_KEY}).)`,
  first: `[\\\\"'=: \\t]`,
  // The last letters of the secret words and suffixes: `a://` or `x: 1` never tries the lookbehind.
  after: '[DdEeHhLlNnSsTtYy4]',
  adversarial: ['password="', 'token: expired ', 'pwd=a ', 'password', 'Password: ', 'a_secret\\"', 'pwd = '],
  redact(state, start) {
    const text = state.text;
    let nameStart = start;
    while (nameStart > 0 && isKeyChar(text.charCodeAt(nameStart - 1))) nameStart--;
    if (isShellDirectory(text, nameStart, start)) return undefined;
    const separator = separatorAt(text, start);
    if (separator < 0) return undefined;
    // Only `key: word` can be prose; `key=word`, `"key": word` and `key := word` are always assignments.
    const prose = separator % 2 === 1;
    const valueStart = start + (separator >> 1);
    return redactValue(state, keyKind(text, start), valueStart, prose && !opensStatement(text, nameStart));
  },
};

/** `--password x`, `--db-password "x y"`, `-token x`: a flag that names a secret, and the word after it. */
const flagRule: RedactionRule = {
  name: 'command-line flag',
  trigger: `-(?<![\\w.-]-)(?:-[\\w-]*?${SECRET_KEY}|${SECRET_KEY})[ \\t]`,
  adversarial: ['--password ', '-token -', '--a-b-c-d ', '-', '--password a '],
  redact(state, _start, end) {
    const text = state.text;
    FLAG_GAP.lastIndex = end - 1;
    const valueStart = end - 1 + (FLAG_GAP.exec(text)?.[0].length ?? 1);
    if (text.charCodeAt(valueStart) === 45) return undefined;
    return redactValue(state, 'secret', valueStart, false);
  },
};

/** A MySQL or MariaDB client program, whose `-p<password>` flag carries the password glued to it. */
const mysqlCommandRule: RedactionRule = {
  name: 'MySQL client command',
  trigger:
    'm(?<![\\w-]m)(?:ysql(?:dump|admin|import|show|check|pump|sh)?|ariadb(?:-dump|-admin|dump|admin)?)(?![\\w-])',
  adversarial: ['mysql ', 'mysql -p', 'mariadb\n'],
  redact(state, start) {
    state.mysqlCommandEnd = state.lineEnd.find(start);
    return undefined;
  },
};

/** `mysql -uroot -psecret`: only on the command line of a MySQL client, where `-p` means the password. */
const mysqlPasswordRule: RedactionRule = {
  name: 'MySQL -p password',
  trigger: `-(?<![^\\s]-)p(?=[^\\s"'])`,
  adversarial: ['-pa ', 'mysql -pa -pa -pa -pa'],
  redact(state, start, end) {
    if (start >= state.mysqlCommandEnd || markerLength(state.text, end) > 0) return undefined;
    const valueEnd = spaceOrQuoteEnd(state.text, end);
    return valueEnd > end ? { start: end, end: valueEnd, replacement: '[REDACTED]' } : undefined;
  },
};

/** The rules that read a name before the value, in the order they are tried at one position. */
export const KEY_RULES: readonly RedactionRule[] = [
  mysqlCommandRule,
  mysqlPasswordRule,
  flagRule,
  keyValueRule,
];
