/**
 * `tracer ui [flags] [CLUSTER [TASK]]`: the timeline page on loopback, over the CLI's source (the deployed
 * API, signed with the user's credentials; a local endpoint; or `--live`). Prints the URL and opens the
 * browser unless `--no-open`; runs until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { parseFlags, type SourceOptions, UsageError } from '../../cli/args.js';
import { describeFailure, NoSourceError } from '../../cli/errors.js';
import { type CliIo, writeText } from '../../cli/io.js';
import type { TracerSource } from '../../cli/source.js';
import { readVersion } from '../../cli/version.js';
import { AmbiguousClusterError, type ClusterRef } from '../../core/cluster-id.js';
import { clusterPathSegment, parseClusterRef, parseTask } from '../../core/request/params.js';
import { startUiServer } from './ui-server.js';

export const UI_USAGE_LINE =
  'usage: tracer ui [--endpoint URL | --stack NAME | --live] [--port N] [--no-open] [CLUSTER [TASK]]   (tracer ui --help for more)';

export const UI_HELP_TEXT = `tracer ui: a task's timeline in the browser, next to its trace lines.

usage:
  tracer ui [flags] [CLUSTER [TASK]]

Serves the page on http://127.0.0.1:PORT/ui/ and opens it: the clusters, or CLUSTER's tasks, or TASK's
timeline. The page's requests are answered from the source below; AWS credentials stay in this process.

source (one of), as for tracer:
  --endpoint URL     the tracer API (SigV4-signed; http://127.0.0.1:PORT is used unsigned)
  --stack NAME       the tracer API of this CloudFormation stack (its ApiUrl output)
  --live             read ECS and CloudWatch Logs directly (tasks ECS still remembers)
  --profile NAME     AWS profile (default: AWS_PROFILE, then the standard credential chain)
  --region REGION    AWS region (default: AWS_REGION or the profile's region)

  --account ID       with CLUSTER: the cluster of this account, where several carry its name
                     (--region, above, narrows it the same way)

  --port N           the port on 127.0.0.1 (default: a free one)
  --no-open          print the URL without opening the browser

Every source flag can also be set as TRACER_<FLAG>. Press Ctrl-C to stop.
`;

/** What `tracer ui` is wired to; tests replace parts of it. */
export interface UiCommandDeps {
  readonly openSource: (options: SourceOptions) => Promise<TracerSource>;
  /** Opens the URL in the user's browser; resolves to false when it could not. */
  readonly openBrowser: (url: string) => Promise<boolean>;
  /** Resolves when the server should stop (Ctrl-C). */
  readonly untilStopped: () => Promise<void>;
}

/** The command that opens a URL on this platform. */
function browserCommand(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url]];
  return ['xdg-open', [url]];
}

const defaultDeps: UiCommandDeps = {
  openSource: async (options) =>
    (await import('../../cli/open-source.js')).openTracerSource(options, {
      userAgent: `tracer-ui/${readVersion()}`,
    }),
  openBrowser: (url) =>
    new Promise((resolve) => {
      const [command, args] = browserCommand(url);
      try {
        const child = spawn(command, args, { stdio: 'ignore', detached: true });
        child.once('error', () => resolve(false));
        child.once('spawn', () => {
          child.unref();
          resolve(true);
        });
      } catch {
        resolve(false);
      }
    }),
  untilStopped: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};

/** `--port` and `--no-open` are this command's own; the rest are the CLI's flags. */
function ownFlags(argv: readonly string[]): { port: number; open: boolean; rest: string[] } {
  let port = 0;
  let open = true;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--no-open' || arg === '-no-open') {
      open = false;
      continue;
    }
    const portMatch = /^--?port(?:=(.*))?$/.exec(arg);
    if (portMatch) {
      const value = portMatch[1] ?? argv[++i];
      if (value === undefined || !/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
        throw new UsageError(
          `--port: expected a port from 0 to 65535, got ${value === undefined ? 'nothing' : `"${value}"`}`,
        );
      }
      port = Number(value);
      continue;
    }
    rest.push(arg);
  }
  return { port, open, rest };
}

/** The cluster and task the command names, checked before any source is opened. */
interface StartTarget {
  readonly cluster?: ClusterRef;
  readonly task?: string;
}

function startTarget(
  positionals: readonly string[],
  filters: { readonly account?: string; readonly region?: string },
): StartTarget {
  if (positionals.length > 2) throw new UsageError(`too many arguments: ${positionals.slice(2).join(' ')}`);
  const [clusterArg, taskArg] = positionals;
  if (clusterArg === undefined) return {};
  const cluster = parseClusterRef(clusterArg, filters, {
    cluster: 'CLUSTER',
    account: '--account',
    region: '--region',
  });
  return taskArg === undefined ? { cluster } : { cluster, task: parseTask(taskArg, cluster, 'TASK') };
}

/**
 * The path segment of the cluster to open. Account and region together name it by ARN; one of them
 * narrows the name among the recorded clusters, because the page's address holds one segment.
 * @throws AmbiguousClusterError when the filter still leaves several clusters of that name.
 */
async function clusterSegment(source: TracerSource, cluster: ClusterRef): Promise<string> {
  if ((cluster.account === undefined) === (cluster.region === undefined)) return clusterPathSegment(cluster);
  const { clusters } = await source.listClusters({
    ...(cluster.account !== undefined ? { account: cluster.account } : {}),
    ...(cluster.region !== undefined ? { region: cluster.region } : {}),
  });
  const arns = clusters.filter((c) => c.clusterName === cluster.name).map((c) => c.clusterArn);
  if (arns.length > 1) throw new AmbiguousClusterError(cluster.name, arns.sort());
  return arns[0] ?? cluster.name;
}

/** The page to open first: the clusters, a cluster's tasks or a task's timeline. */
async function startPath(source: TracerSource, target: StartTarget): Promise<string> {
  if (target.cluster === undefined) return '/ui/';
  const cluster = encodeURIComponent(await clusterSegment(source, target.cluster));
  if (target.task === undefined) return `/ui/clusters/${cluster}`;
  return `/ui/clusters/${cluster}/tasks/${encodeURIComponent(target.task)}`;
}

/**
 * Builds `tracer ui` over its dependencies.
 * @example SUBCOMMANDS.ui = async () => makeRunUi()
 */
export function makeRunUi(overrides: Partial<UiCommandDeps> = {}) {
  const deps: UiCommandDeps = { ...defaultDeps, ...overrides };
  return async (argv: readonly string[], io: CliIo): Promise<number> => {
    if (argv.includes('--help') || argv.includes('-h') || argv.includes('-help')) {
      await writeText(io.stdout, UI_HELP_TEXT);
      return 0;
    }
    let source: TracerSource | undefined;
    try {
      const { port, open, rest } = ownFlags(argv);
      const { options, positionals } = parseFlags(rest, {
        env: io.env,
        nowMs: io.nowMs(),
        get localTimeZone() {
          return io.localTimeZone;
        },
      });
      const target = startTarget(positionals, {
        ...(options.account !== undefined ? { account: options.account } : {}),
        ...(options.region !== undefined ? { region: options.region } : {}),
      });
      if (options.selection.kind === 'none') throw new NoSourceError();
      source = await deps.openSource(options);
      const path = await startPath(source, target);
      const server = await startUiServer({ source, port, nowMs: () => io.nowMs() });
      const url = `${server.url}${path}`;
      await writeText(io.stdout, `tracer ui: ${url}\n`);
      io.stderr.write(`tracer: serving the page over ${source.description}; press Ctrl-C to stop\n`);
      if (open && !(await deps.openBrowser(url))) {
        io.stderr.write('tracer: could not open a browser; open the URL above yourself\n');
      }
      await deps.untilStopped();
      await server.close();
      return 0;
    } catch (error) {
      const failure = describeFailure(error);
      io.stderr.write(`tracer: ${failure.message}\n`);
      if (failure.showUsage) io.stderr.write(`${UI_USAGE_LINE}\n`);
      return failure.exitCode;
    } finally {
      source?.close();
    }
  };
}

/** `tracer ui`, as the CLI runs it. */
export const runUi = makeRunUi();
