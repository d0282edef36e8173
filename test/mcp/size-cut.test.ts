import { afterEach, describe, expect, it } from 'vitest';
import type { TraceLineJson } from '../../lambda/core/api-types.js';
import { formatTraceText } from '../../lambda/core/format.js';
import { MAX_RESULT_BYTES } from '../../lambda/mcp/server.js';
import { type FakeTask, readExpectedTrace, referenceTasks } from '../support/fake-tracer-api.js';
import { connectMcp, type McpHarness, textOf } from './mcp-harness.js';

const LONG_TASK = '5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e';
const CREATED_MS = Date.parse('2024-04-01T00:00:00.000Z');

/** A task whose trace is about 400 KB: nginx access log lines, several per millisecond, some not ASCII. */
function longTask(options: { readonly lines?: number; readonly hugeLineAt?: number } = {}): FakeTask {
  const base = referenceTasks()[0] as FakeTask;
  const count = options.lines ?? 3000;
  const lines: TraceLineJson[] = [];
  for (let i = 0; i < count; i++) {
    // Three lines share each millisecond, so cuts fall inside runs of equal timestamps.
    const epochMs = CREATED_MS + Math.floor(i / 3);
    const message =
      i === options.hugeLineAt
        ? `huge ${'x'.repeat(150 * 1024)}`
        : `10.0.${i % 250}.${i % 7} - - "GET /orders/${i}?q=é日本 HTTP/1.1" 200 615 "-" "ELB-HealthChecker/2.0" line ${i}`;
    lines.push({
      timestamp: new Date(epochMs).toISOString(),
      epochMs,
      source: 'CONTAINER:nginx',
      message,
      kind: 'log',
    });
  }
  const summary = {
    ...base.summary,
    taskId: LONG_TASK,
    taskArn: base.summary.taskArn.replace(/[^/]+$/, LONG_TASK),
  };
  return { summary, listItem: { ...base.listItem, taskId: LONG_TASK, taskArn: summary.taskArn }, lines };
}

const fullText = (task: FakeTask) => formatTraceText(task.lines, { timeZone: 'Asia/Tokyo' });
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

interface TraceAnswer {
  readonly text: string;
  readonly structured: {
    readonly truncated: boolean;
    readonly nextCursor?: string;
    readonly notice?: string;
    readonly lineCount: number;
    readonly lines?: TraceLineJson[];
  };
}

/** Calls get_trace from the start and follows nextCursor to the end. */
async function readAllAnswers(harness: McpHarness, args: Record<string, unknown>): Promise<TraceAnswer[]> {
  const answers: TraceAnswer[] = [];
  let cursor: string | undefined;
  for (let call = 0; call < 100; call++) {
    const result = await harness.call('get_trace', { ...args, ...(cursor ? { cursor } : {}) });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as unknown as TraceAnswer['structured'];
    answers.push({ text: textOf(result), structured });
    if (!structured.truncated) return answers;
    cursor = structured.nextCursor;
  }
  throw new Error('get_trace never reached the end of the trace');
}

/** The text without TRACER notice lines. */
const withoutNotices = (text: string) =>
  text
    .split(/(?<=\n)/)
    .filter((line) => line.split('\t')[1] !== 'TRACER')
    .join('');

let mcp: McpHarness | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = undefined;
});

describe('get_trace keeps an answer within 100 KB', () => {
  it('cuts a long trace on a line boundary and ends it with a TRACER line that gives the cursor', async () => {
    // Prepare
    const task = longTask();
    mcp = await connectMcp({ api: { tasks: [task] } });
    const whole = fullText(task);

    // Act
    const result = await mcp.call('get_trace', { cluster: 'default', task: LONG_TASK, full: true });

    // Assess
    const text = textOf(result);
    const structured = result.structuredContent as unknown as TraceAnswer['structured'];
    expect(bytes(whole)).toBeGreaterThan(3 * MAX_RESULT_BYTES);
    expect(bytes(text)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(bytes(text)).toBeGreaterThan(MAX_RESULT_BYTES - 4 * 1024);
    const lines = text.split(/(?<=\n)/);
    const notice = lines.pop() ?? '';
    expect(whole.startsWith(lines.join(''))).toBe(true);
    expect(notice.split('\t').slice(0, 2)).toEqual([lines.at(-1)?.split('\t')[0], 'TRACER']);
    expect(notice).toBe(
      `${lines.at(-1)?.split('\t')[0]}\tTRACER\tthis answer stops at the 100 KB limit of a get_trace answer, after ${lines.length} lines; ` +
        `the trace continues: call get_trace again with the same arguments and cursor "${structured.nextCursor}", ` +
        'or narrow the window with a shorter duration or full: false\n',
    );
    expect(structured).toMatchObject({
      truncated: true,
      lineCount: lines.length,
      nextCursor: expect.stringMatching(/^mcp1\./),
    });
  });

  it.each([
    { name: 'one source page', tracePageLines: undefined },
    { name: 'source pages of 700 lines', tracePageLines: 700 },
    { name: 'source pages of 50 lines', tracePageLines: 50 },
  ])('returns the whole trace, each line once, over the cursors ($name)', async ({ tracePageLines }) => {
    // Prepare
    const task = longTask();
    mcp = await connectMcp({ api: { tasks: [task], ...(tracePageLines ? { tracePageLines } : {}) } });

    // Act
    const answers = await readAllAnswers(mcp, { cluster: 'default', task: LONG_TASK, full: true });

    // Assess
    expect(answers.length).toBeGreaterThanOrEqual(4);
    expect(answers.map((a) => withoutNotices(a.text)).join('')).toBe(fullText(task));
    for (const answer of answers) expect(bytes(answer.text)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(answers.at(-1)?.structured).toMatchObject({ truncated: false });
    expect(answers.at(-1)?.structured.nextCursor).toBeUndefined();
  });

  it('cuts a JSON trace too, and its pages hold every line once', async () => {
    // Prepare
    const task = longTask();
    mcp = await connectMcp({ api: { tasks: [task], tracePageLines: 1000 } });

    // Act
    const answers = await readAllAnswers(mcp, {
      cluster: 'default',
      task: LONG_TASK,
      full: true,
      format: 'json',
    });

    // Assess
    expect(answers.length).toBeGreaterThanOrEqual(4);
    for (const answer of answers) {
      expect(bytes(answer.text)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
      expect(JSON.parse(answer.text)).toEqual(answer.structured);
    }
    expect(answers.flatMap((a) => a.structured.lines ?? [])).toEqual(task.lines);
    expect(answers[0]?.structured.notice).toContain(`cursor "${answers[0]?.structured.nextCursor}"`);
  });

  it('shortens a single line longer than the limit, says so, and goes on after it', async () => {
    // Prepare
    const task = longTask({ lines: 10, hugeLineAt: 4 });
    mcp = await connectMcp({ api: { tasks: [task] } });
    const wholeLines = fullText(task).split(/(?<=\n)/);

    // Act
    const answers = await readAllAnswers(mcp, { cluster: 'default', task: LONG_TASK });

    // Assess
    expect(answers).toHaveLength(3);
    const [before, huge, after] = answers.map((a) => withoutNotices(a.text));
    expect(before).toBe(wholeLines.slice(0, 4).join(''));
    expect(huge).toMatch(/^\S+\tCONTAINER:nginx\thuge x+…\n$/);
    expect(bytes(huge ?? '')).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(answers[1]?.text).toContain('1 line longer than the 100 KB limit was shortened, marked with …');
    expect(after).toBe(wholeLines.slice(5).join(''));
  });

  it('honours a smaller limit given to the server', async () => {
    // Prepare
    const task = longTask({ lines: 300 });
    mcp = await connectMcp({ api: { tasks: [task] }, server: { maxResultBytes: 8 * 1024 } });

    // Act
    const answers = await readAllAnswers(mcp, { cluster: 'default', task: LONG_TASK });

    // Assess
    for (const answer of answers) expect(bytes(answer.text)).toBeLessThanOrEqual(8 * 1024);
    expect(answers[0]?.text).toContain('the 8 KB limit');
    expect(answers.map((a) => withoutNotices(a.text)).join('')).toBe(fullText(task));
  });

  it('stops after the most source pages one answer may read, and the cursor reads on', async () => {
    // Prepare
    const taskId = '9f654c76cde14c7c85cf54dce087658a';
    mcp = await connectMcp({ api: { tracePageLines: 2 }, server: { maxTracePages: 2 } });

    // Act
    const answers = await readAllAnswers(mcp, { cluster: 'default', task: taskId });

    // Assess
    expect(answers).toHaveLength(2);
    expect(answers[0]?.structured.lineCount).toBe(4);
    expect(answers[0]?.text.split('\n').at(-2)).toBe(
      `2021-11-27T02:29:43.569+09:00\tTRACER\tthis answer stops after 2 pages of the trace; the trace continues: call get_trace again with the same arguments and cursor "${answers[0]?.structured.nextCursor}"`,
    );
    expect(answers.map((a) => withoutNotices(a.text)).join('')).toBe(readExpectedTrace(taskId));
  });
});
