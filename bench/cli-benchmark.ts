/**
 * The CLI's start-up: `tracer --version`, `tracer --help`, and a whole trace printed from a loopback fake
 * of tracer's HTTP API (`--endpoint http://127.0.0.1:<port> default <task>`), each the median of fresh
 * `node dist/cli/tracer.mjs` processes. A bare `node -e ''` is measured beside them as the floor that Node
 * itself costs on this machine.
 */
import { join } from 'node:path';
import {
  type FakeTracerApi,
  readExpectedTrace,
  startFakeTracerApi,
} from '../test/support/fake-tracer-api.js';
import type { Benchmark, BenchmarkOutcome } from './support/benchmark.js';
import { type ChildRun, runNode, runNodeOk } from './support/processes.js';
import { median, percentile, round } from './support/stats.js';
import type { Table } from './support/table.js';

const FAILED_PULL_TASK = '9f654c76cde14c7c85cf54dce087658a';

interface CliCommand {
  readonly label: string;
  readonly args: (cli: string, api: FakeTracerApi) => string[];
  /** The exact output expected on stdout, checked on every run. */
  readonly expectedStdout?: string;
}

/**
 * A person's shell in Tokyo, reduced to what the CLI reads: no tracer settings, no AWS profile, no
 * instance metadata, and none of this machine's Node settings (NODE_EXTRA_CA_CERTS alone adds about
 * 100 ms to every start), so that runs compare across machines.
 */
function cliEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR'];
  const env: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return {
    ...env,
    TZ: 'Asia/Tokyo',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export const cliBenchmark: Benchmark = async (context): Promise<BenchmarkOutcome> => {
  const runs = context.options.repeats ?? (context.options.quick ? 5 : 15);
  const cli = join(context.root, 'dist', 'cli', 'tracer.mjs');
  if (!context.options.skipBuild) {
    context.progress('cli: building dist/cli/tracer.mjs (node scripts/build.mjs)');
    await runNodeOk([join(context.root, 'scripts', 'build.mjs')], { cwd: context.root });
  }
  const api = await startFakeTracerApi();
  try {
    const commands: CliCommand[] = [
      { label: "node -e '' (Node alone)", args: () => ['-e', ''] },
      { label: 'tracer --version', args: (file) => [file, '--version'] },
      { label: 'tracer --help', args: (file) => [file, '--help'] },
      {
        label: `tracer --endpoint <loopback> default ${FAILED_PULL_TASK.slice(0, 8)}…`,
        args: (file, fake) => [file, '--endpoint', fake.url, 'default', FAILED_PULL_TASK],
        expectedStdout: readExpectedTrace(FAILED_PULL_TASK),
      },
    ];
    const env = cliEnv();
    const samples = commands.map(() => [] as number[]);
    const mismatches = commands.map(() => 0);
    context.progress(`cli: ${commands.length} commands × ${runs} fresh processes`);
    // One warm-up each, so the first measured run does not pay for a cold file cache.
    for (const command of commands) await runNode(command.args(cli, api), { cwd: context.root, env });
    for (let r = 0; r < runs; r++) {
      for (const [i, command] of commands.entries()) {
        const run: ChildRun = await runNode(command.args(cli, api), { cwd: context.root, env });
        const ok =
          run.code === 0 && (command.expectedStdout === undefined || run.stdout === command.expectedStdout);
        if (!ok) {
          mismatches[i] = (mismatches[i] ?? 0) + 1;
          if (mismatches[i] === 1) {
            context.progress(
              `  warning: ${command.label} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`,
            );
          }
        }
        samples[i]?.push(run.wallMs);
      }
    }
    const baseline = median(samples[0] ?? []);
    const rows = commands.map((command, i) => {
      const values = samples[i] ?? [];
      const m = median(values);
      return {
        command: command.label,
        medianMs: m,
        minMs: Math.min(...values),
        p90Ms: percentile(values, 90),
        aboveNodeMs: i === 0 ? 0 : m - baseline,
        runs: values.length,
        failedRuns: mismatches[i] ?? 0,
      };
    });
    const table: Table = {
      title: `CLI start-up (median of ${runs} fresh processes each, spawn to exit)`,
      columns: ['command', 'median ms', 'min ms', 'p90 ms', 'above Node alone ms', 'output checked', 'runs'],
      rows: rows.map((row, i) => [
        row.command,
        round(row.medianMs),
        round(row.minMs),
        round(row.p90Ms),
        i === 0 ? '–' : round(row.aboveNodeMs),
        commands[i]?.expectedStdout === undefined
          ? row.failedRuns === 0
            ? 'exit 0'
            : `${row.failedRuns} failed`
          : row.failedRuns === 0
            ? 'matches the reference trace'
            : `${row.failedRuns} differ`,
        row.runs,
      ]),
      notes: [
        'dist/cli/tracer.mjs as `node scripts/build.mjs` builds it (packages external, lazy chunks); TZ=Asia/Tokyo.',
        'The trace row runs the whole command: start, one GET of the trace from a loopback fake of the API, print. Its stdout is compared with the reference example every run.',
        "above Node alone = median minus the median of `node -e ''`: what tracer itself adds.",
      ],
    };
    return { tables: [table], data: { runs, cli, rows } };
  } finally {
    await api.close();
  }
};
