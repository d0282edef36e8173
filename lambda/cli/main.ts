/**
 * `tracer`: lists clusters, lists a cluster's tasks, prints a task's trace, and dispatches subcommands.
 * Data goes to stdout; messages, progress and errors go to stderr. Exit codes: 0 ok, 1 error, 2 usage.
 */
import type { TaskListItem, TaskListResponse, TraceLineJson, TraceResponse } from '../core/api-types.js';
import type { ClusterRef } from '../core/cluster-id.js';
import { TracerError } from '../core/errors.js';
import { clusterPathSegment } from '../core/request/params.js';
import { clusterListInZone, taskListInZone, traceInZone } from '../core/zoned-json.js';
import {
  type CliCommand,
  type CliOptions,
  findSubcommand,
  HELP_TEXT,
  parseCliArgs,
  type SourceOptions,
  USAGE_LINE,
} from './args.js';
import { describeFailure, SnsPublishError } from './errors.js';
import type { FollowContext } from './follow-command.js';
import { type CliIo, writeText } from './io.js';
import { formatClusterList, formatJson, formatTaskList } from './output.js';
import { withProgress } from './progress.js';
import { SnsTraceCollector, snsSubject } from './sns-message.js';
import type { TraceRequest, TracerSource } from './source.js';
import { SUBCOMMANDS, type SubcommandLoader } from './subcommands.js';
import { readVersion } from './version.js';

/** A publish of the trace to SNS, as `--sns` asks. */
export interface SnsPublishRequest {
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
  readonly profile?: string;
}

/** A follow's clock and Ctrl-C, and the release of what watches for Ctrl-C. */
export interface FollowSetup {
  readonly context: FollowContext;
  release(): void;
}

/** What the CLI is wired to; tests replace parts of it. */
export interface CliDeps {
  /** The clock and the interruption of `-f`. */
  readonly follow: () => Promise<FollowSetup>;
  readonly openSource: (options: SourceOptions, context: { userAgent: string }) => Promise<TracerSource>;
  readonly publishToSns: (request: SnsPublishRequest) => Promise<void>;
  readonly subcommands: Readonly<Record<string, SubcommandLoader | undefined>>;
  readonly version: () => string;
}

/** The largest page of tasks the API answers. */
const MAX_API_PAGE_TASKS = 100;

/** A paged trace that never ends is a source bug; this bounds the loop all the same. */
const MAX_TRACE_PAGES = 10_000;

const defaultDeps: CliDeps = {
  follow: async () => {
    const { processClock, watchInterrupts } = await import('./follow-process.js');
    const interruption = watchInterrupts();
    return { context: { clock: processClock, signal: interruption.signal }, release: interruption.release };
  },
  openSource: async (options, context) =>
    (await import('./open-source.js')).openTracerSource(options, context),
  publishToSns: async (request) => {
    const { SnsTopicPublisher } = await import('../adapters/sns/sns-topic-publisher.js');
    const publisher = new SnsTopicPublisher({
      topicArn: request.topicArn,
      ...(request.profile ? { profile: request.profile } : {}),
    });
    try {
      await publisher.publish({ subject: request.subject, body: request.message, attributes: {} });
    } finally {
      publisher.destroy();
    }
  },
  subcommands: SUBCOMMANDS,
  version: () => readVersion(),
};

/**
 * Runs one `tracer` command line and resolves to its exit code. It never throws and never prints a stack
 * trace (unless TRACER_DEBUG is set).
 * @example process.exitCode = await runCli(process.argv.slice(2), processIo());
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  overrides: Partial<CliDeps> = {},
): Promise<number> {
  const deps: CliDeps = { ...defaultDeps, ...overrides };
  try {
    const subcommand = findSubcommand(argv, Object.keys(deps.subcommands));
    if (subcommand) return await runSubcommand(subcommand.name, subcommand.argv, io, deps);
    const command = parseCliArgs(argv, {
      env: io.env,
      nowMs: io.nowMs(),
      // A getter, so that --help and --version never look the zone up.
      get localTimeZone() {
        return io.localTimeZone;
      },
    });
    return await runCommand(command, io, deps);
  } catch (error) {
    return report(error, io);
  }
}

async function runSubcommand(name: string, argv: readonly string[], io: CliIo, deps: CliDeps) {
  const load = deps.subcommands[name];
  if (!load) {
    throw new TracerError(
      `tracer ${name} is not part of this build; for a cluster named ${name}, run: tracer -- ${name}`,
    );
  }
  const subcommand = await load();
  return subcommand(argv, io);
}

function report(error: unknown, io: CliIo): number {
  const failure = describeFailure(error);
  io.stderr.write(`tracer: ${failure.message}\n`);
  for (const line of failure.details ?? []) io.stderr.write(`  ${line}\n`);
  if (failure.showUsage) io.stderr.write(`${USAGE_LINE}\n`);
  if (io.env.TRACER_DEBUG) io.stderr.write(`${debugDetails(error)}\n`);
  return failure.exitCode;
}

function debugDetails(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    lines.push(
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current),
    );
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) lines.push('caused by:');
  }
  return lines.join('\n');
}

async function runCommand(command: CliCommand, io: CliIo, deps: CliDeps): Promise<number> {
  if (command.kind === 'help') {
    await writeText(io.stdout, HELP_TEXT);
    return 0;
  }
  if (command.kind === 'version') {
    await writeText(io.stdout, `tracer ${deps.version()}\n`);
    return 0;
  }
  const source = await deps.openSource(command.options, { userAgent: `tracer/${deps.version()}` });
  try {
    if (command.options.follow && command.kind !== 'clusters') return await follow(command, source, io, deps);
    switch (command.kind) {
      case 'clusters':
        await listClusters(source, command.options, io);
        break;
      case 'tasks':
        await listTasks(source, command.cluster, command.options, io);
        break;
      case 'trace':
        await printTrace(source, command.cluster, command.task, command.options, io, deps);
        break;
    }
  } finally {
    source.close();
  }
  return 0;
}

async function follow(
  command: Extract<CliCommand, { kind: 'tasks' | 'trace' }>,
  source: TracerSource,
  io: CliIo,
  deps: CliDeps,
): Promise<number> {
  const { followClusterCommand, followTaskCommand } = await import('./follow-command.js');
  const setup = await deps.follow();
  try {
    return command.kind === 'trace'
      ? await followTaskCommand(source, command.cluster, command.task, command.options, io, setup.context)
      : await followClusterCommand(source, command.cluster, command.options, io, setup.context);
  } finally {
    setup.release();
  }
}

function progress<T>(io: CliIo, label: string, work: () => Promise<T>): Promise<T> {
  return withProgress(io.stdout, io.stderr, label, work);
}

async function listClusters(source: TracerSource, options: CliOptions, io: CliIo): Promise<void> {
  const filter = {
    ...(options.account ? { account: options.account } : {}),
    ...(options.region ? { region: options.region } : {}),
  };
  const answer = await progress(io, 'listing clusters…', () => source.listClusters(filter));
  if (options.json) return writeText(io.stdout, formatJson(clusterListInZone(answer, options.jsonTimeZone)));
  if (answer.clusters.length === 0) {
    io.stderr.write(
      Object.keys(filter).length > 0
        ? 'tracer: no clusters in this account or region; tracer lists a cluster once it has recorded one of its tasks\n'
        : 'tracer: no clusters yet; tracer lists a cluster once it has recorded one of its tasks\n',
    );
  }
  await writeText(io.stdout, formatClusterList(answer));
}

async function listTasks(
  source: TracerSource,
  cluster: ClusterRef,
  options: CliOptions,
  io: CliIo,
): Promise<void> {
  const filters = {
    ...(options.status ? { status: options.status } : {}),
    ...(options.failed ? { failed: true } : {}),
    ...(options.since ? { since: options.since } : {}),
    ...(options.until ? { until: options.until } : {}),
  };
  // The API answers at most 100 tasks a page; a larger --limit is collected over several pages.
  const tasks: TaskListItem[] = [];
  let cursor = options.cursor;
  let nextCursor: string | undefined;
  do {
    const limit = Math.min(options.limit - tasks.length, MAX_API_PAGE_TASKS);
    const page = await progress(io, `listing tasks of ${clusterPathSegment(cluster)}…`, () =>
      source.listTasks(cluster, { ...filters, limit, ...(cursor ? { cursor } : {}) }),
    );
    tasks.push(...page.tasks.slice(0, limit));
    nextCursor = page.nextCursor;
    cursor = nextCursor;
    if (page.tasks.length === 0) break;
  } while (nextCursor && tasks.length < options.limit);
  const answer: TaskListResponse = nextCursor ? { tasks, nextCursor } : { tasks };
  if (options.json) return writeText(io.stdout, formatJson(taskListInZone(answer, options.jsonTimeZone)));
  if (tasks.length === 0) {
    io.stderr.write(`tracer: no tasks of cluster ${clusterPathSegment(cluster)} match\n`);
  }
  await writeText(io.stdout, formatTaskList(answer, options.timeZone));
  if (nextCursor) {
    io.stderr.write(`tracer: more tasks follow; for the next page add --cursor ${nextCursor}\n`);
  }
}

/** Follows `nextCursor` from the first page to the last, calling `onPage` for each. */
async function followPages<P extends { readonly nextCursor?: string }>(
  first: string | undefined,
  fetch: (cursor: string | undefined) => Promise<P>,
  onPage: (page: P) => Promise<void>,
): Promise<void> {
  const seen = new Set<string>();
  let cursor = first;
  for (let pages = 0; pages < MAX_TRACE_PAGES; pages++) {
    const page = await fetch(cursor);
    await onPage(page);
    if (!page.nextCursor) return;
    if (seen.has(page.nextCursor)) {
      throw new TracerError('the trace source returned the same page cursor twice; the trace is incomplete');
    }
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
  throw new TracerError(`the trace has more than ${MAX_TRACE_PAGES} pages; use a shorter --duration`);
}

async function printTrace(
  source: TracerSource,
  cluster: ClusterRef,
  task: string,
  options: CliOptions,
  io: CliIo,
  deps: CliDeps,
): Promise<void> {
  const request = (cursor: string | undefined): TraceRequest => ({
    durationMs: options.durationMs,
    full: options.full,
    tz: options.timeZone,
    ...(cursor ? { cursor } : {}),
  });
  const label = `fetching the trace of ${task}…`;
  // The SNS message is cut to SNS's limit anyway, so only its beginning and end are kept in memory.
  const snsTrace = new SnsTraceCollector();
  const keepForSns = (text: string) => {
    if (options.snsTopicArn) snsTrace.add(text);
  };

  if (options.json) {
    let first: TraceResponse | undefined;
    const lines: TraceLineJson[] = [];
    let logCalls = 0;
    await followPages(
      options.cursor,
      (cursor) => progress(io, label, () => source.getTraceJson(cluster, task, request(cursor))),
      async (page) => {
        first ??= page;
        for (const line of page.lines) lines.push(line);
        logCalls += page.logCalls;
      },
    );
    if (first) {
      // One document for the whole trace: every page's lines, and no cursor since nothing is left.
      const complete: TraceResponse = { task: first.task, lines, logCalls };
      await writeText(io.stdout, formatJson(traceInZone(complete, options.jsonTimeZone)));
    }
    if (options.snsTopicArn) {
      await followPages(
        options.cursor,
        (cursor) => progress(io, label, () => source.getTraceText(cluster, task, request(cursor))),
        async (page) => keepForSns(page.text),
      );
    }
  } else {
    await followPages(
      options.cursor,
      (cursor) => progress(io, label, () => source.getTraceText(cluster, task, request(cursor))),
      async (page) => {
        keepForSns(page.text);
        await writeText(io.stdout, page.text);
      },
    );
  }

  if (options.snsTopicArn) {
    const topicArn = options.snsTopicArn;
    try {
      await progress(io, 'publishing to SNS…', () =>
        deps.publishToSns({
          topicArn,
          subject: snsSubject(task, cluster.name),
          // SNS refuses an empty message; a task always has at least its Created line, but be safe.
          message: snsTrace.message() || `no trace lines for task ${task}\n`,
          ...(options.profile ? { profile: options.profile } : {}),
        }),
      );
    } catch (cause) {
      throw new SnsPublishError(topicArn, { cause });
    }
    io.stderr.write(`tracer: published the trace to ${topicArn}\n`);
  }
}
