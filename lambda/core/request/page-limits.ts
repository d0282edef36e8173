/**
 * The fixed bounds of one request: how much a list page, a trace page and a cursor may ask for, and how
 * many CloudWatch Logs calls one trace request may make. The API, local mode, the CLI and the MCP tools
 * all read them here; the README and docs/api.md state them.
 */

/** Tasks in one list page when the caller names no limit. */
export const DEFAULT_LIST_LIMIT = 50;
/** The largest list page the API answers; longer listings page with the cursor. */
export const MAX_LIST_LIMIT = 100;
/** The most tasks the CLI lists for one command (it follows the API's cursors to get them). */
export const MAX_CLI_TASK_LIMIT = 1000;

/** The widest log window padding a caller may ask for; `full` reads a whole life instead. */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** Lines of one trace page, before the response's byte budget may cut it further. */
export const MAX_TRACE_PAGE_LINES = 25_000;
/**
 * The most lines a cursor may skip within one millisecond. A cursor is a millisecond and a count of lines
 * of that millisecond already returned; more than this in one millisecond is cut at a page boundary, so
 * no cursor makes a request re-read more than this many extra lines per container.
 */
export const MAX_CURSOR_SKIP = 1000;
/** The most GetLogEvents calls one trace request starts; the page ends where they stopped. */
export const MAX_LOG_CALLS_PER_REQUEST = 100;

/** The longest cursor tracer issues, with room to spare; anything longer is refused unread. */
export const MAX_CURSOR_CHARS = 2048;
