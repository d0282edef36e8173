/** Free text from AWS (reasons, messages) is bounded so that no stored item nears DynamoDB's 400 KB limit. */
export const MAX_REASON_CHARS = 4096;

/**
 * Cuts text longer than `maxChars`, keeping the start and a visible marker that says how much was dropped.
 * Never splits a UTF-16 surrogate pair.
 * @example truncateText('x'.repeat(5000), 100).endsWith('[truncated 4917 chars]')
 */
export function truncateText(text: string, maxChars: number = MAX_REASON_CHARS): string {
  if (text.length <= maxChars) return text;
  const marker = (dropped: number) => `…[truncated ${dropped} chars]`;
  let keep = Math.max(0, maxChars - marker(text.length).length);
  const code = text.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep -= 1;
  return text.slice(0, keep) + marker(text.length - keep);
}
