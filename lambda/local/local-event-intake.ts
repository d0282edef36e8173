/**
 * `POST /events` of the local server: EventBridge events (one JSON object, an array, or JSON Lines) go to
 * the recorder Lambda's handler, invoked directly as EventBridge invokes it, one event at a time, and the
 * answer says for each event what was stored and what was rejected and why.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import type { Logger } from '../config/logger.js';
import { mapWithConcurrency } from '../core/concurrency.js';
import { parseEcsEvent } from '../core/ecs-event.js';
import { InvalidTaskEventError } from '../core/errors.js';
import type { RecorderHandler } from '../handlers/recorder.js';
import { type HistoryRecord, parseEventDocument } from '../use-cases/import-history.js';
import type { RecordEventResult } from '../use-cases/record-event.js';

/** Events recorded at once: the recorder Lambda's own concurrency within a batch. */
export const INTAKE_CONCURRENCY = 8;

/** What happened to one posted event. */
export interface PostedEventResult {
  /** 0-based order in the body. */
  readonly index: number;
  /** `line 3`, `item 2`, `document`. */
  readonly position: string;
  /** `failed`: tracer could not store it this time; sending it again is safe. */
  readonly status: 'stored' | 'duplicate' | 'rejected' | 'failed';
  readonly type?: RecordEventResult['type'];
  readonly eventId?: string;
  readonly clusterName?: string;
  readonly taskId?: string;
  readonly version?: number;
  readonly lastStatus?: string;
  readonly serviceName?: string;
  readonly containerInstanceId?: string;
  readonly ec2InstanceId?: string;
  readonly reason?: string;
}

/** The answer of `POST /events`. */
export interface PostedEventsAnswer {
  readonly received: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly failed: number;
  readonly results: readonly PostedEventResult[];
}

export interface EventIntakeDeps {
  readonly recorder: RecorderHandler;
  readonly logger: Logger;
  /** @default INTAKE_CONCURRENCY */
  readonly concurrency?: number;
}

/** True for an object that names its detail-type, which is what the recorder can be invoked with. */
export function isEventBridgeShaped(value: unknown): value is EventBridgeEvent<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'detail-type' in value;
}

/** Why a value is not an EventBridge event, in the words of the recorder's parser. */
export function rejectionOf(value: unknown): string {
  try {
    parseEcsEvent(value);
  } catch (error) {
    if (error instanceof InvalidTaskEventError) return error.reason;
  }
  return 'not an EventBridge event: expected an object with detail-type, source and detail';
}

function describe(result: RecordEventResult): Omit<PostedEventResult, 'index' | 'position' | 'status'> {
  if (result.type === 'container-instance-change') {
    return {
      type: result.type,
      eventId: result.eventId,
      clusterName: result.clusterName,
      containerInstanceId: result.containerInstanceId,
    };
  }
  if (result.type === 'ec2-instance-notice') {
    return { type: result.type, eventId: result.eventId, ec2InstanceId: result.ec2InstanceId };
  }
  if (result.type === 'service-event') {
    return {
      type: result.type,
      eventId: result.eventId,
      clusterName: result.clusterName,
      serviceName: result.serviceName,
    };
  }
  return {
    type: result.type,
    eventId: result.eventId,
    clusterName: result.clusterName,
    taskId: result.taskId,
    version: result.version,
    lastStatus: result.lastStatus,
  };
}

async function recordOne(
  deps: EventIntakeDeps,
  record: HistoryRecord,
  index: number,
): Promise<PostedEventResult> {
  const base = { index, position: record.position };
  if (record.kind === 'malformed') return { ...base, status: 'rejected', reason: record.reason };
  if (!isEventBridgeShaped(record.event)) {
    return { ...base, status: 'rejected', reason: rejectionOf(record.event) };
  }
  try {
    const answer = await deps.recorder(record.event);
    if (!('type' in answer)) throw new Error('the recorder answered an SQS batch response to one event');
    const status =
      answer.type === 'task-state-change' && answer.transition === 'duplicate' && answer.summary === 'stale'
        ? 'duplicate'
        : 'stored';
    return { ...base, status, ...describe(answer) };
  } catch (error) {
    if (error instanceof InvalidTaskEventError) return { ...base, status: 'rejected', reason: error.reason };
    // The recorder logged the fault with its details; the client learns only that it may send it again.
    return {
      ...base,
      status: 'failed',
      reason: 'tracer could not store the event this time; send it again (recording is idempotent)',
    };
  }
}

/**
 * Records the events of a `POST /events` body. The status code is 200 when every event was stored (or was
 * already there); 422 when some were rejected and the others stored, as the results say, so that
 * `curl -f` and scripts notice; 400 when the body held no valid event; and 500 when some valid event could
 * not be stored: then nothing is acknowledged, and sending the whole body again is safe.
 * @example const { statusCode, body } = await recordPostedEvents(deps, '{"detail-type": ...}');
 */
export async function recordPostedEvents(
  deps: EventIntakeDeps,
  text: string,
): Promise<{ readonly statusCode: number; readonly body: PostedEventsAnswer }> {
  const records = parseEventDocument(text);
  const results = await mapWithConcurrency(records, deps.concurrency ?? INTAKE_CONCURRENCY, (record, index) =>
    recordOne(deps, record, index),
  );
  const count = (status: PostedEventResult['status']) => results.filter((r) => r.status === status).length;
  const body: PostedEventsAnswer = {
    received: records.length,
    stored: count('stored'),
    duplicates: count('duplicate'),
    rejected: count('rejected'),
    failed: count('failed'),
    results,
  };
  const statusCode =
    body.failed > 0 ? 500 : body.stored + body.duplicates === 0 ? 400 : body.rejected > 0 ? 422 : 200;
  return { statusCode, body };
}
