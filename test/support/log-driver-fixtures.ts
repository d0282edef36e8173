/**
 * Tasks whose logs are not plain awslogs streams with a prefix, with everything tracer would have recorded
 * about them: their EventBridge events, their task definition as `aws ecs describe-task-definition` prints
 * it, and the CloudWatch Logs streams of their log group (neighbour tasks' streams included).
 *
 * - a Fargate service task on FireLens (derived from the fivexl Fargate event): a Fluent Bit router on
 *   awslogs, `app` on the `cloudwatch_logs` output (JSON records; a neighbour task writes to the same group)
 *   and `audit` on Datadog, with the API key in its options as the AWS documentation's example has it;
 * - an EC2 service task on awslogs without a stream prefix (the aws-samples event, task 33a7f272...), whose
 *   stream is named after the Docker container id that the event calls `runtimeId`;
 * - the same EC2 service task moved off its host: once by a drain (`hostDrained`: container instance
 *   events out of order and duplicated, the DRAINING one just before the scheduler stopped the task), once
 *   by a Spot interruption (`hostSpot`: a rebalance recommendation, the Spot warning, the Spot drain and
 *   the agent's disconnection after the stop).
 *
 * Golden traces are in test/fixtures/expected/log-driver-<name>.golden.txt, in UTC.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TaskDefinitionInfo } from '../../lambda/core/model.js';
import { parseTaskDefinitions } from '../../lambda/local/task-definition-intake.js';
import type { ReferenceLogStream } from './reference-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface LogDriverFixture {
  readonly name: string;
  readonly clusterName: string;
  readonly taskId: string;
  /** EventBridge events in version order, freshly parsed. */
  readonly events: unknown[];
  /** DescribeTaskDefinition's answer, freshly parsed. */
  readonly describeTaskDefinition: { readonly taskDefinition: Record<string, unknown> };
  readonly taskDefinitions: readonly TaskDefinitionInfo[];
  readonly logGroups: readonly string[];
  readonly streams: readonly ReferenceLogStream[];
  readonly goldenPath: string;
  /** A week after the task stopped. */
  readonly nowMs: number;
}

interface Source {
  readonly clusterName: string;
  readonly taskId: string;
  readonly events: string;
  readonly taskDefinition: string;
  readonly logs: string;
  readonly golden: string;
}

const SOURCES = {
  fireLens: {
    clusterName: 'test',
    taskId: 'c1d3e8a2f6b74a0e9d2c5b8a7f4e1d36',
    events: 'events/firelens-c1d3e8a2f6b74a0e9d2c5b8a7f4e1d36.json',
    taskDefinition: 'ecs/firelens-task-definition.json',
    logs: 'logs/firelens-c1d3e8a2f6b74a0e9d2c5b8a7f4e1d36.json',
    golden: 'log-driver-firelens',
  },
  ec2WithoutPrefix: {
    clusterName: 'Features',
    taskId: '33a7f27282624543abd4a00c3e84d0ee',
    events: 'events/task-state-change_ec2_stopped-userinitiated_aws-samples-stopped-tasks-cwlogs.json',
    taskDefinition: 'ecs/ec2-webapp-task-definition.json',
    logs: 'logs/ec2-webapp-33a7f27282624543abd4a00c3e84d0ee.json',
    golden: 'log-driver-ec2-without-prefix',
  },
  hostDrained: {
    clusterName: 'Features',
    taskId: '33a7f27282624543abd4a00c3e84d0ee',
    events: 'events/host-drained-33a7f27282624543abd4a00c3e84d0ee.json',
    taskDefinition: 'ecs/ec2-webapp-task-definition.json',
    logs: 'logs/ec2-webapp-33a7f27282624543abd4a00c3e84d0ee.json',
    golden: 'host-drained',
  },
  hostSpot: {
    clusterName: 'Features',
    taskId: '33a7f27282624543abd4a00c3e84d0ee',
    events: 'events/host-spot-33a7f27282624543abd4a00c3e84d0ee.json',
    taskDefinition: 'ecs/ec2-webapp-task-definition.json',
    logs: 'logs/ec2-webapp-33a7f27282624543abd4a00c3e84d0ee.json',
    golden: 'host-spot-interruption',
  },
} as const satisfies Record<string, Source>;

export type LogDriverFixtureName = keyof typeof SOURCES;

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(`${FIXTURES}${path}`, 'utf8')) as T;
}

/**
 * Loads one of the log driver tasks.
 * @example const fixture = loadLogDriverFixture('fireLens');
 */
export function loadLogDriverFixture(name: LogDriverFixtureName): LogDriverFixture {
  const source: Source = SOURCES[name];
  const raw = readJson<unknown>(source.events);
  const events = Array.isArray(raw) ? raw : [raw];
  const stoppedAt = events
    .map((e) => (e as { detail: { stoppedAt?: string } }).detail.stoppedAt)
    .filter((s): s is string => s !== undefined)
    .at(-1);
  const describeTaskDefinition = readJson<{ taskDefinition: Record<string, unknown> }>(source.taskDefinition);
  const logs = readJson<{ logGroups: string[]; streams: ReferenceLogStream[] }>(source.logs);
  return {
    name,
    clusterName: source.clusterName,
    taskId: source.taskId,
    events,
    describeTaskDefinition,
    taskDefinitions: parseTaskDefinitions(describeTaskDefinition, '2024-01-01T00:00:00.000Z'),
    logGroups: logs.logGroups,
    streams: logs.streams,
    goldenPath: `${FIXTURES}expected/${source.golden}.golden.txt`,
    nowMs: Date.parse(stoppedAt ?? '2024-01-01T00:00:00.000Z') + 7 * 86_400_000,
  };
}
