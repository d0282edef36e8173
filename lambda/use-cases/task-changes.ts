/**
 * A cluster's task transitions since a since cursor: the use case behind `?since=` of the task listing,
 * which `tracer -f CLUSTER` polls.
 *
 * Primary course:
 * 1. Read the cluster's newest tasks (CHANGES_SCAN_TASKS, newest first; by stop time with `failedOnly`).
 * 2. Of those whose newest event is recent (after the previous read time, less CHANGE_LATE_MS for events
 *    recorded late), read their transitions when the source keeps them, else take the summary.
 * 3. Answer the transitions after each task's position in the cursor, oldest first, with `failedOnly`
 *    the failed stops only. `since=start` answers none: a follow starts from now.
 * 4. The next cursor remembers each recently changed task's last transition.
 *
 * A task outside the newest CHANGES_SCAN_TASKS is not seen: a long-running task whose stop falls behind a
 * hundred newer tasks is missed, but a failed one never is with `failedOnly` (that listing is by stop time).
 */

import type { TaskListItem, TaskListResponse } from '../core/api-types.js';
import type { ClusterId } from '../core/cluster-id.js';
import { classifyFailure } from '../core/failure.js';
import {
  advanceSince,
  decodeSinceCursor,
  encodeSinceCursor,
  type FollowLine,
  linesAfter,
} from '../core/follow.js';
import type { TaskTransition } from '../core/model.js';
import { toTaskListItem } from '../core/task-view.js';
import type { Clock, RecordedTask, TaskHistory } from './ports.js';

/** Tasks each poll looks at, the newest first: one page of the listing. */
export const CHANGES_SCAN_TASKS = 100;
/** How far before the previous read time a poll still looks, for transitions recorded late. */
export const CHANGE_LATE_MS = 60_000;

/** Where the changes come from: the recorded history, or ECS itself with `--live`. */
export interface TaskChangeSource {
  recentTasks(
    cluster: ClusterId,
    options: { readonly failedOnly: boolean; readonly limit: number },
  ): Promise<readonly RecordedTask[]>;
  /** The task's transitions in version order, when the source keeps them. */
  transitions?(cluster: ClusterId, taskId: string): Promise<readonly TaskTransition[]>;
}

export interface TaskChangesRequest {
  readonly cluster: ClusterId;
  /** `start`, or the sinceCursor of the previous answer. */
  readonly since: string;
  readonly failedOnly?: boolean;
}

export { isSinceCursor } from '../core/request/api-request.js';

interface ChangeLine extends FollowLine {
  readonly item: TaskListItem;
  readonly failed: boolean;
}

function changeLine(transition: TaskTransition): ChangeLine {
  const failure = transition.lastStatus === 'STOPPED' ? classifyFailure(transition) : undefined;
  const item = {
    ...toTaskListItem(failure ? { summary: transition, failure } : { summary: transition }),
    changedAt: transition.eventTime,
  };
  return {
    epochMs: Date.parse(transition.eventTime),
    source: `TASK:${transition.taskId}`,
    message: `${transition.version}`,
    item,
    failed: failure?.failed === true,
  };
}

/**
 * The cluster's task transitions after `since`, and the cursor to poll on with.
 * @throws InvalidSinceCursorError for a since that tracer did not issue for a task listing.
 * @example const { tasks, sinceCursor } = await taskChanges(source, clock, { cluster, since: 'start' })
 */
export async function taskChanges(
  source: TaskChangeSource,
  clock: Clock,
  request: TaskChangesRequest,
): Promise<TaskListResponse & { readonly sinceCursor: string }> {
  const previous = request.since === 'start' ? undefined : decodeSinceCursor(request.since, 'tasks');
  const nowMs = clock.nowMs();
  const floorMs = (previous?.readMs ?? nowMs) - CHANGE_LATE_MS;
  const tasks = await source.recentTasks(request.cluster, {
    failedOnly: request.failedOnly === true,
    limit: CHANGES_SCAN_TASKS,
  });
  const recent = tasks.filter((task) => Date.parse(task.summary.eventTime) >= floorMs);
  const lines: ChangeLine[] = [];
  for (const task of recent) {
    const transitions = (await source.transitions?.(request.cluster, task.summary.taskId)) ?? [task.summary];
    for (const transition of transitions) {
      if (Date.parse(transition.eventTime) >= floorMs) lines.push(changeLine(transition));
    }
  }
  lines.sort((a, b) => a.epochMs - b.epochMs || Number(a.message) - Number(b.message));
  const fresh = previous ? linesAfter(previous, lines) : [];
  const shown = request.failedOnly ? fresh.filter((line) => line.failed) : fresh;
  return {
    tasks: shown.map((line) => line.item),
    sinceCursor: encodeSinceCursor(advanceSince(previous, 'tasks', previous ? fresh : lines, nowMs)),
  };
}

/**
 * The recorded history as a source of changes: the listing's newest page, and each task's transitions.
 * @example taskChanges(recordedChanges(deps), deps.clock, request)
 */
export function recordedChanges(deps: { readonly history: TaskHistory }): TaskChangeSource {
  return {
    recentTasks: async (cluster, options) =>
      (
        await deps.history.listTasks({
          cluster,
          limit: options.limit,
          ...(options.failedOnly ? { failedOnly: true } : {}),
        })
      ).items,
    transitions: (cluster, taskId) => deps.history.listTransitions(cluster, taskId),
  };
}
