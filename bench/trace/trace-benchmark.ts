/**
 * Trace assembly: time, peak memory and CloudWatch Logs calls to build the trace of a task with 1,000 to
 * 1,000,000 log lines across 1 to 3 containers, in window mode (head and tail) and in full mode (the
 * whole life, paged as the API pages it).
 *
 * The parent serves the log events from the loopback fake of CloudWatch Logs and counts its calls; each
 * run builds the trace in a fresh worker process with the production use case and the real SDK client,
 * so memory figures belong to that one run. Beside our calls, the same run reports:
 * - the physical limit: the fewest GetLogEvents pages that can carry those events (10,000 events or
 *   1 MB a page);
 * - the original tracer: 100 events a page and at most 100 pages per window, replayed with our adapter
 *   set to those limits against the same fake, with how many of the lines it never reads.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogSource } from '../../lambda/adapters/cloudwatch-logs/cloudwatch-log-source.js';
import {
  CloudWatchLogsFake,
  EVENT_OVERHEAD_BYTES,
  MAX_PAGE_BYTES,
} from '../../test/fakes/cloudwatch-logs-fake.js';
import type { Benchmark, BenchmarkContext, BenchmarkOutcome } from '../support/benchmark.js';
import { bundleWorker } from '../support/bundle.js';
import { lastJsonLine, runNodeOk, scratchDir } from '../support/processes.js';
import { median, round } from '../support/stats.js';
import { formatNumber, mib, type Table } from '../support/table.js';
import {
  BENCH_LOG_GROUP,
  generateLogEvents,
  PageCounter,
  RUN_MS,
  type SyntheticTask,
  syntheticTask,
} from './synthetic-task.js';
import type { TraceMode, TraceWorkerInput, TraceWorkerResult } from './trace-worker.js';

/** The original tracer's paging: 100 events a page, at most 100 pages per window. */
const ORIGINAL_PAGE_EVENTS = 100;
const ORIGINAL_MAX_PAGES = 100;

interface TraceCase {
  readonly lines: number;
  readonly containers: number;
  readonly repeats: number;
}

const MODES: readonly TraceMode[] = ['window', 'full'];

/**
 * The matrix: 1,000 and 100,000 lines across 1, 2 and 3 containers, 1,000,000 across 1 and 3; fewer
 * repeats where a run is long. The quick subset stops at 100,000 lines and 1 or 3 containers.
 */
export function traceCases(quick: boolean): TraceCase[] {
  if (quick) {
    return [1_000, 100_000].flatMap((lines) =>
      [1, 3].map((containers) => ({ lines, containers, repeats: lines <= 1_000 ? 3 : 1 })),
    );
  }
  return [
    ...[1, 2, 3].map((containers) => ({ lines: 1_000, containers, repeats: 5 })),
    ...[1, 2, 3].map((containers) => ({ lines: 100_000, containers, repeats: 3 })),
    ...[1, 3].map((containers) => ({ lines: 1_000_000, containers, repeats: 1 })),
  ];
}

/** What the loaded streams hold, worked out while loading them. */
interface LoadedCase {
  readonly task: SyntheticTask;
  /** Events inside the head and tail windows, over all containers. */
  readonly windowEvents: number;
  readonly windowPhysicalCalls: number;
  readonly fullPhysicalCalls: number;
  /** ceil(max(events / 10,000, bytes / 1 MiB)) per stream and window: a bound no page packing can beat. */
  readonly windowLowerBound: number;
  readonly fullLowerBound: number;
  readonly totalBytes: number;
}

/** Splits `lines` over the containers, the first ones taking the remainder. */
function share(lines: number, containers: number, index: number): number {
  return Math.floor(lines / containers) + (index < lines % containers ? 1 : 0);
}

function loadCase(fake: CloudWatchLogsFake, traceCase: TraceCase): LoadedCase {
  fake.reset();
  const task = syntheticTask(traceCase.containers);
  let windowEvents = 0;
  let windowPhysicalCalls = 0;
  let fullPhysicalCalls = 0;
  let windowLowerBound = 0;
  let fullLowerBound = 0;
  let totalBytes = 0;
  for (let c = 0; c < traceCase.containers; c++) {
    const stream = generateLogEvents(task, c, share(traceCase.lines, traceCase.containers, c));
    fake.putLogEvents(BENCH_LOG_GROUP, stream.logStream, stream.events);
    const full = new PageCounter();
    const perWindow = task.windows.map(() => new PageCounter());
    for (const event of stream.events) {
      const bytes = Buffer.byteLength(event.message, 'utf8');
      full.add(bytes);
      task.windows.forEach((window, w) => {
        if (event.timestamp >= window.startMs && event.timestamp <= window.endMs) perWindow[w]?.add(bytes);
      });
    }
    fullPhysicalCalls += full.pages;
    fullLowerBound += full.lowerBound;
    totalBytes += full.bytes;
    for (const counter of perWindow) {
      windowPhysicalCalls += counter.pages;
      windowLowerBound += counter.lowerBound;
      windowEvents += counter.events;
    }
  }
  return {
    task,
    windowEvents,
    windowPhysicalCalls,
    fullPhysicalCalls,
    windowLowerBound,
    fullLowerBound,
    totalBytes,
  };
}

/** Replays the original tracer's reads against the fake: its calls, and the window lines it reads. */
async function replayOriginal(
  fake: CloudWatchLogsFake,
  task: SyntheticTask,
): Promise<{ calls: number; linesRead: number }> {
  const client = new CloudWatchLogsClient(fake.clientConfig());
  const original = new CloudWatchLogSource({
    clientFor: () => client,
    pageLimit: ORIGINAL_PAGE_EVENTS,
    maxCalls: ORIGINAL_MAX_PAGES,
  });
  fake.resetCalls();
  let linesRead = 0;
  try {
    for (const container of task.containers) {
      for (const window of task.windows) {
        const result = await original.readLogStream({
          containerName: container.containerName,
          logGroup: BENCH_LOG_GROUP,
          logStream: container.logStream,
          startMs: window.startMs,
          endMs: window.endMs,
        });
        linesRead += result.events.length;
      }
    }
  } finally {
    client.destroy();
  }
  return { calls: fake.callCount(), linesRead };
}

interface ModeResult {
  readonly lines: number;
  readonly containers: number;
  readonly mode: TraceMode;
  readonly runs: number;
  /** Log lines the mode is meant to read: the windows' lines, or all of them. */
  readonly linesToRead: number;
  readonly logLines: number;
  readonly traceLines: number;
  readonly pages: number;
  readonly totalMs: number;
  readonly firstPageMs: number;
  readonly readMs: number;
  readonly peakRssBytes: number;
  readonly baselineRssBytes: number;
  readonly heapHighWaterBytes: number;
  readonly textBytes: number;
  readonly calls: number;
  readonly physicalCalls: number;
  readonly physicalLowerBound: number;
  readonly originalCalls: number;
  readonly originalLinesRead: number;
  /** False when the trace did not hold exactly the lines it should: the figures are then suspect. */
  readonly complete: boolean;
  /** UTF-8 bytes of an average log message (without the 26 bytes GetLogEvents counts on top). */
  readonly averageMessageBytes: number;
  readonly allRuns: readonly (TraceWorkerResult & { readonly fakeCalls: number })[];
}

async function runMode(
  context: BenchmarkContext,
  worker: string,
  fake: CloudWatchLogsFake,
  traceCase: TraceCase,
  loaded: LoadedCase,
  original: { calls: number; linesRead: number },
  mode: TraceMode,
): Promise<ModeResult> {
  const input: TraceWorkerInput = { containers: traceCase.containers, mode };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHFAKE',
    AWS_SECRET_ACCESS_KEY: 'bench-fake-secret',
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: fake.endpoint,
    // No shared config or credential files of the person running the suite.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const runs: (TraceWorkerResult & { fakeCalls: number })[] = [];
  for (let r = 0; r < traceCase.repeats; r++) {
    fake.resetCalls();
    const run = await runNodeOk([worker, JSON.stringify(input)], { env, timeoutMs: 240_000 });
    const result = lastJsonLine<TraceWorkerResult>(run);
    runs.push({ ...result, fakeCalls: fake.callCount() });
  }
  const first = runs[0] as TraceWorkerResult & { fakeCalls: number };
  const linesToRead = mode === 'full' ? traceCase.lines : loaded.windowEvents;
  const complete = runs.every((run) => run.logLines === linesToRead && run.logCalls === run.fakeCalls);
  if (!complete) {
    context.progress(
      `  warning: ${traceCase.lines} lines / ${traceCase.containers} containers / ${mode}: the trace held ${first.logLines} log lines, expected ${linesToRead} (calls: adapter ${first.logCalls}, fake ${first.fakeCalls})`,
    );
  }
  return {
    lines: traceCase.lines,
    containers: traceCase.containers,
    mode,
    runs: runs.length,
    linesToRead,
    logLines: first.logLines,
    traceLines: first.traceLines,
    pages: first.pages,
    totalMs: median(runs.map((r) => r.totalMs)),
    firstPageMs: median(runs.map((r) => r.firstPageMs)),
    readMs: median(runs.map((r) => r.readMs)),
    peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
    baselineRssBytes: median(runs.map((r) => r.baselineRssBytes)),
    heapHighWaterBytes: median(runs.map((r) => r.heapHighWaterBytes)),
    textBytes: first.textBytes,
    calls: median(runs.map((r) => r.fakeCalls)),
    physicalCalls: mode === 'full' ? loaded.fullPhysicalCalls : loaded.windowPhysicalCalls,
    physicalLowerBound: mode === 'full' ? loaded.fullLowerBound : loaded.windowLowerBound,
    originalCalls: original.calls,
    originalLinesRead: original.linesRead,
    complete,
    averageMessageBytes: loaded.totalBytes / traceCase.lines - EVENT_OVERHEAD_BYTES,
    allRuns: runs,
  };
}

function percent(part: number, whole: number): string {
  if (whole === 0) return '–';
  const value = (100 * part) / whole;
  return `${value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1)}%`;
}

function ratio(value: number, base: number): string {
  return base === 0 ? '–' : `${(value / base).toFixed(2)}×`;
}

function tables(results: readonly ModeResult[], quick: boolean): Table[] {
  const largest = results.reduce<ModeResult | undefined>(
    (a, b) => (a && a.lines >= b.lines ? a : b),
    undefined,
  );
  const averageBytes = Math.round(largest?.averageMessageBytes ?? Number.NaN);
  const timing: Table = {
    title: 'Trace assembly: time and memory (median of the runs; each run in a fresh process)',
    columns: [
      'log lines',
      'containers',
      'mode',
      'lines in trace',
      'pages',
      'total ms',
      'first page ms',
      'reading ms',
      'lines/s',
      'peak RSS MiB',
      'RSS growth MiB',
      'heap high-water MiB',
      'runs',
    ],
    rows: results.map((r) => [
      r.lines,
      r.containers,
      r.mode,
      r.complete ? r.logLines : `${formatNumber(r.logLines)} (!)`,
      r.pages,
      round(r.totalMs),
      round(r.firstPageMs),
      round(r.readMs),
      Math.round(r.logLines / (r.totalMs / 1000)),
      mib(r.peakRssBytes),
      mib(r.peakRssBytes - r.baselineRssBytes),
      mib(r.heapHighWaterBytes),
      r.runs,
    ]),
    notes: [
      `The task ran ${RUN_MS / 3_600_000} h; 10% of its lines fall in its first minute, 10% in its last, the rest evenly between. Messages average ${averageBytes} bytes, so 1 MB pages hold about ${formatNumber(Math.floor(MAX_PAGE_BYTES / (averageBytes + EVENT_OVERHEAD_BYTES)))} events: the byte limit binds before 10,000 events.`,
      'window = head and tail windows with d = 1 min (one page); full = the whole life, 100,000 lines a page, every page read as the API serves it.',
      'total = every page built (use case + SDK reads from the loopback fake) and formatted as text; reading = the time GetLogEvents reads were in flight.',
      'peak RSS = the worker process high-water mark (getrusage); RSS growth = above the process at rest after loading; heap high-water is sampled every 5 ms.',
      ...(quick ? ['Quick run: fewer sizes and repeats.'] : []),
    ],
  };
  const calls: Table = {
    title: 'CloudWatch Logs calls per trace (counted by the loopback fake)',
    columns: [
      'log lines',
      'containers',
      'mode',
      'lines to read',
      'ours',
      'physical limit',
      'ours ÷ limit',
      'original',
      'original reads',
      'original misses',
    ],
    rows: results.map((r) => [
      r.lines,
      r.containers,
      r.mode,
      r.linesToRead,
      r.calls,
      r.physicalCalls,
      ratio(r.calls, r.physicalCalls),
      r.originalCalls,
      r.originalLinesRead,
      percent(r.linesToRead - Math.min(r.originalLinesRead, r.linesToRead), r.linesToRead),
    ]),
    notes: [
      'ours = GetLogEvents requests tracer made (10,000 events a page, 1 MB at most), retries included; each stream read ends with one call whose token comes back unchanged.',
      'physical limit = the fewest pages that can carry those events: pages of 10,000 events or 1 MB (message bytes + 26 each), filled in stream order, per stream and window. results.json also has the plain bound ceil(max(events ÷ 10,000, bytes ÷ 1 MB)), at most a page lower.',
      'original = 100 events a page and at most 100 pages per window (the original tracer), replayed against the same fake. It has no full mode, so in full rows it still reads only the windows.',
      'In full mode each page of 100,000 lines re-reads from its cursor: with several containers, lines past the page end are read again for the next page.',
    ],
  };
  return [timing, calls];
}

export const traceBenchmark: Benchmark = async (context): Promise<BenchmarkOutcome> => {
  const scratch = scratchDir('trace');
  const fake = await CloudWatchLogsFake.start();
  try {
    context.progress('trace: bundling the worker');
    const worker = await bundleWorker(
      `${context.root}/bench/trace/trace-worker.ts`,
      scratch.path,
      'trace-worker',
    );
    const results: ModeResult[] = [];
    for (const traceCase of traceCases(context.options.quick)) {
      context.progress(
        `trace: ${formatNumber(traceCase.lines)} lines, ${traceCase.containers} container(s), ${traceCase.repeats} run(s) a mode`,
      );
      const loaded = loadCase(fake, traceCase);
      const original = await replayOriginal(fake, loaded.task);
      for (const mode of MODES) {
        results.push(await runMode(context, worker, fake, traceCase, loaded, original, mode));
      }
    }
    fake.reset();
    return {
      tables: tables(results, context.options.quick),
      data: {
        originalPaging: { pageEvents: ORIGINAL_PAGE_EVENTS, maxPagesPerWindow: ORIGINAL_MAX_PAGES },
        results,
      },
    };
  } finally {
    await fake.stop();
    scratch.remove();
  }
};
