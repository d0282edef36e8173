/**
 * The trace pages after the first, read one ahead: a page's cursor comes only with the page before it, so
 * the pages are asked for one after another, but each as soon as the answer before it names its cursor in
 * its headers. The server then builds a page while the browser reads, parses and draws the one before.
 */
import type { TraceResponse } from '../../core/api-types.js';
import type { OpenedTracePage } from './api.js';

/** Asks for the page at `cursor` and resolves once its headers have arrived. */
export type OpenPage = (cursor: string) => Promise<OpenedTracePage>;

/**
 * Reads every page from `cursor` on, handing each to `onPage` in order (with `last` on the last), until
 * the trace ends or `signal` aborts. A server that sends no cursor header is asked for the next page once
 * the body is read. Never more than one page is asked for ahead.
 * @throws what `open` or a page's body throws.
 * @example await readPagesAhead(first.nextCursor, (c) => openTracePage(cluster, task, { cursor: c }), draw, signal);
 */
export async function readPagesAhead(
  cursor: string | undefined,
  open: OpenPage,
  onPage: (page: TraceResponse, last: boolean) => void,
  signal: AbortSignal,
): Promise<void> {
  const ask = (at: string): Promise<OpenedTracePage> => {
    const opened = open(at);
    // A page asked for ahead is left unread when the reader stops: that failure is nobody's to report.
    opened.then(({ page }) => page.catch(() => {})).catch(() => {});
    return opened;
  };
  let next = cursor === undefined ? undefined : ask(cursor);
  while (next && !signal.aborted) {
    const opened = await next;
    next = opened.nextCursor === undefined ? undefined : ask(opened.nextCursor);
    const page = await opened.page;
    if (!next && page.nextCursor !== undefined) next = ask(page.nextCursor);
    if (signal.aborted) return;
    onPage(page, next === undefined);
  }
}
