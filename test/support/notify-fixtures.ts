import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import type { TaskSummary } from '../../lambda/core/model.js';

const EVENTS_DIR = fileURLToPath(new URL('../fixtures/events/', import.meta.url));

/** A fixture event as raw JSON, freshly parsed so that a test may change it. */
export function loadEventJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${EVENTS_DIR}${name}`, 'utf8')) as Record<string, unknown>;
}

/** A fixture event parsed the way the recorder parses it, as the task summary it produces. */
export function loadSummary(name: string): TaskSummary {
  const event = parseEcsEvent(loadEventJson(name));
  if (event.type !== 'task-state-change') throw new Error(`${name} is not a task state change`);
  return event.transition;
}
