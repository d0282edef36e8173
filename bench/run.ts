/**
 * tracer's benchmark suite: `npm run bench` (not part of the tests). Runs offline against loopback
 * servers only, prints a table per benchmark and merges the figures into bench/results.json.
 * See docs/benchmarks.md for what each figure means.
 */
import { fileURLToPath } from 'node:url';
import { bundleBenchmark } from './bundle-benchmark.js';
import { cliBenchmark } from './cli-benchmark.js';
import { recorderBenchmark } from './recorder-benchmark.js';
import { redactBenchmark } from './redact-benchmark.js';
import type { Benchmark, BenchmarkContext } from './support/benchmark.js';
import { type BenchmarkName, BenchUsageError, parseBenchOptions, USAGE } from './support/options.js';
import { machineInfo, RESULTS_PATH, readSections, writeSection } from './support/results.js';
import { renderMarkdown, renderText } from './support/table.js';
import { traceBenchmark } from './trace/trace-benchmark.js';
import { uiBenchmark } from './ui-benchmark.js';

const BENCHMARKS: Record<BenchmarkName, Benchmark> = {
  trace: traceBenchmark,
  recorder: recorderBenchmark,
  bundles: bundleBenchmark,
  cli: cliBenchmark,
  redact: redactBenchmark,
  ui: uiBenchmark,
};

/** Prints the stored tables as Markdown, with the machine and date of each benchmark's run. */
function printReport(names: readonly BenchmarkName[]): number {
  const sections = readSections();
  let printed = 0;
  for (const name of names) {
    const section = sections[name];
    if (!section) continue;
    const m = section.machine;
    process.stdout.write(
      `<!-- ${name}: ${section.startedAt}, ${(section.durationMs / 1000).toFixed(0)} s${section.quick ? ', quick' : ''}; ` +
        `Node ${m.node}, ${m.platform} ${m.arch}, ${m.cpuCount} × ${m.cpuModel} -->\n\n`,
    );
    for (const table of section.tables) process.stdout.write(`${renderMarkdown(table)}\n`);
    printed += 1;
  }
  if (printed === 0) {
    process.stderr.write(`bench: no results in ${RESULTS_PATH} yet; run npm run bench first\n`);
    return 1;
  }
  return 0;
}

async function main(): Promise<number> {
  // The SDK warns once per process that Node 20 support ends in 2027; the suite knows, and its tables matter.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: ReturnType<typeof parseBenchOptions>;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.report) return printReport(options.only);
  const root = fileURLToPath(new URL('..', import.meta.url));
  const suiteStarted = performance.now();
  const context: BenchmarkContext = {
    options,
    root,
    progress: (message) =>
      process.stderr.write(`[${((performance.now() - suiteStarted) / 1000).toFixed(1)}s] ${message}\n`),
  };
  const machine = machineInfo();
  process.stdout.write(
    `tracer benchmarks${options.quick ? ' (quick)' : ''}: ${options.only.join(', ')}\n` +
      `Node ${machine.node} on ${machine.platform} ${machine.arch}, ${machine.cpuCount} × ${machine.cpuModel}, ` +
      `${(machine.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB\n\n`,
  );
  for (const name of options.only) {
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const outcome = await BENCHMARKS[name](context);
    const durationMs = performance.now() - started;
    for (const table of outcome.tables) process.stdout.write(`${renderText(table)}\n`);
    if (options.markdown) {
      for (const table of outcome.tables) process.stdout.write(`${renderMarkdown(table)}\n`);
    }
    writeSection(name, {
      startedAt,
      durationMs: Math.round(durationMs),
      quick: options.quick,
      machine,
      tables: outcome.tables,
      data: outcome.data,
    });
    context.progress(`${name}: done in ${(durationMs / 1000).toFixed(1)} s`);
  }
  process.stdout.write(
    `All done in ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s; figures in ${RESULTS_PATH}\n`,
  );
  return 0;
}

// `npm run bench -- --report | head` closes stdout early: a normal end, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main();
