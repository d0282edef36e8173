import { InvalidInputError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// One term of a Go duration: a decimal number (`1`, `1.5`, `.5`) followed by a unit.
const TERM = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a Go-style duration (`30s`, `1m`, `1m30s`, `2h`, `500ms`, `1.5h`) into milliseconds, rounded to
 * the nearest millisecond. `0` is accepted alone, as in Go. Negative durations are rejected: tracer only
 * uses durations as window widths.
 * @throws InvalidInputError that quotes the input and shows valid examples.
 * @example parseDuration('1m30s') === 90_000
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (input === '0') return 0;
  const invalid = (why: string) =>
    new InvalidInputError(
      `"${text}" is not a duration (${why}); use values like 30s, 5m, 1m30s, 1.5h or 500ms`,
    );
  if (input === '') throw invalid('it is empty');
  if (input.startsWith('-')) throw invalid('it is negative');
  const body = input.startsWith('+') ? input.slice(1) : input;
  let totalMs = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < body.length) {
    const at = TERM.lastIndex;
    const m = TERM.exec(body);
    if (!m) {
      const rest = body.slice(at);
      throw invalid(
        /^\d*\.?\d*$/.test(rest) ? `"${rest}" has no unit` : `"${rest}" is not a number with a unit`,
      );
    }
    const [, value = '0', unit = 'ms'] = m;
    totalMs += Number(value) * (UNIT_MS[unit] ?? 1);
  }
  if (!Number.isFinite(totalMs) || totalMs > Number.MAX_SAFE_INTEGER) throw invalid('it is too large');
  return Math.round(totalMs);
}

/**
 * Formats milliseconds the way Go prints a duration, for messages and help texts.
 * @example formatDuration(90_000) === '1m30s'
 * @example formatDuration(500) === '500ms'
 */
export function formatDuration(durationMs: number): string {
  if (!Number.isFinite(durationMs)) return String(durationMs);
  const sign = durationMs < 0 ? '-' : '';
  let rest = Math.round(Math.abs(durationMs));
  if (rest === 0) return '0s';
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  let out = sign;
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  out += `${seconds}s`;
  return out;
}
