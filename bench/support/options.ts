/** The benchmark suite's command line: which benchmarks to run and how thoroughly. */

export const BENCHMARK_NAMES = ['trace', 'recorder', 'bundles', 'cli', 'redact', 'ui'] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

export interface BenchOptions {
  /** A fast subset: smaller cases and fewer repeats. */
  readonly quick: boolean;
  readonly only: readonly BenchmarkName[];
  /** Overrides the number of fresh-process runs of the start-up benchmarks. */
  readonly repeats?: number;
  /** Also prints every table as Markdown, ready for docs/benchmarks.md. */
  readonly markdown: boolean;
  /** Skips `node scripts/build.mjs` before the CLI benchmark and uses dist/cli as it is. */
  readonly skipBuild: boolean;
  /** Prints the tables stored in bench/results.json as Markdown instead of running anything. */
  readonly report: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--only NAME[,NAME...] | NAME...] [--repeats N] [--markdown] [--no-build] [--report]

Benchmarks (all by default): ${BENCHMARK_NAMES.join(', ')}
  trace     trace assembly for 1,000 to 1,000,000 log lines: time, peak memory, CloudWatch Logs calls
  recorder  recorder events per second and DynamoDB requests per event, beside a bare PutItem loop
  bundles   each Lambda's bundle size and the median time to import its handler in a fresh Node process
  cli       the CLI's start-up time (--version, --help) and a whole trace against a loopback API
  redact    redaction time per byte: ordinary lines, and adversarial 64 KiB lines built against each rule
  ui        the browser page: its gzipped size, and the timeline of a 100,000-line task in headless Chromium

Options:
  --quick        a fast subset (also BENCH_QUICK=1)
  --only NAMES   run only these benchmarks, comma-separated (also BENCH_ONLY=...)
  --repeats N    fresh-process runs for the bundles and cli benchmarks (default 21 for bundles and 15 for cli, 5 with --quick)
  --markdown     also print each table as Markdown
  --no-build     do not rebuild dist/cli before the cli benchmark
  --report       run nothing: print the tables stored in bench/results.json as Markdown

Results are printed as tables and merged into bench/results.json.`;

/** Raised for a command line the suite does not understand. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

function parseNames(text: string): BenchmarkName[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const known = new Set<string>(BENCHMARK_NAMES);
  for (const name of names) {
    if (!known.has(name)) {
      throw new BenchUsageError(`unknown benchmark "${name}"; choose from ${BENCHMARK_NAMES.join(', ')}`);
    }
  }
  if (names.length === 0) throw new BenchUsageError('--only needs at least one benchmark name');
  return BENCHMARK_NAMES.filter((name) => names.includes(name));
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Parses the suite's arguments and environment (BENCH_QUICK, BENCH_ONLY).
 * @throws BenchUsageError for an unknown flag or benchmark name, or a bad repeat count.
 * @example parseBenchOptions(['--quick', '--only', 'cli'], {}).only // ['cli']
 */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  let quick = truthy(env.BENCH_QUICK);
  let only: readonly BenchmarkName[] = env.BENCH_ONLY ? parseNames(env.BENCH_ONLY) : BENCHMARK_NAMES;
  let repeats: number | undefined;
  let markdown = false;
  let skipBuild = false;
  let report = false;
  let help = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new BenchUsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--only':
        only = parseNames(value());
        break;
      case '--repeats': {
        const text = value();
        const n = Number(text);
        if (!Number.isInteger(n) || n < 1 || n > 1000) {
          throw new BenchUsageError(`--repeats must be an integer from 1 to 1000, got "${text}"`);
        }
        repeats = n;
        break;
      }
      case '--markdown':
        markdown = true;
        break;
      case '--no-build':
        skipBuild = true;
        break;
      case '--report':
        report = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        // A bare name picks a benchmark too: `npm run bench -- cli`.
        if (!arg.startsWith('-')) positional.push(arg);
        else throw new BenchUsageError(`unknown option ${arg}`);
    }
  }
  if (positional.length > 0) only = parseNames(positional.join(','));
  return { quick, only, ...(repeats === undefined ? {} : { repeats }), markdown, skipBuild, report, help };
}
