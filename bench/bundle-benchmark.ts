/**
 * Each Lambda's bundle: its size, built with the same esbuild options as the CDK construct
 * (lib/constructs/bundled-function.ts), and the median time to import its handler module in a fresh Node
 * process, with and without `--enable-source-maps` (the functions run with it).
 *
 * Handlers build their dependencies on the first invocation, so importing reads no environment and calls
 * nothing. The timer also builds the production dependencies (`*DepsFromEnv`: SDK clients, settings) once,
 * as the first invocation would, with dummy settings and every AWS endpoint pointed at a closed loopback
 * port: no request leaves the machine.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { EnvName } from '../lambda/config/env.js';
import type { Benchmark, BenchmarkOutcome } from './support/benchmark.js';
import { fixed, goalsTable, readBaseline } from './support/goals.js';
import { lastJsonLine, runNodeOk, scratchDir } from './support/processes.js';
import { median, percentile, round } from './support/stats.js';
import { kib, type Table } from './support/table.js';

/** Prints how long the import took, then builds the handler's dependencies as a cold start would. */
const IMPORT_TIMER = `const started = performance.now();
const mod = await import(process.argv[2]);
const imported = performance.now();
if (process.argv[3] !== 'baseline' && typeof mod.handler !== 'function') throw new Error('the module exports no handler');
let initMs = null;
const init = Object.entries(mod).find(([name, value]) => /DepsFromEnv$/.test(name) && typeof value === 'function');
if (init) {
  const before = performance.now();
  init[1]();
  initMs = performance.now() - before;
}
process.stdout.write(JSON.stringify({ importMs: imported - started, sinceStartMs: imported, initMs }) + '\\n');
`;

/**
 * The yardstick of the import goal: a bundle that only imports the DynamoDB, CloudWatch Logs and ECS
 * clients, built with the functions' esbuild options, the clients as published (their default credential
 * chain included). Leaving out what Lambda never runs is how a function's bundle pays for its own code.
 */
const REFERENCE = 'SDK clients as published';
/** The same three clients with tracer's SDK trimming too: what tracer's own code and extra clients cost. */
const TRIMMED_REFERENCE = 'SDK clients, trimmed';
const REFERENCES = new Set([REFERENCE, TRIMMED_REFERENCE]);

interface TimerOutput {
  readonly importMs: number;
  readonly sinceStartMs: number;
  readonly initMs: number | null;
}

interface BundleFigures {
  readonly name: string;
  readonly entry: string;
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  /** index.mjs and its map deflated, as in the zip that CDK uploads. */
  readonly zippedBytes: number;
  readonly largestInputs: readonly { readonly input: string; readonly bytes: number }[];
}

interface ImportFigures {
  readonly importMs: number;
  readonly importP90Ms: number;
  readonly importWithSourceMapsMs: number;
  readonly initMs: number | null;
  readonly processMs: number;
  readonly processWithSourceMapsMs: number;
  /** The median over rounds of this bundle's import time ÷ the reference bundle's in the same round. */
  readonly vsReference: number;
  readonly vsReferenceWithSourceMaps: number;
  /** The same, against the trimmed clients. */
  readonly vsTrimmedReference: number;
  readonly runs: number;
}

/** Groups a bundle's inputs by npm package, or `tracer` for the project's own code. */
function largestInputs(metafile: Metafile, outfile: string): { input: string; bytes: number }[] {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(outfile))?.[1];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match ? (match[1] as string) : 'tracer';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** The environment of a function at cold start, with dummy settings and AWS unreachable. */
function functionEnv(sourceMaps: boolean): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHFAKE',
    AWS_SECRET_ACCESS_KEY: 'bench-fake-secret',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Port 9 (discard) is closed on loopback: a request by mistake fails at once, never reaching AWS.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    [EnvName.TABLE_NAME]: 'tracer-bench',
    [EnvName.RETENTION_DAYS]: '90',
    [EnvName.TOPIC_ARN]: 'arn:aws:sns:us-east-1:123456789012:tracer-bench',
    [EnvName.API_URL]: 'http://127.0.0.1:9/prod/',
    [EnvName.LOG_LEVEL]: 'info',
    [EnvName.CURSOR_SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tracer-bench',
  };
}

export const bundleBenchmark: Benchmark = async (context): Promise<BenchmarkOutcome> => {
  const runs = context.options.repeats ?? (context.options.quick ? 5 : 21);
  // Loaded here, not at the top: the construct modules pull in aws-cdk-lib, which the other benchmarks skip.
  const [{ BUNDLE_TARGET, lambdaBuildOptions }, { RECORDER_ENTRY }, { API_ENTRY }, { NOTIFIER_ENTRY }] =
    await Promise.all([
      import('../scripts/lambda-bundle.mjs'),
      import('../lib/constructs/task-state-recorder.js'),
      import('../lib/constructs/trace-api.js'),
      import('../lib/constructs/failure-notifier.js'),
    ]);
  const entries = [
    { name: 'recorder', entry: RECORDER_ENTRY },
    { name: 'api', entry: API_ENTRY },
    { name: 'notifier', entry: NOTIFIER_ENTRY },
  ];
  const scratch = scratchDir('bundles');
  try {
    const bundles: (BundleFigures & { readonly file: string })[] = [];
    // The yardsticks: the three SDK clients the functions use between them, and nothing of tracer.
    const clientsOnly = [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';",
      "import { ECSClient } from '@aws-sdk/client-ecs';",
      'export const handler = async () => [DynamoDBClient, CloudWatchLogsClient, ECSClient].length;',
    ].join('\n');
    for (const { name, entry, contents, trimmed } of [
      ...entries.map((e) => ({ ...e, contents: undefined, trimmed: true })),
      {
        name: REFERENCE,
        entry: '(the DynamoDB, CloudWatch Logs and ECS clients)',
        contents: clientsOnly,
        trimmed: false,
      },
      { name: TRIMMED_REFERENCE, entry: '(the same clients, trimmed)', contents: clientsOnly, trimmed: true },
    ]) {
      context.progress(`bundles: building ${entry}`);
      const outdir = join(scratch.path, name);
      // The same options, plugins and aliases as the CDK construct (scripts/lambda-bundle.mjs), but for
      // the published clients, which are built without tracer's aliases and SDK trimming.
      const outfile = join(outdir, 'index.mjs');
      const options = lambdaBuildOptions({
        ...(contents === undefined
          ? { entry: join(context.root, entry) }
          : { stdin: { contents, resolveDir: context.root, sourcefile: 'reference.ts', loader: 'ts' } }),
        outfile,
        metafile: true,
      });
      const { alias: _alias, plugins: _plugins, ...published } = options;
      const result = await build(trimmed ? options : published);
      if (!result.metafile) throw new Error(`bundles: esbuild returned no metafile for ${entry}`);
      const file = join(outdir, 'index.mjs');
      const map = `${file}.map`;
      const zippedBytes =
        deflateRawSync(readFileSync(file), { level: 9 }).length +
        deflateRawSync(readFileSync(map), { level: 9 }).length;
      bundles.push({
        name,
        entry,
        file,
        bundleBytes: statSync(file).size,
        sourceMapBytes: statSync(map).size,
        zippedBytes,
        largestInputs: largestInputs(result.metafile, relative(context.root, file)).slice(0, 5),
      });
    }

    const timer = join(scratch.path, 'import-timer.mjs');
    writeFileSync(timer, IMPORT_TIMER);
    const empty = join(scratch.path, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');
    const targets = [
      ...bundles.map((b) => ({ name: b.name, file: b.file })),
      { name: 'baseline', file: empty },
    ];
    const samples = new Map(
      targets.map((t) => [
        t.name,
        {
          plain: [] as TimerOutput[],
          maps: [] as TimerOutput[],
          plainMs: [] as number[],
          mapsMs: [] as number[],
        },
      ]),
    );
    context.progress(
      `bundles: importing each handler ${runs} times in fresh processes, with and without source maps`,
    );
    // Interleaved, so that a slow moment of the machine spreads over every handler alike, and rotated, so
    // that no bundle always follows the same one (a freshly read file or a warm CPU favours the next).
    for (let r = 0; r < runs; r++) {
      const order = targets.map((_, i) => targets[(i + r) % targets.length] as (typeof targets)[number]);
      for (const target of order) {
        const bucket = samples.get(target.name);
        if (!bucket) continue;
        const url = pathToFileURL(target.file).href;
        const args = [timer, url, ...(target.name === 'baseline' ? ['baseline'] : [])];
        const plain = await runNodeOk(args, { env: functionEnv(false), cwd: scratch.path });
        bucket.plain.push(lastJsonLine<TimerOutput>(plain));
        bucket.plainMs.push(plain.wallMs);
        const maps = await runNodeOk(args, { env: functionEnv(true), cwd: scratch.path });
        bucket.maps.push(lastJsonLine<TimerOutput>(maps));
        bucket.mapsMs.push(maps.wallMs);
      }
    }
    // Each round's import time of a bundle ÷ the reference's in the same round: the two ran seconds apart,
    // so the ratio cancels most of the machine's drift; the goal takes the median over rounds.
    const roundRatios = (
      name: string,
      pick: (b: NonNullable<ReturnType<typeof samples.get>>) => TimerOutput[],
      referenceName = REFERENCE,
    ) => {
      const own = samples.get(name);
      const reference = samples.get(referenceName);
      if (!own || !reference) return Number.NaN;
      return median(pick(own).map((s, i) => s.importMs / (pick(reference)[i]?.importMs ?? Number.NaN)));
    };
    const imports = new Map<string, ImportFigures>();
    for (const [name, bucket] of samples) {
      const inits = bucket.maps.map((s) => s.initMs).filter((ms): ms is number => ms !== null);
      imports.set(name, {
        importMs: median(bucket.plain.map((s) => s.importMs)),
        importP90Ms: percentile(
          bucket.plain.map((s) => s.importMs),
          90,
        ),
        importWithSourceMapsMs: median(bucket.maps.map((s) => s.importMs)),
        initMs: inits.length > 0 ? median(inits) : null,
        processMs: median(bucket.plainMs),
        processWithSourceMapsMs: median(bucket.mapsMs),
        vsReference: roundRatios(name, (b) => b.plain),
        vsReferenceWithSourceMaps: roundRatios(name, (b) => b.maps),
        vsTrimmedReference: roundRatios(name, (b) => b.plain, TRIMMED_REFERENCE),
        runs: bucket.plain.length,
      });
    }

    const table: Table = {
      title: `Lambda bundles: size and import time (median of ${runs} fresh processes each)`,
      columns: [
        'function',
        'bundle KiB',
        'source map KiB',
        'zipped KiB',
        'import ms',
        'import p90 ms',
        'import ms, source maps on',
        'deps init ms',
        'process ms',
        'process ms, source maps on',
        'largest parts (KiB)',
      ],
      rows: [
        ...bundles.map((b) => {
          const i = imports.get(b.name);
          return [
            b.name,
            kib(b.bundleBytes),
            kib(b.sourceMapBytes),
            kib(b.zippedBytes),
            round(i?.importMs ?? Number.NaN),
            round(i?.importP90Ms ?? Number.NaN),
            round(i?.importWithSourceMapsMs ?? Number.NaN),
            i?.initMs == null ? '–' : round(i.initMs),
            round(i?.processMs ?? Number.NaN),
            round(i?.processWithSourceMapsMs ?? Number.NaN),
            b.largestInputs
              .slice(0, 3)
              .map((p) => `${p.input} ${kib(p.bytes)}`)
              .join(', '),
          ];
        }),
        (() => {
          const i = imports.get('baseline');
          return [
            '(empty module)',
            '–',
            '–',
            '–',
            round(i?.importMs ?? Number.NaN, 2),
            round(i?.importP90Ms ?? Number.NaN, 2),
            round(i?.importWithSourceMapsMs ?? Number.NaN, 2),
            '–',
            round(i?.processMs ?? Number.NaN),
            round(i?.processWithSourceMapsMs ?? Number.NaN),
            '',
          ];
        })(),
      ],
      notes: [
        `Built by scripts/lambda-bundle.mjs, as the CDK construct builds them: esbuild, minified ESM, target ${BUNDLE_TARGET}, mainFields module,main, the AWS SDK bundled with the aliases of BUNDLE_ALIASES (the environment's credentials only, no event-stream codec, no DynamoDB endpoint discovery, node:crypto checksums without their JavaScript fallbacks) and without the error classes and package manifests that no function uses (slimSdkClients), source map without sources.`,
        `${REFERENCE} = the yardstick of the import goal: only the DynamoDB, CloudWatch Logs and ECS clients, built with the same esbuild options, as the SDK publishes them (their default credential chain, error classes and the rest included). ${TRIMMED_REFERENCE} = the same clients with tracer's aliases and slimSdkClients as well: the difference to a function's bundle is tracer's own code and the clients that function adds or leaves out (all three add STS; the api adds Secrets Manager, the notifier SNS and SQS; the recorder has no CloudWatch Logs client).`,
        'zipped = index.mjs and index.mjs.map deflated (level 9), about what the uploaded asset weighs.',
        'import ms = `await import()` of the bundle inside a fresh Node process; source maps on = NODE_OPTIONS=--enable-source-maps, as the functions run.',
        'deps init = building the production dependencies once (SDK clients, settings), which the first invocation does.',
        `process = spawn to exit of that Node process, Node start-up included (local Node ${process.version}; Lambda runs Node 22+ on arm64).`,
      ],
    };
    const before = readBaseline();
    const goals = goalsTable(
      'Bundle goals',
      bundles
        .filter((b) => !REFERENCES.has(b.name))
        .flatMap((b) => {
          const i = imports.get(b.name);
          const ratio = i?.vsReference ?? Number.NaN;
          const ratioWithMaps = i?.vsReferenceWithSourceMaps ?? Number.NaN;
          const then = before?.bundles?.[b.name];
          return [
            {
              goal: `${b.name}: bundle KiB, minified`,
              today: fixed(then?.bundleKiB, 1),
              now: fixed(b.bundleBytes / 1024, 1),
              target: '≤ 300',
              met: b.bundleBytes <= 300 * 1024,
            },
            {
              goal: `${b.name}: import ms ÷ the SDK clients as published`,
              today: '–',
              now: `${fixed(ratio)}×`,
              target: '≤ 1.00×',
              met: ratio <= 1,
            },
            {
              goal: `${b.name}: the same, source maps on`,
              today: '–',
              now: `${fixed(ratioWithMaps)}×`,
              target: '(≤ 1.00×)',
              met: ratioWithMaps <= 1,
            },
            {
              goal: `${b.name}: import ms ÷ the same clients, trimmed`,
              today:
                then && before?.referenceImportMs
                  ? `${fixed(then.importMs / before.referenceImportMs)}×`
                  : '–',
              now: `${fixed(i?.vsTrimmedReference ?? Number.NaN)}×`,
              target: '–',
              met: undefined,
            },
          ];
        }),
      [
        `before = ${before?.measured ?? 'no bench/baseline.json'}. The SDK clients as published: a bundle built with the same esbuild options that imports only the DynamoDB, CloudWatch Logs and ECS clients; trimmed: the same with tracer's SDK trimming. The before figures were measured against the clients with the credential chain aliased away, the nearest to the trimmed row; the published clients were not measured then. Each ratio is the median over ${runs} rounds of the bundle's import time ÷ the reference's in the same round (the order of the bundles rotates from round to round).`,
      ],
    );
    return {
      tables: [table, goals],
      data: {
        runs,
        bundles: bundles.map(({ file: _file, ...rest }) => ({ ...rest, ...imports.get(rest.name) })),
        baseline: imports.get('baseline'),
      },
    };
  } finally {
    scratch.remove();
  }
};
