/**
 * One trace-assembly case in a fresh Node process, so that its peak memory is its own. The parent loads
 * the loopback CloudWatch Logs fake and points the standard SDK client at it through
 * AWS_ENDPOINT_URL_CLOUDWATCH_LOGS; this process builds the trace with the production use case and log
 * adapter, formats it as text, and prints its measurements as one JSON line.
 *
 * Input: argv[2] is a TraceWorkerInput as JSON.
 */
import { performance } from 'node:perf_hooks';
import { CloudWatchLogSource } from '../../lambda/adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { formatTraceText } from '../../lambda/core/format.js';
import { DEFAULT_LOG_WINDOW_MS } from '../../lambda/core/log-windows.js';
import { type BuildTraceDeps, buildTaskTrace } from '../../lambda/use-cases/build-trace.js';
import type { LogSource, LogStreamRequest, LogStreamResult } from '../../lambda/use-cases/ports.js';
import {
  fixedClock,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../../test/fakes/trace-ports.js';
import { BENCH_CLUSTER, BENCH_TASK_ID, syntheticTask } from './synthetic-task.js';

export type TraceMode = 'window' | 'full';

export interface TraceWorkerInput {
  readonly containers: number;
  readonly mode: TraceMode;
}

export interface TraceWorkerResult {
  /** From the first request to the last page formatted. */
  readonly totalMs: number;
  /** Until the first page was formatted: what a reader of the API waits for. */
  readonly firstPageMs: number;
  /** Time spent inside GetLogEvents reads (containers overlap, so this is a span, not a sum). */
  readonly readMs: number;
  readonly pages: number;
  readonly traceLines: number;
  readonly logLines: number;
  readonly textBytes: number;
  /** CloudWatch Logs calls as the adapter counted them; the parent checks them against the fake. */
  readonly logCalls: number;
  readonly baselineRssBytes: number;
  readonly peakRssBytes: number;
  readonly heapHighWaterBytes: number;
}

/** Times the reads of the wrapped source: the span from the first call's start to the last one's end. */
class TimedLogSource implements LogSource {
  totalMs = 0;
  private active = 0;
  private since = 0;

  constructor(private readonly inner: LogSource) {}

  async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
    if (this.active++ === 0) this.since = performance.now();
    try {
      return await this.inner.readLogStream(request);
    } finally {
      if (--this.active === 0) this.totalMs += performance.now() - this.since;
    }
  }
}

/** A trace of 1,000,000 lines has 11 pages; far more means the cursor stopped moving. */
const MAX_PAGES = 1_000;

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as TraceWorkerInput;
  const task = syntheticTask(input.containers);
  const history = new InMemoryTaskHistory();
  history.recordTransition(task.summary);
  const logs = new TimedLogSource(new CloudWatchLogSource());
  const deps: BuildTraceDeps = {
    history,
    taskDefinitions: new InMemoryTaskDefinitionStore([task.taskDefinition]),
    serviceEvents: new InMemoryServiceEventStore(),
    logs,
    clock: fixedClock(task.nowMs),
  };

  let heapHighWater = process.memoryUsage().heapUsed;
  const sample = () => {
    const heap = process.memoryUsage().heapUsed;
    if (heap > heapHighWater) heapHighWater = heap;
  };
  const sampler = setInterval(sample, 5);
  const baselineRssBytes = process.memoryUsage.rss();

  const started = performance.now();
  let firstPageMs = 0;
  let pages = 0;
  let traceLines = 0;
  let logLines = 0;
  let textBytes = 0;
  let logCalls = 0;
  let cursor: string | undefined;
  do {
    const page = await buildTaskTrace(deps, {
      cluster: { account: '123456789012', region: 'us-east-1', name: BENCH_CLUSTER },
      taskId: BENCH_TASK_ID,
      durationMs: DEFAULT_LOG_WINDOW_MS,
      ...(input.mode === 'full' ? { full: true } : {}),
      ...(cursor ? { cursor } : {}),
    });
    sample();
    const text = formatTraceText(page.lines, { timeZone: 'UTC' });
    sample();
    pages += 1;
    traceLines += page.lines.length;
    for (const line of page.lines) if (line.kind === 'log') logLines += 1;
    textBytes += Buffer.byteLength(text, 'utf8');
    logCalls += page.logCalls;
    if (pages === 1) firstPageMs = performance.now() - started;
    cursor = page.nextCursor;
    if (cursor && pages >= MAX_PAGES)
      throw new Error(`the trace still had more lines after ${MAX_PAGES} pages`);
  } while (cursor);
  const totalMs = performance.now() - started;
  clearInterval(sampler);

  const result: TraceWorkerResult = {
    totalMs,
    firstPageMs,
    readMs: logs.totalMs,
    pages,
    traceLines,
    logLines,
    textBytes,
    logCalls,
    baselineRssBytes,
    // maxRSS is in kilobytes: the process's true high-water mark, not a sample.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapHighWaterBytes: heapHighWater,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
