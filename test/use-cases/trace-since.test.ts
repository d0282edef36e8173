import { describe, expect, it } from 'vitest';
import { InvalidSinceCursorError } from '../../lambda/core/follow.js';
import type { BuildTraceDeps } from '../../lambda/use-cases/build-trace.js';
import { LATE_LOG_MS, sinceCursorAfter, traceSince } from '../../lambda/use-cases/trace-since.js';
import {
  InMemoryLogSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../fakes/trace-ports.js';
import { clusterNamed } from '../support/clusters.js';
import { loadEvent } from '../support/fixtures.js';

const TASK_ID = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';
const GROUP = '/ecs/sample-fargate';
const STREAM = `ecs/FargateApp/${TASK_ID}`;

/** The fixture's Fargate task, running, with a clock the test moves on. */
function runningTask() {
  const history = new InMemoryTaskHistory();
  history.recordEvents(
    [
      'lifecycle-fargate-1-provisioning',
      'lifecycle-fargate-2-pending',
      'lifecycle-fargate-3-pending',
      'lifecycle-fargate-4-running',
    ].map((name) => loadEvent(name)),
  );
  const logs = new InMemoryLogSource();
  logs.createLogGroup(GROUP);
  const clock = { now: Date.parse('2020-01-23T18:00:00Z'), nowMs: () => clock.now };
  const deps: BuildTraceDeps = {
    history,
    taskDefinitions: new InMemoryTaskDefinitionStore([
      {
        status: 'described',
        taskDefinitionArn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1',
        describedAt: '2020-01-23T17:00:00Z',
        containers: [
          {
            containerName: 'FargateApp',
            logDriver: 'awslogs',
            logGroup: GROUP,
            streamPrefix: 'ecs',
            region: 'us-west-2',
            essential: true,
          },
        ],
      },
    ]),
    serviceEvents: new InMemoryServiceEventStore(),
    logs,
    clock,
  };
  return { deps, logs, clock };
}

const request = { cluster: clusterNamed('FargateCluster'), taskId: TASK_ID, durationMs: 60_000 };

describe('traceSince', () => {
  it('answers lines appended between polls once each, in order, reading from shortly before the last poll', async () => {
    // Prepare
    const { deps, logs, clock } = runningTask();
    logs.putLogEvents(GROUP, STREAM, [{ timestampMs: clock.now - 1_000, message: 'listening on :80' }]);
    const first = await traceSince(deps, { ...request, since: 'start' });
    const firstCursor = sinceCursorAfter(first, first.trace.lines.length);
    clock.now += 2_000;
    logs.putLogEvents(GROUP, STREAM, [
      { timestampMs: clock.now - 1_500, message: 'step 1' },
      { timestampMs: clock.now - 1_500, message: 'step 2' },
    ]);

    // Act
    const second = await traceSince(deps, { ...request, since: firstCursor });
    clock.now += 2_000;
    const third = await traceSince(deps, {
      ...request,
      since: sinceCursorAfter(second, second.trace.lines.length),
    });

    // Assess
    expect(first.trace.lines.map((l) => l.message)).toContain('listening on :80');
    expect(second.trace.lines.map((l) => l.message)).toEqual(['step 1', 'step 2']);
    expect(third.trace.lines).toEqual([]);
    expect(logs.requests.at(-1)?.startMs).toBe(clock.now - 2_000 - LATE_LOG_MS);
  });

  it('moves the cursor only past the lines that were sent, when an answer is cut', async () => {
    // Prepare
    const { deps, logs, clock } = runningTask();
    const first = await traceSince(deps, { ...request, since: 'start' });
    clock.now += 2_000;
    logs.putLogEvents(GROUP, STREAM, [
      { timestampMs: clock.now - 1_000, message: 'sent' },
      { timestampMs: clock.now - 500, message: 'cut off' },
    ]);
    const second = await traceSince(deps, {
      ...request,
      since: sinceCursorAfter(first, first.trace.lines.length),
    });

    // Act: only the first new line fitted the response
    const third = await traceSince(deps, { ...request, since: sinceCursorAfter(second, 1) });

    // Assess
    expect(second.trace.lines.map((l) => l.message)).toEqual(['sent', 'cut off']);
    expect(third.trace.lines.map((l) => l.message)).toEqual(['cut off']);
  });

  it('rejects a since that tracer did not issue', async () => {
    // Prepare
    const { deps } = runningTask();

    // Act / Assess
    await expect(traceSince(deps, { ...request, since: 'eyJub3QiOiJhIGN1cnNvciJ9' })).rejects.toThrow(
      InvalidSinceCursorError,
    );
  });
});
