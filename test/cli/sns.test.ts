import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, snsSubject, truncateUtf8 } from '../../lambda/cli/sns-message.js';
import type { TraceLineJson } from '../../lambda/core/api-types.js';
import {
  type FakeTracerApi,
  readExpectedTrace,
  referenceTasks,
  startFakeTracerApi,
} from '../support/fake-tracer-api.js';
import { runTracer } from './run-cli.js';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:tracer-alerts';
const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';

let api: FakeTracerApi | undefined;
beforeEach(() => {
  sns.reset();
});
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('snsSubject', () => {
  it.each([
    ['9f654c76cde14c7c85cf54dce087658a', 'default', 'Tracer: 9f654c76cde14c7c85cf54dce087658a on default'],
    ['abc', 'c'.repeat(100), `Tracer: abc on ${'c'.repeat(82)}...`],
    ['abc', 'déjà', 'Tracer: abc on d j '],
  ])('writes the subject of task %s on %s', (taskId, cluster, subject) => {
    // Act
    const result = snsSubject(taskId, cluster);

    // Assess
    expect(result).toBe(subject);
    expect(result.length).toBeLessThanOrEqual(100);
  });
});

describe('truncateUtf8', () => {
  it.each([
    ['short text', 'hello', 10, 'hello'],
    ['text at the limit', 'hello', 5, 'hello'],
    ['ASCII over the limit', 'hello world', 5, 'hello'],
    ['a two-byte character across the limit', 'aé', 2, 'a'],
    ['a three-byte character across the limit', 'a日本', 5, 'a日'],
    ['a four-byte character across the limit', 'a😀b', 4, 'a'],
    ['a four-byte character right at the limit', 'a😀b', 5, 'a😀'],
  ])('keeps whole characters for %s', (_name, text, maxBytes, expected) => {
    // Act
    const result = truncateUtf8(text, maxBytes);

    // Assess
    expect(result).toBe(expected);
    expect(Buffer.byteLength(result)).toBeLessThanOrEqual(maxBytes);
  });
});

describe('tracer --sns', () => {
  it('prints the trace and publishes it with the subject of the original', async () => {
    // Prepare
    api = await startFakeTracerApi();
    sns.on(PublishCommand).resolves({ $metadata: {}, MessageId: 'msg' });

    // Act
    const run = await runTracer(['--endpoint', api.url, '--sns', TOPIC, 'default', FAILED_PULL]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readExpectedTrace(FAILED_PULL));
    expect(run.stderr).toBe(`tracer: published the trace to ${TOPIC}\n`);
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([
      {
        TopicArn: TOPIC,
        Subject: `Tracer: ${FAILED_PULL} on default`,
        Message: readExpectedTrace(FAILED_PULL),
      },
    ]);
  });

  it('takes the topic from TRACER_SNS', async () => {
    // Prepare
    api = await startFakeTracerApi();
    sns.on(PublishCommand).resolves({ $metadata: {}, MessageId: 'msg' });

    // Act
    const run = await runTracer(['default', FAILED_PULL], {
      env: { TRACER_ENDPOINT: api.url, TRACER_SNS: TOPIC },
    });

    // Assess
    expect(run.code).toBe(0);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn).toBe(TOPIC);
  });

  it('publishes the text trace while printing JSON for --json', async () => {
    // Prepare
    api = await startFakeTracerApi();
    sns.on(PublishCommand).resolves({ $metadata: {}, MessageId: 'msg' });

    // Act
    const run = await runTracer(['--endpoint', api.url, '--json', '--sns', TOPIC, 'default', FAILED_PULL]);

    // Assess
    expect(JSON.parse(run.stdout)).toMatchObject({ task: { taskId: FAILED_PULL } });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message).toBe(readExpectedTrace(FAILED_PULL));
  });

  it('cuts a message larger than 256 KiB', async () => {
    // Prepare: a task whose trace holds about 1 MB of log lines.
    const [base] = referenceTasks().filter((t) => t.summary.taskId === FAILED_PULL);
    if (!base) throw new Error('fixture missing');
    const logLine = (i: number): TraceLineJson => ({
      timestamp: new Date(Date.parse('2021-11-26T17:29:20.000Z') + i).toISOString(),
      epochMs: Date.parse('2021-11-26T17:29:20.000Z') + i,
      source: 'CONTAINER:app',
      message: `${'日本語のログ'.repeat(10)} ${i}`,
      kind: 'log',
    });
    const lines = [
      ...base.lines.slice(0, 1),
      ...Array.from({ length: 5000 }, (_, i) => logLine(i)),
      ...base.lines.slice(1),
    ];
    api = await startFakeTracerApi({ tasks: [{ ...base, lines }], tracePageLines: 1000 });
    sns.on(PublishCommand).resolves({ $metadata: {}, MessageId: 'msg' });

    // Act
    const run = await runTracer(['--endpoint', api.url, '--sns', TOPIC, 'default', FAILED_PULL]);

    // Assess
    const message = sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(Buffer.byteLength(run.stdout)).toBeGreaterThan(MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(message)).toBeGreaterThan(MAX_MESSAGE_BYTES - 4);
    expect(run.stdout.startsWith(message)).toBe(true);
  });

  it('fails with exit code 1 and one line when SNS refuses, after printing the trace', async () => {
    // Prepare
    api = await startFakeTracerApi();
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: SNS:Publish'), {
        name: 'AuthorizationErrorException',
      }),
    );

    // Act
    const run = await runTracer(['--endpoint', api.url, '--sns', TOPIC, 'default', FAILED_PULL]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(readExpectedTrace(FAILED_PULL));
    expect(run.stderr).toBe(
      `tracer: access denied publishing to ${TOPIC}: the caller needs sns:Publish on the topic\n`,
    );
  });
});

describe('tracer --sns: the SNS failures', () => {
  it.each([
    [
      'NotFoundException',
      'Topic does not exist',
      `tracer: SNS topic ${TOPIC} not found; check --sns and that the topic exists\n`,
    ],
    [
      'KMSAccessDeniedException',
      'denied',
      `tracer: the key of SNS topic ${TOPIC} refused the caller: it needs kms:GenerateDataKey and kms:Decrypt\n`,
    ],
    [
      'InvalidParameterException',
      'Invalid parameter: Message too long',
      `tracer: publishing to ${TOPIC} failed: Invalid parameter: Message too long\n`,
    ],
  ])('explains %s in one line', async (name, message, stderr) => {
    // Prepare
    api = await startFakeTracerApi();
    sns.on(PublishCommand).rejects(Object.assign(new Error(message), { name }));

    // Act
    const run = await runTracer(['--endpoint', api.url, '--sns', TOPIC, 'default', FAILED_PULL]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(stderr);
  });
});
