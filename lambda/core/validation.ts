/**
 * What the event and settings parsers share: valibot schemas for the shapes ECS events repeat, and one way
 * of saying what is wrong with an input. valibot is built of separate functions, so a Lambda bundle holds
 * only the checks it uses (a few KB) and builds nothing at import.
 */
import * as v from 'valibot';

/** A string that Date.parse reads, with `isValid` as the stricter reading of the caller's choice. */
export const isoTimestamp = (isValid: (text: string) => boolean = (s) => !Number.isNaN(Date.parse(s))) =>
  v.pipe(v.string(), v.check(isValid, 'expected an ISO 8601 timestamp'));

/** A whole number ≥ 0, also as the decimal string some ECS events carry. */
export const wholeNumber = v.union([
  v.pipe(v.number(), v.integer(), v.minValue(0)),
  v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number)),
]);

/** The type of a value as the messages name it. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

/** What a schema expected, in the messages' words: `string`, `object`, `array`, `"a" | "b"`. */
function expectedOf(issue: v.BaseIssue<unknown>): string {
  const expected = issue.expected ?? 'a valid value';
  return expected === 'Object' || expected === 'Array' ? expected.toLowerCase() : expected;
}

/**
 * One sentence per issue: `Invalid input: expected string, received undefined` for a wrong type, the
 * check's own message otherwise. Passed to valibot as the message of every issue it reports.
 */
export function issueMessage(issue: v.BaseIssue<unknown>): string {
  switch (issue.type) {
    case 'custom':
      return issue.message;
    case 'min_length':
      return `Too small: expected at least ${String(issue.requirement)} characters, received ${issue.received}`;
    case 'integer':
      return 'Invalid input: expected int, received number';
    case 'min_value':
      return `Too small: expected a number >= ${String(issue.requirement)}`;
    case 'regex':
      return `Invalid string: must match pattern ${String(issue.requirement)}`;
    case 'object':
      // A required field that the input leaves out.
      return issue.input === undefined && issue.path?.at(-1)?.origin === 'key'
        ? 'Invalid input: missing'
        : `Invalid input: expected object, received ${typeOf(issue.input)}`;
    case 'union': {
      // A value of the right type that failed a check says more than the list of types.
      const failedCheck = issue.issues?.find((inner) => inner.kind === 'validation');
      if (failedCheck) return failedCheck.message;
      return `Invalid input: expected ${expectedOf(issue)}, received ${typeOf(issue.input)}`;
    }
    default:
      return issue.kind === 'schema'
        ? `Invalid input: expected ${expectedOf(issue)}, received ${typeOf(issue.input)}`
        : issue.message;
  }
}

/** Parses `input` with `schema`, every issue worded by issueMessage. */
export function safeParse<T extends v.GenericSchema>(schema: T, input: unknown): v.SafeParseResult<T> {
  return v.safeParse(schema, input, { message: issueMessage });
}

/**
 * The first `max` issues as `path: message`, joined by `; `, each path behind `prefix`; `root` names the
 * input itself when it has no prefix.
 * @example describeIssues(result.issues, 3, 'detail.') === 'detail.taskArn: Invalid input: missing'
 */
export function describeIssues(
  issues: readonly v.BaseIssue<unknown>[],
  max: number,
  prefix = '',
  root = '(event)',
): string {
  return issues
    .slice(0, max)
    .map((issue) => {
      const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
      return `${prefix}${path || (prefix ? '' : root)}: ${issue.message}`;
    })
    .join('; ');
}
