/**
 * Import existing history: backfill tracer with ECS events that happened before it was deployed.
 *
 * Primary course:
 * 1. Read records from the source, in its order: a CloudWatch Logs group that an EventBridge rule fills
 *    with ECS events, a file of events, or the tasks that ECS still remembers.
 * 2. Set aside what cannot be an event (a line that is not JSON), with its position and the reason.
 * 3. Hand the events to the sink in batches. The sink runs the recorder's own code, so an imported event
 *    is stored exactly as if EventBridge had delivered it: the same version of a task is the same event.
 * 4. Count what was new, what was already recorded, and what was rejected and why; report progress after
 *    each batch and the totals at the end.
 *
 * Alternative courses:
 * - An event the recorder rejects (not an ECS event, a detail type tracer does not record, a bad field)
 *   is skipped with the recorder's reason; the import goes on.
 * - The sink fails (the table or the local server is unreachable, throttling outlasted the retries):
 *   `ImportFailedError` carries the counts so far. Running the import again is safe, because every write
 *   is idempotent.
 */
import { TASK_STATE_CHANGE } from '../core/ecs-event.js';
import { TracerError } from '../core/errors.js';
import { LIFECYCLE_TIMESTAMPS, type TaskSummary } from '../core/model.js';

/** One record read from a source: an event to record, or something that could not be read as one. */
export type HistoryRecord =
  | { readonly kind: 'event'; readonly position: string; readonly event: unknown }
  | { readonly kind: 'malformed'; readonly position: string; readonly reason: string };

/** Where history comes from. `records()` is read once, front to back. */
export interface HistorySource {
  /** What is read, for progress and the report: `log group /ecs/events`, `file events.jsonl`. */
  readonly description: string;
  records(): AsyncIterable<HistoryRecord>;
}

/** What recording one event did. */
export type EventOutcome =
  | {
      readonly status: 'stored' | 'duplicate';
      readonly type: 'task-state-change' | 'service-event' | 'host-event';
    }
  | { readonly status: 'rejected'; readonly reason: string };

/** Where events go: the recorder over the table, or a local server's `POST /events`. */
export interface EventSink {
  /**
   * Records a batch and answers one outcome per event, in order.
   * @throws when the target failed; none of the batch may be assumed recorded, and all of it may be sent again.
   */
  record(events: readonly unknown[]): Promise<EventOutcome[]>;
}

export interface ImportCounts {
  /** Records read from the source. */
  readonly read: number;
  /** Task transitions that tracer did not have. */
  readonly imported: number;
  /** Task transitions that tracer already had (same task, same version). */
  readonly duplicates: number;
  /** Service events written; they are keyed by their id, so writing one again changes nothing. */
  readonly serviceEvents: number;
  /**
   * Container instance state changes and EC2 Spot and rebalance notices written; each is kept under its
   * identity, so writing one again changes nothing.
   */
  readonly hostEvents: number;
  /** Records that are not events tracer records, each with its reason. */
  readonly skipped: number;
}

export interface SkippedRecord {
  readonly position: string;
  readonly reason: string;
}

export interface ImportReport extends ImportCounts {
  /** The source's description. */
  readonly source: string;
  /**
   * Events whose time lies before `retentionCutoffMs`: the target keeps them, but they expire at once.
   * Present when the option was given.
   */
  readonly olderThanRetention?: number;
  /** The first skipped records, in the order they were read (at most `maxReportedSkips`). */
  readonly skippedRecords: readonly SkippedRecord[];
}

export interface ImportHistoryOptions {
  /** Events per sink call. @default DEFAULT_IMPORT_BATCH_SIZE */
  readonly batchSize?: number;
  /** How many skipped records the report lists; all are counted. @default DEFAULT_MAX_REPORTED_SKIPS */
  readonly maxReportedSkips?: number;
  /** Called after each batch with the counts so far. */
  readonly onProgress?: (counts: ImportCounts) => void;
  /** The target's retention starts here (epoch ms): older events are counted in `olderThanRetention`. */
  readonly retentionCutoffMs?: number;
}

export const DEFAULT_IMPORT_BATCH_SIZE = 100;
export const DEFAULT_MAX_REPORTED_SKIPS = 100;

/** The import stopped because its target failed. The report holds what was done before; running again is safe. */
export class ImportFailedError extends TracerError {
  constructor(
    message: string,
    readonly report: ImportReport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Imports every record of the source into the sink.
 * @throws ImportFailedError when the sink fails; its `report` says how far the import got.
 * @example const report = await importHistory({ source, sink }, { onProgress: (c) => draw(c) });
 */
export async function importHistory(
  deps: { readonly source: HistorySource; readonly sink: EventSink },
  options: ImportHistoryOptions = {},
): Promise<ImportReport> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE);
  const maxReportedSkips = Math.max(0, options.maxReportedSkips ?? DEFAULT_MAX_REPORTED_SKIPS);
  const counts = { read: 0, imported: 0, duplicates: 0, serviceEvents: 0, hostEvents: 0, skipped: 0 };
  const skippedRecords: SkippedRecord[] = [];
  const skip = (position: string, reason: string) => {
    counts.skipped += 1;
    if (skippedRecords.length < maxReportedSkips) skippedRecords.push({ position, reason });
  };
  let olderThanRetention = 0;
  const cutoffMs = options.retentionCutoffMs;
  const report = (): ImportReport => ({
    source: deps.source.description,
    ...counts,
    skippedRecords,
    ...(cutoffMs === undefined ? {} : { olderThanRetention }),
  });

  let batch: { position: string; event: unknown; beforeCutoff: boolean }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const sent = batch;
    batch = [];
    let outcomes: EventOutcome[];
    try {
      outcomes = await deps.sink.record(sent.map((r) => r.event));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ImportFailedError(
        `the import stopped at ${sent[0]?.position ?? 'the first event'}: ${reason}; running it again is safe`,
        report(),
        { cause: error },
      );
    }
    if (outcomes.length !== sent.length) {
      throw new ImportFailedError(
        `the target answered ${outcomes.length} outcomes for ${sent.length} events`,
        report(),
      );
    }
    sent.forEach((record, index) => {
      const outcome = outcomes[index] as EventOutcome;
      if (outcome.status === 'rejected') {
        skip(record.position, outcome.reason);
        return;
      }
      if (record.beforeCutoff) olderThanRetention += 1;
      if (outcome.type === 'service-event') counts.serviceEvents += 1;
      else if (outcome.type === 'host-event') counts.hostEvents += 1;
      else if (outcome.status === 'stored') counts.imported += 1;
      else counts.duplicates += 1;
    });
    options.onProgress?.({ ...counts });
  };

  for await (const record of deps.source.records()) {
    counts.read += 1;
    if (record.kind === 'malformed') {
      skip(record.position, record.reason);
      continue;
    }
    const beforeCutoff = cutoffMs !== undefined && eventTimeMs(record.event) < cutoffMs;
    batch.push({ position: record.position, event: record.event, beforeCutoff });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  options.onProgress?.({ ...counts });
  return report();
}

/** The EventBridge `time` of an event, or +Infinity when it has none to read. */
function eventTimeMs(event: unknown): number {
  const time = isObject(event) && typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJsonError(error: unknown): string {
  return `not JSON (${error instanceof Error ? error.message : String(error)})`;
}

function at(prefix: string | undefined, position: string): string {
  return prefix ? `${prefix}, ${position}` : position;
}

/**
 * The records in one parsed JSON value: an EventBridge event; an array of events; a CloudWatch Logs
 * event whose `message` is an event (as an EventBridge-to-CloudWatch-Logs rule writes it); or the output
 * of `aws logs filter-log-events`, whose `events[].message` are events.
 * @example recordsFromJson({ events: [{ message: '{"id":"1"}' }] }, 'line 1')[0]?.position === 'line 1, log event 1'
 */
export function recordsFromJson(value: unknown, prefix?: string): HistoryRecord[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => recordsFromJson(item, at(prefix, `item ${index + 1}`)));
  }
  if (isObject(value) && !('detail-type' in value)) {
    if (Array.isArray(value.events)) {
      return value.events.map((logEvent, index) =>
        recordFromLogEvent(logEvent, at(prefix, `log event ${index + 1}`)),
      );
    }
    if (typeof value.message === 'string') return [recordFromLogEvent(value, prefix ?? 'document')];
  }
  return [{ kind: 'event', position: prefix ?? 'document', event: value }];
}

function recordFromLogEvent(logEvent: unknown, position: string): HistoryRecord {
  if (!isObject(logEvent) || typeof logEvent.message !== 'string') {
    return { kind: 'malformed', position, reason: 'a CloudWatch Logs event without a message' };
  }
  try {
    return { kind: 'event', position, event: JSON.parse(logEvent.message) };
  } catch (error) {
    return { kind: 'malformed', position, reason: `its message is ${describeJsonError(error)}` };
  }
}

/**
 * The records of one line of JSON Lines (1-based `lineNumber`); a blank line has none.
 * @example parseEventLine('{oops', 3)[0] // { kind: 'malformed', position: 'line 3', reason: 'not JSON (...)' }
 */
export function parseEventLine(line: string, lineNumber: number): HistoryRecord[] {
  const text = line.trim();
  if (text === '') return [];
  const position = `line ${lineNumber}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return [{ kind: 'malformed', position, reason: describeJsonError(error) }];
  }
  return recordsFromJson(value, position);
}

/**
 * The records of a document of events: one JSON event, a JSON array of events, JSON Lines, or the JSON
 * output of `aws logs filter-log-events`. A line that is not JSON is one malformed record; the others
 * are still read.
 * @example parseEventDocument('{"id":"a"}\n{"id":"b"}').length === 2
 */
export function parseEventDocument(text: string): HistoryRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const lines = text.split(/\r?\n/);
  const filled = lines.flatMap((line, index) => (line.trim() === '' ? [] : [index]));
  if (filled.length === 1) {
    const lineNumber = (filled[0] as number) + 1;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      return [{ kind: 'malformed', position: `line ${lineNumber}`, reason: describeJsonError(error) }];
    }
    // A one-line array or filter-log-events output is a document: its items need no line number.
    const isDocument = Array.isArray(value) || (isObject(value) && Array.isArray(value.events));
    return recordsFromJson(value, isDocument ? undefined : `line ${lineNumber}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    // A pretty-printed array that is broken cannot be read line by line either.
    if (trimmed.startsWith('['))
      return [{ kind: 'malformed', position: 'document', reason: describeJsonError(error) }];
    return lines.flatMap((line, index) => parseEventLine(line, index + 1));
  }
  return recordsFromJson(value);
}

/** Identifies a synthetic event: the same task and version always get the same id. */
export function syntheticEventId(taskId: string, version: number): string {
  return `tracer-import-${taskId}-v${version}`;
}

/**
 * The `ECS Task State Change` event that ECS would have sent for the task's current state, as DescribeTasks
 * reports it: the real version and timestamps, so that it is a duplicate of the real event of that version.
 * @example taskStateChangeEvent(summary).detail.version === summary.version
 */
export function taskStateChangeEvent(task: TaskSummary): {
  readonly id: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
} & Record<string, unknown> {
  const timestamps = Object.fromEntries(
    LIFECYCLE_TIMESTAMPS.flatMap((field) => (task[field] === undefined ? [] : [[field, task[field]]])),
  );
  const detail: Record<string, unknown> = {
    clusterArn: task.clusterArn,
    taskArn: task.taskArn,
    version: task.version,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    group: task.group,
    launchType: task.launchType,
    taskDefinitionArn: task.taskDefinitionArn,
    capacityProviderName: task.capacityProviderName,
    availabilityZone: task.availabilityZone,
    cpu: task.cpu,
    memory: task.memory,
    platformVersion: task.platformVersion,
    startedBy: task.startedBy,
    containerInstanceArn: task.containerInstanceArn,
    ...timestamps,
    containers: task.containers.map((c) => ({ ...c })),
  };
  return {
    version: '0',
    id: syntheticEventId(task.taskId, task.version),
    'detail-type': TASK_STATE_CHANGE,
    source: 'aws.ecs',
    account: task.account,
    time: task.eventTime,
    region: task.region,
    resources: [task.taskArn],
    detail: Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined)),
  };
}
