/**
 * The three tasks of the reference examples (../shared/reference/tracer-examples.md) with everything
 * that would have been recorded about them: their EventBridge events, their container log events, their
 * task definitions' log configuration and their service's events.
 *
 * - test/fixtures/events/reference-<taskId>.json: the ECS Task State Change events, in version order;
 * - test/fixtures/logs/reference-<taskId>.json: `{ logGroups, streams: [{ logGroup, logStream,
 *   containerName, events: [{ timestamp, message }] }] }`, with lines outside the default windows too;
 * - test/fixtures/ecs/reference-task-definitions.json: TaskDefinitionInfo records;
 * - test/fixtures/ecs/reference-<taskId>-service-events.json: DescribeServices events (service tasks);
 * - test/fixtures/expected/reference-<taskId>.txt: the example's lines, with real tabs;
 * - test/fixtures/expected/reference-<taskId>.golden.txt: tracer's whole trace in Asia/Tokyo.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServiceEvent, TaskDefinitionInfo } from '../../lambda/core/model.js';
import { InMemoryLogSource } from '../fakes/trace-ports.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export const REFERENCE_TASK_IDS = {
  /** Ran and was stopped by a user. */
  userStopped: '84b5991528504856a2f003b7da9b2b82',
  /** Failed to start: a typo in the image name. */
  failedPull: '9f654c76cde14c7c85cf54dce087658a',
  /** A service task replaced during a deployment. */
  serviceReplaced: '834a5628bef14f2dbb81c7bc0b272160',
} as const;

export const REFERENCE_CLUSTER = 'default';
export const REFERENCE_TIME_ZONE = 'Asia/Tokyo';

export interface ReferenceLogStream {
  readonly logGroup: string;
  readonly logStream: string;
  readonly containerName: string;
  readonly events: ReadonlyArray<{ readonly timestamp: number; readonly message: string }>;
}

export interface ReferenceFixture {
  readonly taskId: string;
  readonly clusterName: string;
  /** EventBridge events, freshly parsed, so a test may change them. */
  readonly events: unknown[];
  /** Log groups that exist, whether or not the task has a stream in them. */
  readonly logGroups: readonly string[];
  readonly streams: readonly ReferenceLogStream[];
  readonly taskDefinitions: readonly TaskDefinitionInfo[];
  /** DescribeServices events of the task's service, in and outside the task's windows. */
  readonly serviceEvents: readonly ServiceEvent[];
  /** The example's text, tab-separated, ending in a newline. */
  readonly exampleText: string;
  readonly goldenPath: string;
  /** Five weeks after the task stopped: long after ECS forgot it. */
  readonly nowMs: number;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(`${FIXTURES}${path}`, 'utf8')) as T;
}

/**
 * Loads one reference task.
 * @example const fixture = loadReference(REFERENCE_TASK_IDS.failedPull);
 */
export function loadReference(taskId: string): ReferenceFixture {
  const events = readJson<Array<{ detail: { stoppedAt?: string } }>>(`events/reference-${taskId}.json`);
  const logs = readJson<{ logGroups: string[]; streams: ReferenceLogStream[] }>(
    `logs/reference-${taskId}.json`,
  );
  const servicePath = `ecs/reference-${taskId}-service-events.json`;
  const stoppedAt = events
    .map((e) => e.detail.stoppedAt)
    .filter((s): s is string => s !== undefined)
    .at(-1);
  return {
    taskId,
    clusterName: REFERENCE_CLUSTER,
    events,
    logGroups: logs.logGroups,
    streams: logs.streams,
    taskDefinitions: readJson<TaskDefinitionInfo[]>('ecs/reference-task-definitions.json'),
    serviceEvents: existsSync(`${FIXTURES}${servicePath}`) ? readJson<ServiceEvent[]>(servicePath) : [],
    exampleText: readFileSync(`${FIXTURES}expected/reference-${taskId}.txt`, 'utf8'),
    goldenPath: `${FIXTURES}expected/reference-${taskId}.golden.txt`,
    nowMs: Date.parse(stoppedAt ?? '2022-01-01T00:00:00.000Z') + 35 * 86_400_000,
  };
}

/** Every reference task. */
export function loadReferences(): ReferenceFixture[] {
  return Object.values(REFERENCE_TASK_IDS).map(loadReference);
}

/**
 * True when `expected` lines appear in `actual` in the same order, possibly with other lines between.
 * Returns the first expected line that could not be found, for a readable failure.
 */
export function missingFromSubsequence(
  actual: readonly string[],
  expected: readonly string[],
): string | undefined {
  let at = 0;
  for (const line of expected) {
    while (at < actual.length && actual[at] !== line) at += 1;
    if (at === actual.length) return line;
    at += 1;
  }
  return undefined;
}

/**
 * CloudWatch Logs holding the log groups and streams of reference tasks, read `pageSize` events a call.
 * @example const logs = referenceLogSource([loadReference(REFERENCE_TASK_IDS.userStopped)]);
 */
export function referenceLogSource(
  fixtures: readonly ReferenceFixture[],
  pageSize?: number,
): InMemoryLogSource {
  const logs = new InMemoryLogSource(pageSize);
  for (const fixture of fixtures) {
    for (const group of fixture.logGroups) logs.createLogGroup(group);
    for (const stream of fixture.streams) {
      logs.putLogEvents(
        stream.logGroup,
        stream.logStream,
        stream.events.map((e) => ({ timestampMs: e.timestamp, message: e.message })),
      );
    }
  }
  return logs;
}
