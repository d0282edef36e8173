/**
 * The SNS message of `tracer --sns`, with the original tracer's limits: the subject is cut to 100
 * characters with `...`, and the message to 256 KiB.
 */

/** SNS's limit for a subject, in characters. */
export const MAX_SUBJECT_CHARS = 100;
/** SNS's limit for a message, in bytes of UTF-8. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * `Tracer: <task id> on <cluster>`, cut to 100 characters with `...`. SNS accepts only printable ASCII
 * without line breaks in a subject, so anything else becomes a space.
 * @example snsSubject('9f654c76cde14c7c85cf54dce087658a', 'default') === 'Tracer: 9f654c76cde14c7c85cf54dce087658a on default'
 */
export function snsSubject(taskId: string, cluster: string): string {
  const subject = `Tracer: ${taskId} on ${cluster}`.replace(/[^\x20-\x7e]/g, ' ');
  return subject.length > MAX_SUBJECT_CHARS ? `${subject.slice(0, MAX_SUBJECT_CHARS - 3)}...` : subject;
}

/**
 * Cuts text to at most `maxBytes` bytes of UTF-8, never in the middle of a character.
 * @example truncateUtf8('héllo', 2) === 'h'
 */
export function truncateUtf8(text: string, maxBytes: number = MAX_MESSAGE_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that would be split.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}
