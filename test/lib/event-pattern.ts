/**
 * The subset of EventBridge pattern matching that tracer's rules use: exact values and `prefix`, in nested
 * objects, against scalar or array fields. Enough to check the synthesized patterns against real events
 * offline; anything else in a pattern fails loudly.
 */
type Pattern = { readonly [key: string]: Pattern | readonly PatternValue[] };
type PatternValue = string | number | boolean | null | { readonly prefix: string };

/**
 * True when the event matches the pattern.
 * @example matchesPattern({ source: ['aws.ecs'] }, event)
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) {
    throw new Error(`a pattern is an object, got ${JSON.stringify(pattern)}`);
  }
  const fields = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern as Pattern).every(([key, expected]) => {
    const actual = fields[key];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((value) =>
        (expected as readonly PatternValue[]).some((e) => matchesValue(e, value)),
      );
    }
    return actual !== null && typeof actual === 'object' && matchesPattern(expected, actual);
  });
}

function matchesValue(expected: PatternValue, actual: unknown): boolean {
  if (expected !== null && typeof expected === 'object') {
    if (Object.keys(expected).length !== 1 || typeof expected.prefix !== 'string') {
      throw new Error(`unsupported pattern operator ${JSON.stringify(expected)}`);
    }
    return typeof actual === 'string' && actual.startsWith(expected.prefix);
  }
  return actual === expected;
}
