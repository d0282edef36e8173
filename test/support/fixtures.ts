/**
 * Loads the real ECS event fixtures in test/fixtures/events. Every call returns a fresh deep copy, so a
 * test may change what it loaded (to derive a bad input from a good one) without touching other tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const EVENTS_DIR = fileURLToPath(new URL('../fixtures/events/', import.meta.url));
const cache = new Map<string, string>();

/** An EventBridge event as JSON gives it: an object whose fields a test may read and change. */
export type RawEvent = Record<string, unknown> & { detail: Record<string, unknown> };

/**
 * A deep copy of the fixture `test/fixtures/events/<name>.json` (the extension is optional).
 * @example const event = loadEvent('task-stopped-oom'); event.detail.version = 9;
 */
export function loadEvent(name: string): RawEvent {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(`${EVENTS_DIR}${file}`, 'utf8');
    cache.set(file, text);
  }
  return JSON.parse(text) as RawEvent;
}

/** The names (without `.json`) of the event fixtures whose name starts with `prefix`, sorted. */
export function eventFixtureNames(prefix = ''): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((file) => file.endsWith('.json') && file.startsWith(prefix))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/**
 * The task definition of the Fargate lifecycle fixtures (`lifecycle-fargate-*`), in DescribeTaskDefinition's
 * shape, as local mode's `POST /task-definitions` takes it.
 */
export const FARGATE_SAMPLE_TASK_DEFINITION = {
  taskDefinition: {
    taskDefinitionArn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1',
    family: 'sample-fargate',
    revision: 1,
    containerDefinitions: [
      {
        name: 'FargateApp',
        image: 'httpd:2.4',
        essential: true,
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/ecs/sample-fargate',
            'awslogs-region': 'us-west-2',
            'awslogs-stream-prefix': 'ecs',
          },
        },
      },
    ],
  },
};
