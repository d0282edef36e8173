import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SQSRecord } from 'aws-lambda';
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

/** The notifier's queue in the records that `sqsRecord` builds. */
export const NOTIFY_QUEUE_ARN = 'arn:aws:sqs:ap-northeast-1:123456789012:tracer-notify';

/** An SQS record of the notifier's queue with `body`, as the event source mapping delivers it. */
export function sqsRecord(messageId: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1637947797070',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1637947827070',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: NOTIFY_QUEUE_ARN,
    awsRegion: 'ap-northeast-1',
  };
}
