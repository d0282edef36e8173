import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnsTraceCollector, snsSubject } from '../../lambda/cli/sns-message.js';
import type { TraceLineJson } from '../../lambda/core/api-types.js';
import { SNS_MAX_MESSAGE_BYTES } from '../../lambda/core/notification.js';
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
    ['abc', 'c'.repeat(84), `Tracer: abc on ${'c'.repeat(84)}`],
    ['abc', 'c'.repeat(85), `Tracer: abc on ${'c'.repeat(81)}...`],
    ['abc', 'c'.repeat(100), `Tracer: abc on ${'c'.repeat(81)}...`],
    ['abc', 'déjà\nvu', 'Tracer: abc on d?j? vu'],
  ])('writes the subject of task %s on %s', (taskId, cluster, subject) => {
    // Act
    const result = snsSubject(taskId, cluster);

    // Assess
    expect(result).toBe(subject);
    expect(result.length).toBeLessThan(100);
    expect(result).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('SnsTraceCollector', () => {
  it('keeps a trace that fits unchanged', () => {
    // Prepare
    const sns = new SnsTraceCollector(100);

    // Act
    sns.add('a\n');
    sns.add('b\n');

    // Assess
    expect(sns.message()).toBe('a\nb\n');
  });

  it('keeps the beginning and the end of a long trace and counts every byte cut', () => {
    // Prepare
    const sns = new SnsTraceCollector(400);
    const pages = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, '0')} ${'x'.repeat(36)}\n`);

    // Act
    for (const page of pages) sns.add(page);
    const message = sns.message();

    // Assess
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(400);
    expect(message.startsWith(pages[0] ?? '')).toBe(true);
    expect(message.endsWith(pages[49] ?? '')).toBe(true);
    const cut = /\[\.\.\. tracer cut (\d+) bytes here/.exec(message);
    const marker = message.split('\n').find((line) => line.startsWith('[... tracer cut')) ?? '';
    expect(Number(cut?.[1])).toBe(pages.join('').length - (Buffer.byteLength(message) - marker.length - 1));
  });

  it('never splits a multibyte character', () => {
    // Prepare
    const sns = new SnsTraceCollector(300);

    // Act
    for (let i = 0; i < 40; i++) sns.add(`${'日本語'.repeat(5)}\n`);

    // Assess
    expect(sns.message()).not.toContain('\ufffd');
    expect(Buffer.byteLength(sns.message())).toBeLessThanOrEqual(300);
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

  it('cuts a message larger than 256 KiB in the middle, keeping the stop at the end', async () => {
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
    expect(Buffer.byteLength(run.stdout)).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(message)).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES - 1024);
    const [head = '', tail = ''] = message.split(/\[\.\.\. tracer cut \d+ bytes here[^\n]*\]\n/);
    expect(run.stdout.startsWith(head)).toBe(true);
    expect(run.stdout.endsWith(tail)).toBe(true);
    expect(tail.length).toBeGreaterThan(0);
    const cutBytes = Number(/tracer cut (\d+) bytes/.exec(message)?.[1]);
    expect(cutBytes).toBe(Buffer.byteLength(run.stdout) - Buffer.byteLength(head) - Buffer.byteLength(tail));
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
