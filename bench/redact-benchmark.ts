/**
 * Redaction cost per byte: ordinary log lines beside adversarial 64 KiB lines built against each rule of
 * the redactor (`lambda/core/redact-rules.ts` names, for every rule, the texts that make it work hardest),
 * in two kinds: near misses, where a rule starts and reads without redacting (the linear-time question),
 * and lines packed with real credentials, where the time follows the number of replacements.
 * The module measured is the esbuild bundle of `lambda/core/redact.ts`, as the Lambda functions run it.
 * Each adversarial line is timed in alternation with an ordinary 64 KiB line that takes the full scan, and
 * their ratio is taken round by round, so the load of a shared machine cancels out of the ratio.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RedactionRule } from '../lambda/core/redact-rules.js';
import type { Benchmark } from './support/benchmark.js';
import { bundleWorker } from './support/bundle.js';
import { scratchDir } from './support/processes.js';
import { median, round } from './support/stats.js';
import { formatNumber, type Table } from './support/table.js';
import { generateLogEvents, syntheticTask } from './trace/synthetic-task.js';

const LINE_BYTES = 64 * 1024;
/** The worst near-miss line's time per byte may be at most this many times an ordinary line's. */
const MAX_RATIO = 3;

type Redact = (text: string) => string;

/**
 * near miss: text that makes rules start and read without redacting (or with long runs), which is where a
 * rule could take more than linear time; dense secrets: real credentials every few characters, where the
 * time follows the number of replacements.
 */
const INPUT_KINDS = ['near miss', 'dense secrets'] as const;
type InputKind = (typeof INPUT_KINDS)[number];
/** A line with a replacement at least every this many bytes counts as dense secrets. */
const DENSE_BYTES = 128;

interface Row {
  readonly rule: string;
  readonly kind: InputKind;
  readonly input: string;
  readonly nsPerByte: number;
  readonly ratio: number;
  readonly growth: number;
}

/** The kind of an adversarial line, from the markers its redaction added. */
function inputKind(line: string, redacted: string): InputKind {
  const markers = (text: string) => text.split('[REDACTED').length - 1;
  return (markers(redacted) - markers(line)) * DENSE_BYTES >= line.length ? 'dense secrets' : 'near miss';
}

interface RedactModule {
  readonly redactSecrets: Redact;
  readonly REDACTION_RULES: readonly RedactionRule[];
}

/** `unit` repeated to exactly `bytes` characters. */
function fill(unit: string, bytes = LINE_BYTES): string {
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/** Nanoseconds per character of one call, the fastest of a few batches (noise only ever adds time). */
function nsPerByte(redact: Redact, text: string, calls: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 3; batch++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) redact(text);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / calls / text.length);
  }
  return best;
}

/** The adversarial line's time per byte and its ratio to the ordinary line's, alternating round by round. */
function compare(redact: Redact, ordinary: string, adversarial: string, rounds: number) {
  const ratios: number[] = [];
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const base = nsPerByte(redact, ordinary, 2);
    const time = nsPerByte(redact, adversarial, 2);
    times.push(time);
    ratios.push(time / base);
  }
  return { nsPerByte: median(times), ratio: median(ratios) };
}

export const redactBenchmark: Benchmark = async (context) => {
  const { options, progress, root } = context;
  const rounds = options.quick ? 3 : 7;
  const scratch = scratchDir('redact');
  try {
    progress('redact: bundling lambda/core/redact.ts');
    const entry = join(scratch.path, 'entry.ts');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      entry,
      `export { redactSecrets } from ${JSON.stringify(join(root, 'lambda/core/redact.ts'))};\n` +
        `export { REDACTION_RULES } from ${JSON.stringify(join(root, 'lambda/core/redact-rules.ts'))};\n`,
    );
    const bundle = await bundleWorker(entry, scratch.path, 'redact');
    const { redactSecrets, REDACTION_RULES } = (await import(pathToFileURL(bundle).href)) as RedactModule;

    // Ordinary lines: the trace benchmark's access-log, JSON, note and stack-trace lines.
    const messages = generateLogEvents(syntheticTask(1), 0, 4_000).events.map((event) => event.message);
    const ordinaryBytes = messages.reduce((sum, message) => sum + message.length, 0);
    let ordinary = '';
    for (let i = 0; ordinary.length < LINE_BYTES; i++) ordinary += `${messages[i % messages.length]} `;
    ordinary = ordinary.slice(0, LINE_BYTES);
    for (let i = 0; i < 20; i++) redactSecrets(ordinary);
    const perLine = () => {
      const started = process.hrtime.bigint();
      for (const message of messages) redactSecrets(message);
      return Number(process.hrtime.bigint() - started) / ordinaryBytes;
    };
    for (let i = 0; i < 3; i++) perLine();
    const shortNs = median(Array.from({ length: rounds }, perLine));
    const longNs = median(Array.from({ length: rounds }, () => nsPerByte(redactSecrets, ordinary, 4)));

    // The same line after a key name: the pre-check lets it through at once, so it takes the full scan
    // that every adversarial line takes. The goal's ratio is taken against this line.
    const scanned = `token ${ordinary.slice(0, LINE_BYTES - 6)}`;
    for (let i = 0; i < 20; i++) redactSecrets(scanned);
    const scannedNs = median(Array.from({ length: rounds }, () => nsPerByte(redactSecrets, scanned, 4)));

    const rows: Row[] = [];
    for (const rule of REDACTION_RULES) {
      progress(`redact: ${rule.name}`);
      const worst = new Map<InputKind, Row>();
      for (const unit of rule.adversarial) {
        const line = fill(unit);
        const kind = inputKind(line, redactSecrets(line));
        for (let i = 0; i < 3; i++) redactSecrets(line);
        const measured = compare(redactSecrets, scanned, line, rounds);
        const before = worst.get(kind);
        if (before === undefined || measured.ratio > before.ratio) {
          // A quarter of the line: linear time reads the same per byte at both lengths, quadratic 4× more.
          const quarter = fill(unit, LINE_BYTES / 4);
          const growth = median(
            Array.from(
              { length: rounds },
              () => nsPerByte(redactSecrets, line, 2) / nsPerByte(redactSecrets, quarter, 8),
            ),
          );
          worst.set(kind, { rule: rule.name, kind, input: JSON.stringify(unit), ...measured, growth });
        }
      }
      for (const kind of INPUT_KINDS) {
        const row = worst.get(kind);
        if (row !== undefined) rows.push(row);
      }
    }
    const worstOf = (kind: InputKind) =>
      rows.filter((row) => row.kind === kind).reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const nearMiss = worstOf('near miss');
    const dense = worstOf('dense secrets');
    const maxGrowth = rows.reduce((a, b) => (b.growth > a.growth ? b : a));
    const verdict = (row: Row) =>
      `${row.rule} ${JSON.stringify(JSON.parse(row.input))}, ${row.ratio.toFixed(2)}× (at most ${MAX_RATIO}×: ${row.ratio <= MAX_RATIO ? 'met' : 'NOT met'})`;
    const table: Table = {
      title: 'Redaction: time per byte, ordinary and adversarial 64 KiB lines (bundled module)',
      columns: ['input', 'kind', 'worst repeated text', 'ns/byte', 'vs ordinary', '64 KiB vs 16 KiB'],
      rows: [
        ['ordinary log lines, one call each', 'pre-check', '–', round(shortNs, 2), '–', '–'],
        ['ordinary 64 KiB line', 'pre-check', '–', round(longNs, 2), '–', '–'],
        ['ordinary 64 KiB line after a key name', 'full scan', '–', round(scannedNs, 2), '1.00×', '–'],
        ...rows.map((row) => [
          `against ${row.rule}`,
          row.kind,
          row.input,
          round(row.nsPerByte, 2),
          `${row.ratio.toFixed(2)}×`,
          `${row.growth.toFixed(2)}×`,
        ]),
      ],
      notes: [
        'pre-check: a line without any word a rule could start on is returned as it is; every other line takes the full scan.',
        `Each adversarial line repeats one of the rule's texts to ${formatNumber(LINE_BYTES)} characters; a row shows the worst text of its kind.`,
        `near miss: rules start and read but redact less than once per ${DENSE_BYTES} bytes (the linear-time question); dense secrets: a credential replaced at least that often, so the time follows the output.`,
        `vs ordinary: median over ${rounds} rounds of the line's time per byte over the ordinary full-scan line's, measured alternately.`,
        '64 KiB vs 16 KiB: time per byte of the 64 KiB line over a 16 KiB line of the same text; about 1× is linear time, a quadratic rule would read 4×.',
        `Worst near miss (the goal): ${verdict(nearMiss)}. Worst dense secrets: ${verdict(dense)}.`,
        `Against the pre-checked ordinary 64 KiB line instead, the worst near miss reads ${(nearMiss.nsPerByte / longNs).toFixed(1)}×. Largest 64 KiB vs 16 KiB: ${maxGrowth.growth.toFixed(2)}× (${maxGrowth.rule}).`,
      ],
    };
    return {
      tables: [table],
      data: {
        ordinaryLinesNsPerByte: round(shortNs, 3),
        ordinaryLineNsPerByte: round(longNs, 3),
        ordinaryScannedLineNsPerByte: round(scannedNs, 3),
        rules: rows.map((row) => ({
          ...row,
          nsPerByte: round(row.nsPerByte, 3),
          ratio: round(row.ratio, 3),
          growth: round(row.growth, 3),
        })),
        worstNearMissRatio: round(nearMiss.ratio, 3),
        worstDenseRatio: round(dense.ratio, 3),
        maxGrowth: round(maxGrowth.growth, 3),
        maxRatio: MAX_RATIO,
      },
    };
  } finally {
    scratch.remove();
  }
};
