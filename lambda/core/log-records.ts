/**
 * Reading FireLens records: Fluent Bit's CloudWatch outputs write each record as one JSON event, the
 * container's line in `log` and ECS metadata next to it (`source`, `container_id`, `container_name`,
 * `ecs_cluster`, `ecs_task_arn`, `ecs_task_definition`). Log sources apply this while they page, so that
 * a page holds only the lines of the task asked for.
 */

/** How the events of a stream are read when they are FireLens records. */
export interface LogRecordFilter {
  /** JSON records with the line in `log`. */
  readonly format: 'firelens-json';
  /** Records that name another task in `ecs_task_arn` are left out. */
  readonly taskArn: string;
  /**
   * Other tasks write to the same stream (a fixed stream name): a record must name this task in
   * `ecs_task_arn` to be kept.
   */
  readonly shared: boolean;
  /** Several containers of the task write to the same stream: records of another `container_id` are left out. */
  readonly containerId?: string;
}

/** One log event as the trace takes it: the line, and the record's other fields when it was a record. */
export interface RecordEvent {
  readonly timestampMs: number;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

function parseRecord(message: string): Record<string, unknown> | undefined {
  // Fluent Bit's records are JSON objects; anything else (a plain line, a cut record) is not one.
  if (message.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    const value: unknown = JSON.parse(message);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The event as the trace shows it, or undefined when it belongs to another task or container. Without a
 * filter the event is kept as it is. A record shows its `log` field as the message and keeps the other
 * fields; a record without a string `log` is shown whole.
 * @example toRecordEvent(0, '{"log":"hi","ecs_task_arn":"arn:…/t1"}', { format: 'firelens-json', taskArn: 'arn:…/t1', shared: false }) // { timestampMs: 0, message: 'hi', fields: { ecs_task_arn: 'arn:…/t1' } }
 */
export function toRecordEvent(
  timestampMs: number,
  message: string,
  filter: LogRecordFilter | undefined,
): RecordEvent | undefined {
  if (!filter) return { timestampMs, message };
  const record = parseRecord(message);
  if (!record) return filter.shared ? undefined : { timestampMs, message };
  const taskArn = record.ecs_task_arn;
  if (typeof taskArn === 'string' ? taskArn !== filter.taskArn : filter.shared) return undefined;
  const containerId = record.container_id;
  if (filter.containerId && typeof containerId === 'string' && containerId !== filter.containerId) {
    return undefined;
  }
  const line = record.log;
  if (typeof line !== 'string') return { timestampMs, message };
  const fields: Record<string, unknown> = {};
  let count = 0;
  for (const key of Object.keys(record)) {
    if (key === 'log') continue;
    fields[key] = record[key];
    count += 1;
  }
  return count > 0 ? { timestampMs, message: line, fields } : { timestampMs, message: line };
}
