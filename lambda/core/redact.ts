/**
 * Replaces credentials in free text with `[REDACTED]` markers, keeping the names around them so the reader
 * still sees what was there. A line with no word a rule could start on is returned as it is. Otherwise one
 * left-to-right scan of one combined expression finds every rule's trigger; only the rules that can start
 * with the character found are tried there, and each reads the value with searches that remember what they
 * have read, so the whole pass stays linear in the length of the text whatever the input. The rules are in
 * `redact-rules.ts`.
 */
import { ANY_TRIGGER, firstCharacter, REDACTION_RULES } from './redact-rules.js';
import { type Redaction, ScanState } from './redact-scan.js';

/**
 * Every rule's trigger behind a lookahead, consuming only the first character: `test` then leaves the
 * match's start in `lastIndex` without building a match array, which the densest lines would pay for at
 * every few characters.
 */
const ANY_RULE = new RegExp(`(?=${REDACTION_RULES.map((rule) => `(?:${rule.trigger})`).join('|')})[^]`, 'g');
/** Each rule's trigger alone, anchored: it gives the match's end once the rule is known. */
const STICKY = REDACTION_RULES.map((rule) => new RegExp(rule.trigger, 'y'));
const FIRST = REDACTION_RULES.map(firstCharacter);
/** For each rule, the ASCII characters that may come before its trigger (all when the rule names none). */
const AFTER = REDACTION_RULES.map((rule) => {
  const after = new RegExp(`^(?:${rule.after ?? '[^]'})$`);
  return Array.from({ length: 128 }, (_, c) => after.test(String.fromCharCode(c)));
});

/** The indexes of the rules that can start with a character, in order; ASCII ones looked up, others rare. */
function rulesStartingWith(c: number): readonly number[] {
  const character = String.fromCharCode(c);
  return FIRST.flatMap((first, index) => (first.test(character) ? [index] : []));
}
const ASCII_RULES = Array.from({ length: 128 }, (_, c) => rulesStartingWith(c));

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

/** One pass. The output is built with `+=`: measured, V8's string ropes beat an array and `join` here. */
function scan(text: string): { readonly text: string; readonly glued: boolean } {
  ANY_RULE.lastIndex = 0;
  if (!ANY_RULE.test(text)) return { text, glued: false };
  const state = new ScanState(text);
  let out = '';
  let changed = false;
  let copied = 0;
  let glued = false;
  do {
    const start = ANY_RULE.lastIndex - 1;
    const c = text.charCodeAt(start);
    let redaction: Redaction | undefined;
    for (const index of c < 128 ? (ASCII_RULES[c] as readonly number[]) : rulesStartingWith(c)) {
      const before = text.charCodeAt(start - 1);
      if (before < 128 && AFTER[index]?.[before] === false) continue;
      const trigger = STICKY[index] as RegExp;
      trigger.lastIndex = start;
      if (!trigger.test(text)) continue;
      redaction = REDACTION_RULES[index]?.redact(state, start, trigger.lastIndex);
      if (redaction !== undefined) break;
    }
    if (redaction !== undefined && redaction.start >= copied) {
      out += text.slice(copied, redaction.start) + redaction.replacement;
      changed = true;
      glued ||= isGlue(text.charCodeAt(redaction.end));
      copied = redaction.end;
      ANY_RULE.lastIndex = Math.max(redaction.end, start + 1);
    }
  } while (ANY_RULE.test(text));
  return changed ? { text: out + text.slice(copied), glued } : { text, glued: false };
}
