/**
 * Where `tracer import` reads history from: a file of events, a CloudWatch Logs group that an EventBridge
 * rule fills with ECS events, or the tasks that ECS still remembers.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type {
  ArchiveReadRequest,
  CloudWatchEventArchive,
} from '../adapters/cloudwatch-logs/cloudwatch-event-archive.js';
import type { TaskSummary } from '../core/model.js';
import {
  type HistoryRecord,
  type HistorySource,
  parseEventDocument,
  parseEventLine,
  taskStateChangeEvent,
} from '../use-cases/import-history.js';

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function* lines(stream: Readable): AsyncGenerator<string> {
  const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of reader) yield line;
  } finally {
    reader.close();
    stream.destroy();
  }
}

async function firstNonBlankLine(path: string): Promise<string | undefined> {
  for await (const line of lines(createReadStream(path, 'utf8'))) {
    if (line.trim() !== '') return line;
  }
  return undefined;
}

/**
 * The events of a file: JSON Lines (read line by line, so the file may be larger than memory), a JSON
 * array, one event, or the JSON output of `aws logs filter-log-events`.
 * @example for await (const record of fileHistorySource('events.jsonl').records()) { ... }
 */
export function fileHistorySource(path: string): HistorySource {
  return {
    description: `file ${path}`,
    async *records() {
      const first = await firstNonBlankLine(path);
      if (first === undefined) return;
      // A first line that is JSON on its own starts JSON Lines; a pretty-printed document does not.
      if (!parsesAsJson(first)) {
        yield* parseEventDocument(await readFile(path, 'utf8'));
        return;
      }
      let lineNumber = 0;
      for await (const line of lines(createReadStream(path, 'utf8'))) {
        lineNumber += 1;
        yield* parseEventLine(line, lineNumber);
      }
    },
  };
}

/**
 * The events of a stream that is read once, such as standard input: the whole text, in any of the forms
 * that `fileHistorySource` reads.
 */
export function streamHistorySource(
  description: string,
  input: AsyncIterable<string | Buffer>,
): HistorySource {
  return {
    description,
    async *records() {
      const chunks: Buffer[] = [];
      for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      yield* parseEventDocument(Buffer.concat(chunks).toString('utf8'));
    },
  };
}

/**
 * The events archived in a CloudWatch Logs group, oldest first within each page as FilterLogEvents
 * returns them. Each log event's message is one EventBridge event.
 * @example logGroupHistorySource(archive, { logGroupName: '/aws/events/ecs', sinceMs })
 */
export function logGroupHistorySource(
  archive: Pick<CloudWatchEventArchive, 'readEvents'>,
  request: ArchiveReadRequest,
): HistorySource {
  return {
    description: `log group ${request.logGroupName}`,
    async *records(): AsyncGenerator<HistoryRecord> {
      for await (const logEvent of archive.readEvents(request)) {
        const position = `log event ${logEvent.eventId} in stream ${logEvent.logStreamName}`;
        try {
          yield { kind: 'event', position, event: JSON.parse(logEvent.message) };
        } catch (error) {
          yield {
            kind: 'malformed',
            position,
            reason: `its message is not JSON (${error instanceof Error ? error.message : String(error)})`,
          };
        }
      }
    },
  };
}

/** What ECS still knows of a cluster's tasks: EcsLiveCatalog answers it with ListTasks and DescribeTasks. */
export interface TaskCatalog {
  listTasks(clusterName: string): Promise<TaskSummary[]>;
}

/**
 * The tasks that ECS still remembers (running and pending ones, and those stopped within about an hour),
 * each as the Task State Change event of its current version, oldest task first.
 * @example ecsHistorySource(new EcsLiveCatalog({ client, maxTasks: 100_000 }), 'prod')
 */
export function ecsHistorySource(catalog: TaskCatalog, clusterName: string): HistorySource {
  return {
    description: `ECS cluster ${clusterName}`,
    async *records(): AsyncGenerator<HistoryRecord> {
      const tasks = await catalog.listTasks(clusterName);
      for (const task of [...tasks].reverse()) {
        yield { kind: 'event', position: `task ${task.taskId}`, event: taskStateChangeEvent(task) };
      }
    },
  };
}
