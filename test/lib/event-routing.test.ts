import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from './event-pattern.js';
import { synthTracer } from './support.js';

/** Real ECS events (AWS documentation samples and public fixtures). */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));
}

const TASK_RUNNING = fixture('task-state-change_fargate_running_awsdocs');
const TASK_STOPPED = fixture('task-state-change_fargate_stopped_fivexl-fixture');
const SERVICE_ACTION = fixture('service-action_service_steady_state_awsdocs');
const DEPLOYMENT = fixture('deployment-state-change_service_deployment_completed_awsdocs');
const CONTAINER_INSTANCE = fixture('container-instance-state-change_awsdocs');

/** The event patterns of the rules whose logical id starts with the prefix. */
function patterns(template: Template, prefix: string): unknown[] {
  return Object.entries(template.findResources('AWS::Events::Rule'))
    .filter(([id]) => id.startsWith(prefix))
    .map(([, rule]) => (rule as { Properties: { EventPattern: unknown } }).Properties.EventPattern);
}

const routed = (rules: unknown[], event: unknown) => rules.some((pattern) => matchesPattern(pattern, event));

describe('event routing for every cluster', () => {
  // GIVEN
  const { template } = synthTracer();
  const recorder = patterns(template, 'TracerRecorder');
  const notifier = patterns(template, 'TracerNotifier');

  it.each([
    ['a task state change', TASK_RUNNING],
    ['a stopped task', TASK_STOPPED],
    ['a service action', SERVICE_ACTION],
    ['a deployment state change', DEPLOYMENT],
  ])('records %s', (_, event) => {
    expect(routed(recorder, event)).toBe(true);
  });

  it('records container instance state changes', () => {
    expect(routed(recorder, CONTAINER_INSTANCE)).toBe(true);
  });

  it('hands only stopped tasks to the notifier', () => {
    expect(routed(notifier, TASK_STOPPED)).toBe(true);
    for (const event of [TASK_RUNNING, SERVICE_ACTION, DEPLOYMENT, CONTAINER_INSTANCE]) {
      expect(routed(notifier, event)).toBe(false);
    }
  });
});

describe('event routing with a cluster filter', () => {
  // GIVEN the clusters of the sample events, by ARN (the samples come from several regions)
  const watched = synthTracer({
    clusters: [
      'arn:aws:ecs:us-west-2:111122223333:cluster/default',
      'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster',
      'arn:aws:ecs:eu-central-1:111111111111:cluster/test',
    ],
  }).template;
  const other = synthTracer({ clusters: ['arn:aws:ecs:us-west-2:111122223333:cluster/other'] }).template;

  it.each([
    ['a task state change', TASK_RUNNING],
    ['a stopped task', TASK_STOPPED],
    ['a service action', SERVICE_ACTION],
    ['a deployment state change, by its service ARN', DEPLOYMENT],
  ])('records %s of a watched cluster', (_, event) => {
    expect(routed(patterns(watched, 'TracerRecorder'), event)).toBe(true);
  });

  it.each([
    ['a task state change', TASK_RUNNING],
    ['a stopped task', TASK_STOPPED],
    ['a service action', SERVICE_ACTION],
    ['a deployment state change', DEPLOYMENT],
  ])('ignores %s of another cluster', (_, event) => {
    expect(routed(patterns(other, 'TracerRecorder'), event)).toBe(false);
  });

  it('notifies only stopped tasks of a watched cluster', () => {
    expect(routed(patterns(watched, 'TracerNotifier'), TASK_STOPPED)).toBe(true);
    expect(routed(patterns(other, 'TracerNotifier'), TASK_STOPPED)).toBe(false);
  });

  it('rejects an event pattern operator the matcher does not know, instead of passing silently', () => {
    expect(() => matchesPattern({ source: [{ 'anything-but': 'x' }] }, { source: 'y' })).toThrow(
      'unsupported pattern operator',
    );
  });
});
