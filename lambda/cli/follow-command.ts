/**
 * `tracer -f CLUSTER TASK` and `tracer -f CLUSTER`: the follow loops (use-cases/follow.ts) over a tracer
 * source, printing as the trace prints. Exit codes: 0 the task stopped without a failure, 3 it failed (the
 * diagnosis is the last line), 130 interrupted.
 */
import type { TraceLineJson } from '../core/api-types.js';
import type { ClusterRef } from '../core/cluster-id.js';
import { TracerError } from '../core/errors.js';
import { formatTimestamp, formatTraceLine } from '../core/format.js';
import { redactSecrets } from '../core/redact.js';
import {
  type ClusterPollSource,
  type FollowClock,
  followCluster,
  followTask,
  type TaskChange,
  type TaskPollSource,
} from '../use-cases/follow.js';
import type { CliOptions } from './args.js';
import { type CliIo, writeText } from './io.js';
import type { TracerSource } from './source.js';

/** The exit code of a followed task that failed. */
export const EXIT_TASK_FAILED = 3;
/** The exit code of a follow ended by Ctrl-C, as shells report a SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** What a follow runs on; the process's clock and Ctrl-C, or a test's. */
export interface FollowContext {
  readonly clock: FollowClock;
  readonly signal: AbortSignal;
  /** @default DEFAULT_GRACE_MS */
  readonly graceMs?: number;
  /** @default DEFAULT_IDLE_MS */
  readonly idleMs?: number;
}

/** A source that answers `since` as the trace API does. */
function taskPolls(
  source: TracerSource,
  cluster: ClusterRef,
  task: string,
  options: CliOptions,
): TaskPollSource {
  return {
    pollTask: async (since) => {
      const answer = await source.getTraceJson(cluster, task, {
        durationMs: options.durationMs,
        full: options.full,
        since,
      });
      if (answer.sinceCursor === undefined) {
        throw new TracerError(
          `${source.description} does not answer since polls; tracer -f needs a tracer API of this version or later`,
        );
      }
      return { task: answer.task, lines: answer.lines, sinceCursor: answer.sinceCursor };
    },
  };
}

function clusterPolls(source: TracerSource, cluster: ClusterRef, options: CliOptions): ClusterPollSource {
  return {
    pollCluster: async (since) => {
      const answer = await source.listTasks(cluster, { since, ...(options.failed ? { failed: true } : {}) });
      if (answer.sinceCursor === undefined) {
        throw new TracerError(
          `${source.description} does not answer since polls; tracer -f needs a tracer API of this version or later`,
        );
      }
      const changes: TaskChange[] = answer.tasks.map((item) => ({
        changedAt: item.changedAt ?? item.stoppedAt ?? item.createdAt ?? '',
        taskId: item.taskId,
        lastStatus: item.lastStatus,
        ...(item.stopCode ? { stopCode: item.stopCode } : {}),
        ...(item.stoppedReason ? { stoppedReason: item.stoppedReason } : {}),
        ...(item.failureKind ? { failed: true } : {}),
      }));
      return { changes, sinceCursor: answer.sinceCursor };
    },
  };
}

function idleReporter(io: CliIo): (quietMs: number) => void {
  return (quietMs) => {
    // A status line would only clutter a log file or a pipe: it is for someone watching a terminal.
    if (io.stderr.isTTY)
      io.stderr.write(`tracer: nothing new for ${Math.round(quietMs / 1000)}s, still following\n`);
  };
}

/**
 * One line per task transition: time, `TASK:<id>`, status, then the stop code and the (redacted) reason.
 * @example formatChange(change, 'UTC') // '2024-05-01T12:00:00.000Z\tTASK:9f65…\tSTOPPED\tEssentialContainerExited\t…'
 */
export function formatChange(change: TaskChange, timeZone: string): string {
  const epochMs = Date.parse(change.changedAt);
  const time = Number.isNaN(epochMs) ? change.changedAt : formatTimestamp(epochMs, timeZone);
  const fields = [time, `TASK:${change.taskId}`, change.lastStatus];
  if (change.stopCode || change.stoppedReason) fields.push(change.stopCode ?? '');
  if (change.stoppedReason) fields.push(redactSecrets(change.stoppedReason));
  return fields.join('\t');
}

/**
 * Follows a task until it stopped: its exit code.
 * @example process.exitCode = await followTaskCommand(source, cluster, task, options, io, context)
 */
export async function followTaskCommand(
  source: TracerSource,
  cluster: ClusterRef,
  task: string,
  options: CliOptions,
  io: CliIo,
  context: FollowContext,
): Promise<number> {
  const outcome = await followTask(
    taskPolls(source, cluster, task, options),
    context.clock,
    {
      intervalMs: options.intervalMs,
      ...(context.graceMs !== undefined ? { graceMs: context.graceMs } : {}),
      ...(context.idleMs !== undefined ? { idleMs: context.idleMs } : {}),
    },
    {
      print: (line: TraceLineJson) => writeText(io.stdout, `${formatTraceLine(line, options.timeZone)}\n`),
      idle: idleReporter(io),
    },
    context.signal,
  );
  if (outcome.kind === 'interrupted') return EXIT_INTERRUPTED;
  return outcome.failed ? EXIT_TASK_FAILED : 0;
}

/**
 * Follows a cluster's task transitions until interrupted: 130.
 * @example process.exitCode = await followClusterCommand(source, cluster, options, io, context)
 */
export async function followClusterCommand(
  source: TracerSource,
  cluster: ClusterRef,
  options: CliOptions,
  io: CliIo,
  context: FollowContext,
): Promise<number> {
  await followCluster(
    clusterPolls(source, cluster, options),
    context.clock,
    {
      intervalMs: options.intervalMs,
      ...(context.idleMs !== undefined ? { idleMs: context.idleMs } : {}),
    },
    {
      print: (change) => writeText(io.stdout, `${formatChange(change, options.timeZone)}\n`),
      idle: idleReporter(io),
    },
    context.signal,
  );
  return EXIT_INTERRUPTED;
}
