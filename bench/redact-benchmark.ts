/**
 * Redaction cost per byte: ordinary log lines beside adversarial 64 KiB lines built against each rule of
 * the redactor (`lambda/core/redact-rules.ts` names, for every rule, the text that makes it work hardest).
 * The module measured is the esbuild bundle of `lambda/core/redact.ts`, as the Lambda functions run it.
 * Each adversarial line is timed in alternation with the ordinary 64 KiB line, and their ratio is taken
 * round by round, so the load of a shared machine cancels out of the ratio.
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
/** The worst rule's time per byte may be at most this many times an ordinary line's. */
const MAX_RATIO = 3;

type Redact = (text: string) => string;

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

    const rows: { rule: string; input: string; nsPerByte: number; ratio: number; growth: number }[] = [];
    for (const rule of REDACTION_RULES) {
      progress(`redact: ${rule.name}`);
      let worst: (typeof rows)[number] | undefined;
      for (const unit of rule.adversarial) {
        const line = fill(unit);
        for (let i = 0; i < 3; i++) redactSecrets(line);
        const measured = compare(redactSecrets, ordinary, line, rounds);
        if (worst === undefined || measured.ratio > worst.ratio) {
          // A quarter of the line: linear time reads the same per byte at both lengths, quadratic 4× more.
          const quarter = fill(unit, LINE_BYTES / 4);
          const growth = median(
            Array.from(
              { length: rounds },
              () => nsPerByte(redactSecrets, line, 2) / nsPerByte(redactSecrets, quarter, 8),
            ),
          );
          worst = { rule: rule.name, input: JSON.stringify(unit), ...measured, growth };
        }
      }
      if (worst) rows.push(worst);
    }
    const worst = rows.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const table: Table = {
      title: 'Redaction: time per byte, ordinary and adversarial 64 KiB lines (bundled module)',
      columns: ['input', 'worst repeated text', 'ns/byte', 'vs ordinary', '64 KiB vs 16 KiB'],
      rows: [
        ['ordinary log lines, one call each', '–', round(shortNs, 2), '–', '–'],
        ['ordinary 64 KiB line', '–', round(longNs, 2), '1.00×', '–'],
        ...rows.map((row) => [
          `against ${row.rule}`,
          row.input,
          round(row.nsPerByte, 2),
          `${row.ratio.toFixed(2)}×`,
          `${row.growth.toFixed(2)}×`,
        ]),
      ],
      notes: [
        `Each adversarial line repeats the rule's worst text to ${formatNumber(LINE_BYTES)} characters; the row shows the worst of the rule's texts.`,
        `vs ordinary: median over ${rounds} rounds of the adversarial line's time per byte over the ordinary 64 KiB line's, measured alternately.`,
        '64 KiB vs 16 KiB: time per byte of the 64 KiB line over a 16 KiB line of the same text; about 1× is linear time, a quadratic rule would read 4×.',
        `Worst rule: ${worst.rule}, ${worst.ratio.toFixed(2)}× (goal at most ${MAX_RATIO}×: ${worst.ratio <= MAX_RATIO ? 'met' : 'NOT met'}).`,
      ],
    };
    return {
      tables: [table],
      data: {
        ordinaryLinesNsPerByte: round(shortNs, 3),
        ordinaryLineNsPerByte: round(longNs, 3),
        rules: rows.map((row) => ({
          ...row,
          nsPerByte: round(row.nsPerByte, 3),
          ratio: round(row.ratio, 3),
        })),
        worstRatio: round(worst.ratio, 3),
        maxRatio: MAX_RATIO,
      },
    };
  } finally {
    scratch.remove();
  }
};
