/**
 * What the four tools do: check the arguments the way the CLI checks its flags, ask the source, and shape
 * the answer as text plus structured content. Every failure becomes a tool error carrying the one line the
 * CLI would print for it (cli/errors.ts), so the assistant can relay it and the server carries on.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describeFailure } from '../cli/errors.js';
import type { TaskListFilters, TraceRequest, TracerSource } from '../cli/source.js';
import type { Logger } from '../config/logger.js';
import type { TaskListResponse, TaskSummaryResponse } from '../core/api-types.js';
import { AmbiguousClusterError, type ClusterRef } from '../core/cluster-id.js';
import { TracerError } from '../core/errors.js';
import { DEFAULT_TIME_ZONE } from '../core/format.js';
import {
  checkTimeRange,
  clusterPathSegment,
  parseClusterFilter,
  parseClusterRef,
  parseCursorParam,
  parseDurationParam,
  parseInstantParam,
  parseTask,
  parseTimeZone,
} from '../core/request/params.js';
import { taskSummaryInZone, traceLineInZone } from '../core/zoned-json.js';
import { renderClusterList, renderTaskList, renderTaskSummary } from './render.js';
import {
  DEFAULT_TASK_PAGE,
  type GetTaskArgs,
  type GetTraceArgs,
  type ListClustersArgs,
  type ListTasksArgs,
  type TraceDefaults,
} from './schemas.js';
import {
  type CollectedLines,
  type CutReason,
  collectLines,
  decodeTracePosition,
  encodeTracePosition,
  type SizedLine,
  shortenJsonLine,
  shortenTextLine,
  splitTraceText,
  toJsonTraceLine,
} from './trace-cut.js';

/** What the tools are wired to. */
export interface TracerToolsDeps {
  /** The source, opened on first use. */
  readonly source: () => Promise<TracerSource>;
  /** The server's `--duration`, `--full` and `--tz`. */
  readonly defaults: TraceDefaults;
  /** For `since`/`until` given as a duration ago. */
  readonly nowMs: () => number;
  /** The most bytes of trace in one `get_trace` answer. */
  readonly maxResultBytes: number;
  /** The most source pages read for one `get_trace` answer. */
  readonly maxTracePages: number;
  readonly logger: Logger;
}

/** The handlers of the four tools. */
export interface TracerTools {
  listClusters(args?: ListClustersArgs): Promise<CallToolResult>;
  listTasks(args: ListTasksArgs): Promise<CallToolResult>;
  getTask(args: GetTaskArgs): Promise<CallToolResult>;
  getTrace(args: GetTraceArgs): Promise<CallToolResult>;
}

/** Room kept for the TRACER notice line, whose cursor can be long. */
const NOTICE_RESERVE_BYTES = 2 * 1024;
/** Room kept in a JSON trace answer for the task summary and the fields around the lines. */
const JSON_ENVELOPE_RESERVE_BYTES = 16 * 1024;

/** The arguments that name a cluster. */
interface ClusterArgs {
  readonly cluster: string;
  readonly account?: string | undefined;
  readonly region?: string | undefined;
}

/**
 * The cluster a tool's arguments name: a name or ARN, narrowed by `account` (else the server's `--account`)
 * and `region`.
 */
function clusterOf(args: ClusterArgs, defaultAccount: string | undefined): ClusterRef {
  return parseClusterRef(args.cluster, { account: args.account ?? defaultAccount, region: args.region });
}

/** The cluster and the task id, checking that a task ARN belongs to the cluster. */
function taskOf(
  args: ClusterArgs & { readonly task: string },
  defaultAccount: string | undefined,
): { cluster: ClusterRef; taskId: string } {
  const cluster = clusterOf(args, defaultAccount);
  return { cluster, taskId: parseTask(args.task, cluster) };
}

function kib(bytes: number): number {
  return Math.round(bytes / 1024);
}

/** What the notice line of a cut answer says: why it stops and how to get the rest. */
function noticeOf(
  collected: CollectedLines<SizedLine>,
  nextCursor: string | undefined,
  context: { readonly maxResultBytes: number; readonly maxTracePages: number; readonly full: boolean },
): string | undefined {
  const parts: string[] = [];
  const rest = `the trace continues: call get_trace again with the same arguments and cursor "${nextCursor}"`;
  const reason: CutReason | undefined = collected.cutBy;
  if (reason === 'size') {
    parts.push(
      `this answer stops at the ${kib(context.maxResultBytes)} KB limit of a get_trace answer, after ${collected.lines.length} lines; ` +
        `${rest}, or narrow the window with a shorter duration${context.full ? ' or full: false' : ''}`,
    );
  } else if (reason === 'pages') {
    parts.push(`this answer stops after ${context.maxTracePages} pages of the trace; ${rest}`);
  }
  if (collected.shortened > 0) {
    parts.push(
      `${collected.shortened} line${collected.shortened === 1 ? '' : 's'} longer than the ${kib(context.maxResultBytes)} KB limit ${collected.shortened === 1 ? 'was' : 'were'} shortened, marked with …`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function text(value: string): CallToolResult['content'] {
  return [{ type: 'text', text: value }];
}

/**
 * The tool handlers over a source. They never throw: a failure is an `isError` answer.
 * @example const tools = makeTracerTools({ source: async () => source, defaults, nowMs: Date.now, maxResultBytes: 102_400, maxTracePages: 50, logger });
 */
export function makeTracerTools(deps: TracerToolsDeps): TracerTools {
  const { defaults, logger } = deps;

  async function answer(tool: string, work: () => Promise<CallToolResult>): Promise<CallToolResult> {
    try {
      const result = await work();
      logger.debug('tool call answered', { tool });
      return result;
    } catch (error) {
      const message =
        error instanceof AmbiguousClusterError
          ? `cluster ${error.clusterName} is ambiguous: ${error.arns.length} recorded clusters carry that name (${error.arns.join(', ')}); pass one of these ARNs as cluster, or give account and region`
          : describeFailure(error).message;
      logger.warn('tool call failed', {
        tool,
        answer: message,
        error,
        ...(error instanceof Error && !(error instanceof TracerError) ? { stack: error.stack } : {}),
      });
      return { isError: true, content: text(message) };
    }
  }

  async function listTasks(args: ListTasksArgs): Promise<CallToolResult> {
    const cluster = clusterOf(args, defaults.account);
    const nowMs = deps.nowMs();
    const sinceMs = args.since === undefined ? undefined : parseInstantParam(args.since, nowMs, 'since');
    const untilMs = args.until === undefined ? undefined : parseInstantParam(args.until, nowMs, 'until');
    checkTimeRange(sinceMs, untilMs);
    const since = sinceMs === undefined ? undefined : new Date(sinceMs).toISOString();
    const until = untilMs === undefined ? undefined : new Date(untilMs).toISOString();
    if (args.cursor !== undefined) parseCursorParam(args.cursor);
    const limit = args.limit ?? DEFAULT_TASK_PAGE;
    const filters: TaskListFilters = {
      limit,
      ...(args.status ? { status: args.status } : {}),
      ...(args.failed ? { failed: true } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(args.cursor ? { cursor: args.cursor } : {}),
    };
    const page = await (await deps.source()).listTasks(cluster, filters);
    const response: TaskListResponse = {
      tasks: page.tasks.slice(0, limit),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
    return {
      content: text(renderTaskList(response, clusterPathSegment(cluster), defaults.timeZone)),
      structuredContent: { ...response },
    };
  }

  async function getTask(args: GetTaskArgs): Promise<CallToolResult> {
    const { cluster, taskId } = taskOf(args, defaults.account);
    const summary = await (await deps.source()).getTask(cluster, taskId);
    return {
      content: text(renderTaskSummary(summary, defaults.timeZone)),
      structuredContent: { ...summary },
    };
  }

  async function getTrace(args: GetTraceArgs): Promise<CallToolResult> {
    const { cluster, taskId } = taskOf(args, defaults.account);
    const durationMs = args.duration === undefined ? defaults.durationMs : parseDurationParam(args.duration);
    const full = args.full ?? defaults.full;
    const tz = args.tz === undefined ? defaults.timeZone : parseTimeZone(args.tz);
    const start = args.cursor === undefined ? {} : decodeTracePosition(args.cursor);
    const source = await deps.source();
    const request = (cursor: string | undefined): TraceRequest => ({
      durationMs,
      full,
      tz,
      ...(cursor ? { cursor } : {}),
    });
    const limits = {
      maxResultBytes: deps.maxResultBytes,
      maxTracePages: deps.maxTracePages,
      full,
    };

    if (args.format === 'json') {
      const jsonZone = args.tz === undefined ? (defaults.jsonTimeZone ?? DEFAULT_TIME_ZONE) : tz;
      let task: TaskSummaryResponse | undefined;
      let logCalls = 0;
      const collected = await collectLines({
        start,
        budgetBytes: Math.max(1024, deps.maxResultBytes - NOTICE_RESERVE_BYTES - JSON_ENVELOPE_RESERVE_BYTES),
        maxPages: deps.maxTracePages,
        shorten: shortenJsonLine,
        fetchPage: async (cursor) => {
          const page = await source.getTraceJson(cluster, taskId, request(cursor));
          task ??= taskSummaryInZone(page.task, jsonZone);
          logCalls += page.logCalls;
          return {
            lines: page.lines.map((line) => toJsonTraceLine(traceLineInZone(line, jsonZone))),
            ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
          };
        },
      });
      if (!task) throw new TracerError('the trace source answered without the task summary');
      const nextCursor = collected.resume ? encodeTracePosition(collected.resume) : undefined;
      const notice = noticeOf(collected, nextCursor, limits);
      const structured = {
        cluster: clusterPathSegment(cluster),
        taskId,
        format: 'json' as const,
        lineCount: collected.lines.length,
        truncated: nextCursor !== undefined,
        ...(nextCursor ? { nextCursor } : {}),
        ...(notice ? { notice } : {}),
        task,
        lines: collected.lines.map((item) => item.line),
        logCalls,
      };
      return { content: text(JSON.stringify(structured)), structuredContent: structured };
    }

    const collected = await collectLines({
      start,
      budgetBytes: Math.max(1024, deps.maxResultBytes - NOTICE_RESERVE_BYTES),
      maxPages: deps.maxTracePages,
      shorten: shortenTextLine,
      fetchPage: async (cursor) => {
        const page = await source.getTraceText(cluster, taskId, request(cursor));
        return {
          lines: splitTraceText(page.text),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        };
      },
    });
    const nextCursor = collected.resume ? encodeTracePosition(collected.resume) : undefined;
    const notice = noticeOf(collected, nextCursor, limits);
    const body = collected.lines.map((line) => line.text).join('');
    // The notice is a trace line of its own, stamped like the last line so the text stays in order.
    const lastStamp = collected.lines.at(-1)?.text.split('\t', 1)[0];
    const noticeLine = notice && lastStamp !== undefined ? `${lastStamp}\tTRACER\t${notice}\n` : '';
    return {
      content: text(
        body === ''
          ? `no trace lines for task ${taskId}${args.cursor ? ' after this cursor' : ''}\n`
          : `${body}${noticeLine}`,
      ),
      structuredContent: {
        cluster: clusterPathSegment(cluster),
        taskId,
        format: 'text',
        lineCount: collected.lines.length,
        truncated: nextCursor !== undefined,
        ...(nextCursor ? { nextCursor } : {}),
        ...(notice ? { notice } : {}),
      },
    };
  }

  return {
    listClusters: (args = {}) =>
      answer('list_clusters', async () => {
        const filter = parseClusterFilter({ account: args.account ?? defaults.account, region: args.region });
        const clusters = await (await deps.source()).listClusters(filter);
        return {
          content: text(renderClusterList(clusters, defaults.timeZone)),
          structuredContent: { ...clusters },
        };
      }),
    listTasks: (args) => answer('list_tasks', () => listTasks(args)),
    getTask: (args) => answer('get_task', () => getTask(args)),
    getTrace: (args) => answer('get_trace', () => getTrace(args)),
  };
}
