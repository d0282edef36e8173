/**
 * The SNS message of `tracer --sns`: the subject and the body cut the way failure notifications are
 * (core/notification.ts), from a trace that arrives page by page and may be far larger than SNS takes.
 */
import type { TaskSummary } from '../core/model.js';
import { cutMiddle, notificationSubject, SNS_MAX_MESSAGE_BYTES } from '../core/notification.js';

/**
 * `Tracer: <task id> on <cluster>`, as a failure notification names it: printable ASCII, fewer than 100
 * characters, cut with `...`.
 * @example snsSubject('9f654c76cde14c7c85cf54dce087658a', 'default') === 'Tracer: 9f654c76cde14c7c85cf54dce087658a on default'
 */
export function snsSubject(taskId: string, clusterName: string): string {
  // Without a classification the subject reads only the task id and the cluster name.
  const named: Pick<TaskSummary, 'taskId' | 'clusterName'> = { taskId, clusterName };
  return notificationSubject(named as TaskSummary);
}

// The cut marker names the bytes cut; the middle dropped while collecting is added to its count, which may
// need a few more digits than the count cutMiddle wrote.
const MARKER_DIGITS_RESERVE = 16;
const CUT_MARKER = /\[\.\.\. tracer cut (\d+) bytes here to fit the SNS message size limit \.\.\.\]/;

/**
 * Collects the text trace for SNS while it is printed: the beginning and a rolling end, each as large as
 * an SNS message, so memory stays bounded however long the trace is.
 * @example const sns = new SnsTraceCollector(); sns.add(page.text); sns.message()
 */
export class SnsTraceCollector {
  private head = '';
  private headBytes = 0;
  private tail: string[] = [];
  private tailBytes = 0;
  private droppedBytes = 0;

  constructor(private readonly maxBytes: number = SNS_MAX_MESSAGE_BYTES) {}

  /** Adds the next piece of the trace. */
  add(text: string): void {
    if (text === '') return;
    if (this.headBytes < this.maxBytes && this.tail.length === 0) {
      this.head += text;
      this.headBytes += Buffer.byteLength(text, 'utf8');
      return;
    }
    this.tail.push(text);
    this.tailBytes += Buffer.byteLength(text, 'utf8');
    // Whole pieces leave the tail only while the rest still fills a message.
    for (let first = this.tail[0]; first !== undefined; first = this.tail[0]) {
      const firstBytes = Buffer.byteLength(first, 'utf8');
      if (this.tailBytes - firstBytes < this.maxBytes) break;
      this.tail.shift();
      this.tailBytes -= firstBytes;
      this.droppedBytes += firstBytes;
    }
  }

  /** The message: the whole trace when it fits, else its beginning and end around a cut marker. */
  message(): string {
    const text = this.head + this.tail.join('');
    if (this.droppedBytes === 0) return cutMiddle(text, this.maxBytes);
    const cut = cutMiddle(text, this.maxBytes - MARKER_DIGITS_RESERVE);
    return cut.replace(
      CUT_MARKER,
      (_marker, count: string) =>
        `[... tracer cut ${Number(count) + this.droppedBytes} bytes here to fit the SNS message size limit ...]`,
    );
  }
}
