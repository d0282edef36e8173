/**
 * The sample incidents that local mode starts with: the three tasks of the reference examples (a task
 * stopped by a user, an image that could not be pulled, a service task replaced during a deployment), with
 * their ECS events, their task definitions, their service's events and their containers' log lines.
 * They live in samples/ at the top of the repository.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ClusterId } from '../core/cluster-id.js';
import type { ServiceEvent, TaskDefinitionInfo } from '../core/model.js';
import { parseEventDocument } from '../use-cases/import-history.js';
import type { ServiceEventSource, TaskDefinitionSource } from '../use-cases/ports.js';
import { parseLogBatches } from './local-log-intake.js';
import type { LocalLogBatch } from './local-log-store.js';
import { parseTaskDefinitions } from './task-definition-intake.js';

/** Where the samples are shipped. */
export const DEFAULT_SAMPLES_DIR = fileURLToPath(new URL('../../samples/', import.meta.url));

/** The task the banner shows: the failed image pull. */
export const SAMPLE_CLUSTER = 'default';
/** The account and region of the sample events, with the sample cluster. */
export const SAMPLE_CLUSTER_ID: ClusterId = {
  account: '123456789012',
  region: 'ap-northeast-1',
  name: SAMPLE_CLUSTER,
};
export const SAMPLE_TASK_ID = '9f654c76cde14c7c85cf54dce087658a';

export interface Samples {
  /** EventBridge events, in the order ECS sent them. */
  readonly events: readonly unknown[];
  readonly logs: readonly LocalLogBatch[];
  readonly taskDefinitions: readonly TaskDefinitionInfo[];
  readonly serviceEvents: readonly ServiceEvent[];
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

/**
 * Reads the samples: `events.jsonl`, `logs.json` (a `POST /logs` body, checked as of `nowMs`),
 * `task-definitions.json` (`aws ecs describe-task-definition` output) and `service-events.json`.
 * @example const samples = await loadSamples(DEFAULT_SAMPLES_DIR, Date.now());
 */
export async function loadSamples(dir: string, nowMs: number): Promise<Samples> {
  const folder = dir.endsWith('/') ? dir : `${dir}/`;
  const records = parseEventDocument(await readFile(`${folder}events.jsonl`, 'utf8'));
  const events = records.flatMap((record) => (record.kind === 'event' ? [record.event] : []));
  const taskDefinitions = parseTaskDefinitions(
    await readJson(`${folder}task-definitions.json`),
    // When the samples were described: before the first sample task was created.
    '2021-11-26T16:49:42.000Z',
  );
  return {
    events,
    logs: parseLogBatches(await readJson(`${folder}logs.json`), nowMs),
    taskDefinitions,
    serviceEvents: (await readJson(`${folder}service-events.json`)) as ServiceEvent[],
  };
}

/** DescribeTaskDefinition as it answered for the samples' revisions. */
export class SampleTaskDefinitionSource implements TaskDefinitionSource {
  constructor(private readonly samples: Samples) {}

  async describeTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo> {
    return (
      this.samples.taskDefinitions.find((info) => info.taskDefinitionArn === taskDefinitionArn) ?? {
        status: 'unavailable',
        taskDefinitionArn,
        reason: 'not one of the samples',
        describedAt: '2021-11-26T16:49:42.000Z',
      }
    );
  }
}

/** DescribeServices as it answered for the samples' service when its task stopped. */
export class SampleServiceEventSource implements ServiceEventSource {
  constructor(private readonly samples: Samples) {}

  async recentServiceEvents(clusterName: string, serviceName: string): Promise<ServiceEvent[] | undefined> {
    const events = this.samples.serviceEvents.filter(
      (e) => e.clusterName === clusterName && e.serviceName === serviceName,
    );
    return events.length > 0 ? events : undefined;
  }
}
