import { type CursorSeal, makeCursorSeal } from '../../lambda/core/request/cursor-seal.js';

/** The key of the tests' cursors; a real stack generates its own. */
export const TEST_CURSOR_KEY = 'tracer-test-cursor-key-0123456789abcdef';

const seal = makeCursorSeal(TEST_CURSOR_KEY);

/** The `cursorSeal` dependency of an API handler under test. */
export const testCursorSeal = async (): Promise<CursorSeal> => seal;
