import { describe, expect, it } from 'vitest';
import { type LogRecordFilter, type RecordEvent, toRecordEvent } from '../../lambda/core/log-records.js';

const OURS = 'arn:aws:ecs:eu-central-1:111111111111:task/test/a6eaf0150a4248dAA1bcbd688121014e';
const NEIGHBOUR = 'arn:aws:ecs:eu-central-1:111111111111:task/test/0c304770a74540689f5bf39622b3d781';
const OWN_STREAM: LogRecordFilter = { format: 'firelens-json', taskArn: OURS, shared: false };
const SHARED_STREAM: LogRecordFilter = { format: 'firelens-json', taskArn: OURS, shared: true };

/** A record as Fluent Bit's cloudwatch_logs output writes it, ECS metadata included. */
function record(taskArn: string | undefined, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    source: 'stdout',
    log: 'GET /health 200',
    container_id: 'a6eaf0150a4248dAA1bcbd688121014e-527074092',
    container_name: 'app',
    ...(taskArn
      ? { ecs_cluster: 'test', ecs_task_arn: taskArn, ecs_task_definition: 'example-api-v1:20' }
      : {}),
    ...extra,
  });
}

describe('toRecordEvent', () => {
  it.each<[string, string, LogRecordFilter | undefined, RecordEvent | undefined]>([
    [
      'a plain line without a filter, as awslogs writes it',
      'hello',
      undefined,
      { timestampMs: 5, message: 'hello' },
    ],
    [
      "this task's record, as its log field with the other fields kept",
      record(OURS),
      OWN_STREAM,
      {
        timestampMs: 5,
        message: 'GET /health 200',
        fields: {
          source: 'stdout',
          container_id: 'a6eaf0150a4248dAA1bcbd688121014e-527074092',
          container_name: 'app',
          ecs_cluster: 'test',
          ecs_task_arn: OURS,
          ecs_task_definition: 'example-api-v1:20',
        },
      },
    ],
    ['a record of another task in its own stream', record(NEIGHBOUR), OWN_STREAM, undefined],
    ['a record of another task in a shared stream', record(NEIGHBOUR), SHARED_STREAM, undefined],
    [
      'a record without ecs_task_arn in its own stream',
      '{"log":"plain","source":"stderr"}',
      OWN_STREAM,
      { timestampMs: 5, message: 'plain', fields: { source: 'stderr' } },
    ],
    ['a record without ecs_task_arn in a shared stream', '{"log":"plain"}', SHARED_STREAM, undefined],
    [
      'a line that is not a record in its own stream',
      'not json',
      OWN_STREAM,
      { timestampMs: 5, message: 'not json' },
    ],
    ['a line that is not a record in a shared stream', 'not json', SHARED_STREAM, undefined],
    [
      'a record cut short (the Go plugin truncates at 256 KB) in its own stream',
      '{"log":"abc',
      OWN_STREAM,
      { timestampMs: 5, message: '{"log":"abc' },
    ],
    [
      'a record without a string log field, whole',
      `{"msg":"x","ecs_task_arn":"${OURS}"}`,
      OWN_STREAM,
      { timestampMs: 5, message: `{"msg":"x","ecs_task_arn":"${OURS}"}` },
    ],
    [
      'a record with only its log field, without fields',
      '{"log":"only"}\n',
      OWN_STREAM,
      { timestampMs: 5, message: 'only' },
    ],
    [
      'a record of another container that shares the stream',
      record(OURS, { container_id: 'other' }),
      { ...OWN_STREAM, containerId: 'a6eaf0150a4248dAA1bcbd688121014e-527074092' },
      undefined,
    ],
  ])('reads %s', (_name, message, filter, expected) => {
    expect(toRecordEvent(5, message, filter)).toEqual(expected);
  });
});
