import { describe, expect, it } from 'vitest';
import type { ClusterId } from '../../lambda/core/cluster-id.js';
import type { TaskTransition } from '../../lambda/core/model.js';
import type { RecordedTask } from '../../lambda/use-cases/ports.js';
import { CHANGE_LATE_MS, type TaskChangeSource, taskChanges } from '../../lambda/use-cases/task-changes.js';
import { clusterNamed } from '../support/clusters.js';

const NOW_MS = Date.parse('2024-05-01T12:00:00Z');

function transition(
  taskId: string,
  version: number,
  lastStatus: string,
  atMs: number,
  extra: Partial<TaskTransition> = {},
): TaskTransition {
  return {
    eventId: `${taskId}-${version}`,
    eventTime: new Date(atMs).toISOString(),
    region: 'eu-west-1',
    account: '123456789012',
    clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
    clusterName: 'prod',
    taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/prod/${taskId}`,
    taskId,
    version,
    lastStatus,
    createdAt: new Date(NOW_MS - 600_000).toISOString(),
    containers: [],
    ...extra,
  };
}

/** A cluster whose tasks' transitions the test appends to. */
class FakeCluster implements TaskChangeSource {
  readonly byTask = new Map<string, TaskTransition[]>();

  add(t: TaskTransition): void {
    this.byTask.set(t.taskId, [...(this.byTask.get(t.taskId) ?? []), t]);
  }

  async recentTasks(): Promise<readonly RecordedTask[]> {
    return [...this.byTask.values()].map((ts) => ({ summary: ts[ts.length - 1] as TaskTransition }));
  }

  async transitions(_cluster: ClusterId, taskId: string): Promise<readonly TaskTransition[]> {
    return this.byTask.get(taskId) ?? [];
  }
}

describe('taskChanges', () => {
  it('answers nothing for start, then each transition recorded after it once, oldest first', async () => {
    // Prepare
    const cluster = new FakeCluster();
    let now = NOW_MS;
    const clock = { nowMs: () => now };
    cluster.add(transition('old', 1, 'RUNNING', NOW_MS - 10_000));
    const start = await taskChanges(cluster, clock, { cluster: clusterNamed('prod'), since: 'start' });
    now += 2_000;
    cluster.add(transition('a', 1, 'PENDING', now - 1_500));
    cluster.add(transition('a', 2, 'RUNNING', now - 500));
    cluster.add(
      transition('old', 2, 'STOPPED', now - 1_000, { stopCode: 'UserInitiated', stoppedReason: 'scaled in' }),
    );

    // Act
    const first = await taskChanges(cluster, clock, {
      cluster: clusterNamed('prod'),
      since: start.sinceCursor,
    });
    now += 2_000;
    const second = await taskChanges(cluster, clock, {
      cluster: clusterNamed('prod'),
      since: first.sinceCursor,
    });

    // Assess
    expect(start.tasks).toEqual([]);
    expect(first.tasks.map((t) => `${t.taskId} ${t.lastStatus}`)).toEqual([
      'a PENDING',
      'old STOPPED',
      'a RUNNING',
    ]);
    expect(first.tasks[1]).toMatchObject({
      stopCode: 'UserInitiated',
      stoppedReason: 'scaled in',
      changedAt: new Date(NOW_MS + 1_000).toISOString(),
    });
    expect(second.tasks).toEqual([]);
  });

  it('keeps only failed stops with failedOnly', async () => {
    // Prepare
    const cluster = new FakeCluster();
    const clock = { nowMs: () => NOW_MS };
    const start = await taskChanges(cluster, clock, {
      cluster: clusterNamed('prod'),
      since: 'start',
      failedOnly: true,
    });
    cluster.add(transition('b', 1, 'RUNNING', NOW_MS - 100));
    cluster.add(
      transition('b', 2, 'STOPPED', NOW_MS, {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        stoppedAt: new Date(NOW_MS).toISOString(),
        containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 1 }],
      }),
    );

    // Act
    const changes = await taskChanges(cluster, clock, {
      cluster: clusterNamed('prod'),
      since: start.sinceCursor,
      failedOnly: true,
    });

    // Assess
    expect(changes.tasks.map((t) => `${t.taskId} ${t.lastStatus} ${t.failureKind}`)).toEqual([
      'b STOPPED essential-container-exited',
    ]);
  });

  it('leaves out transitions older than the lateness window of a task it has no position for', async () => {
    // Prepare
    const cluster = new FakeCluster();
    const clock = { nowMs: () => NOW_MS };
    const start = await taskChanges(cluster, clock, { cluster: clusterNamed('prod'), since: 'start' });
    cluster.add(transition('c', 1, 'RUNNING', NOW_MS - CHANGE_LATE_MS - 1));

    // Act
    const changes = await taskChanges(cluster, clock, {
      cluster: clusterNamed('prod'),
      since: start.sinceCursor,
    });

    // Assess
    expect(changes.tasks).toEqual([]);
  });

  it('rejects a trace cursor', async () => {
    // Prepare
    const trace = Buffer.from('{"v":1,"k":"trace","r":1,"p":[]}').toString('base64url');

    // Act / Assess
    await expect(
      taskChanges(
        new FakeCluster(),
        { nowMs: () => NOW_MS },
        { cluster: clusterNamed('prod'), since: trace },
      ),
    ).rejects.toThrow(/is the cursor of a task trace, not of a task listing/);
  });
});
