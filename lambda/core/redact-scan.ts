/**
 * The linear-time building blocks of the redactor: character searches that remember what they have already
 * read, so that the many rule attempts of one scan never read the same stretch of a line twice, and the
 * state that one scan shares between rules.
 */

/** Where a rule found a credential and what replaces it. */
export interface Redaction {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

/**
 * A search for the first position at or after `from` where `isStop` holds, remembering the stretch it has
 * proven free of stops. Queries come from a left-to-right scan, so each character is read about once per
 * finder however many rules ask.
 */
export class StopFinder {
  /** No stop in [freeFrom, stopAt); `stopAt` is a stop or the end of the text. */
  private freeFrom = -1;
  private stopAt = -1;

  constructor(
    private readonly text: string,
    private readonly isStop: (text: string, index: number) => boolean,
  ) {}

  /** The first stop at or after `from`, or the text's length when there is none. */
  find(from: number): number {
    if (from >= this.freeFrom && from <= this.stopAt) return this.stopAt;
    const limit = from < this.freeFrom ? this.freeFrom : this.text.length;
    let i = from;
    while (i < limit && !this.isStop(this.text, i)) i++;
    const stop = i === limit && limit === this.freeFrom ? this.stopAt : i;
    this.freeFrom = from;
    this.stopAt = stop;
    return stop;
  }
}

const isLineBreak = (text: string, i: number) => {
  const c = text.charCodeAt(i);
  return c === 10 || c === 13;
};

/** One scan's state: the text, its shared finders, and facts that later rules depend on. */
export class ScanState {
  /** The end of the current line. */
  readonly lineEnd: StopFinder;
  /** The end of a double-quoted value: an unescaped `"` or the end of the line. */
  readonly doubleQuoteEnd: StopFinder;
  /** The end of a single-quoted value: `'` or the end of the line. */
  readonly singleQuoteEnd: StopFinder;
  /** The end of a value quoted with `\"` (JSON inside a JSON string): the next `\"` or the end of the line. */
  readonly escapedQuoteEnd: StopFinder;
  /** The end of URL user info: `@`, whitespace, a quote or an angle bracket. */
  readonly userInfoEnd: StopFinder;
  /** The end of a PEM body: `-----END`. */
  readonly pemEnd: StopFinder;
  /** Until this position a MySQL client's command line is being read, where `-p<password>` is a password. */
  mysqlCommandEnd = -1;

  constructor(readonly text: string) {
    this.lineEnd = new StopFinder(text, isLineBreak);
    this.doubleQuoteEnd = new StopFinder(
      text,
      (t, i) => isLineBreak(t, i) || (t.charCodeAt(i) === 34 && t.charCodeAt(i - 1) !== 92),
    );
    this.singleQuoteEnd = new StopFinder(text, (t, i) => isLineBreak(t, i) || t.charCodeAt(i) === 39);
    this.escapedQuoteEnd = new StopFinder(
      text,
      (t, i) => isLineBreak(t, i) || (t.charCodeAt(i) === 92 && t.charCodeAt(i + 1) === 34),
    );
    this.userInfoEnd = new StopFinder(text, (t, i) => {
      const c = t.charCodeAt(i);
      return c <= 32 || c === 64 || c === 34 || c === 39 || c === 60 || c === 62;
    });
    this.pemEnd = new StopFinder(text, (t, i) => t.charCodeAt(i) === 45 && t.startsWith('-----END', i));
  }
}

/**
 * A regular-expression source that matches `word` in any case without the `i` flag, so that one combined
 * expression can hold case-sensitive token formats and case-insensitive key names side by side.
 * @example anyCase('sig') === '[Ss][Ii][Gg]'
 */
export function anyCase(word: string): string {
  return word.replace(/[A-Za-z]/g, (c) => `[${c.toUpperCase()}${c.toLowerCase()}]`);
}

/** `[REDACTED]`, `[REDACTED-TOKEN]`...: what an earlier pass left, which a later pass keeps as it is. */
const MARKER = /\[REDACTED(?:-[A-Z]{1,12}(?:-[A-Z]{1,12})?)?\]/y;

/**
 * The length of the redaction marker at `index`, or 0 when there is none.
 * @example markerLength('a=[REDACTED]', 2) === 10
 */
export function markerLength(text: string, index: number): number {
  if (text.charCodeAt(index) !== 91) return 0;
  MARKER.lastIndex = index;
  return MARKER.exec(text)?.[0].length ?? 0;
}
