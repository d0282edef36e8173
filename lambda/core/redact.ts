/**
 * Replaces credentials in free text with `[REDACTED]` markers, keeping the names around them so the reader
 * still sees what was there. One left-to-right scan of one combined expression finds every rule's trigger;
 * the rule then reads the value with searches that remember what they have read, so the whole pass stays
 * linear in the length of the text whatever the input. The rules are in `redact-rules.ts`.
 */
import { ANY_TRIGGER, REDACTION_RULES } from './redact-rules.js';
import { type Redaction, ScanState } from './redact-scan.js';

const alternatives = (from: number) =>
  REDACTION_RULES.slice(from)
    .map((rule) => `(${rule.trigger})`)
    .join('|');
const COMBINED = new RegExp(alternatives(0), 'g');
/** The rules after each one, anchored: they get their turn at a position where an earlier rule declined. */
const LATER = REDACTION_RULES.map((_, index) => new RegExp(alternatives(index + 1) || '(?!)', 'y'));

/**
 * Replaces credentials in free text with `[REDACTED]` markers (`[REDACTED-TOKEN]`, `[REDACTED-JWT]`,
 * `[REDACTED-ACCESS-KEY]` for recognised token formats), keeping the parameter and key names. Redacting
 * twice gives the same text as redacting once.
 * @example redactSecrets('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc') === 'https://b.s3.amazonaws.com/k?X-Amz-Signature=[REDACTED]'
 * @example redactSecrets('{"appSecret":"hunter2"}') === '{"appSecret":"[REDACTED]"}'
 * @example redactSecrets('invalid token: expired') === 'invalid token: expired'
 */
export function redactSecrets(text: string): string {
  if (!ANY_TRIGGER.test(text)) return text;
  let out = scan(text);
  // A marker can let a rule start where the text it replaced did not (`AKIA…EXAMPLEeyJ…`: the JWT follows a
  // letter, then a `]`). Only then another pass runs, so that redacting twice changes nothing.
  for (let pass = 1; pass < MAX_PASSES && out.glued; pass++) out = scan(out.text);
  return out.text;
}

/** Enough for any real text; a longer chain of glued credentials is still redacted, in fewer passes. */
const MAX_PASSES = 4;

/** Whether a rule's lookbehind could read the character after a redaction differently once it is a marker. */
const isGlue = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;

function scan(text: string): { readonly text: string; readonly glued: boolean } {
  COMBINED.lastIndex = 0;
  let match = COMBINED.exec(text);
  if (match === null) return { text, glued: false };
  const state = new ScanState(text);
  let out = '';
  let copied = 0;
  let changed = false;
  let glued = false;
  while (match !== null) {
    const start = match.index;
    let ruleIndex = -1;
    let redaction: Redaction | undefined;
    for (let found: RegExpExecArray | null = match; found !== null && redaction === undefined; ) {
      let group = 1;
      while (found[group] === undefined) group++;
      ruleIndex += group;
      redaction = REDACTION_RULES[ruleIndex]?.redact(state, start, start + found[0].length);
      if (redaction === undefined) {
        const later = LATER[ruleIndex] as RegExp;
        later.lastIndex = start;
        found = later.exec(text);
      }
    }
    if (redaction === undefined || redaction.start < copied) {
      COMBINED.lastIndex = start + 1;
    } else {
      out += text.slice(copied, redaction.start) + redaction.replacement;
      changed = true;
      glued ||= isGlue(text.charCodeAt(redaction.end));
      copied = redaction.end;
      COMBINED.lastIndex = Math.max(redaction.end, start + 1);
    }
    match = COMBINED.exec(text);
  }
  return changed ? { text: out + text.slice(copied), glued } : { text, glued: false };
}
