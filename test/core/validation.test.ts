import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { describeIssues, isoTimestamp, safeParse, wholeNumber } from '../../lambda/core/validation.js';

const schema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  count: v.nullish(wholeNumber),
  at: v.nullish(isoTimestamp()),
  tags: v.nullish(v.array(v.string())),
  kind: v.nullish(v.picklist(['a', 'b'])),
});

/** The message of parsing `input`, as the event parsers put it. */
function reasonOf(input: unknown, prefix = ''): string {
  const result = safeParse(schema, input);
  if (result.success) throw new Error('expected the input to be rejected');
  return describeIssues(result.issues, 3, prefix);
}

describe('safeParse and describeIssues', () => {
  it('keeps what the schema names and drops unknown fields', () => {
    const result = safeParse(schema, { id: 'x', count: '12', extra: true, at: null });
    expect(result.success && result.output).toEqual({ id: 'x', count: 12, at: null });
  });

  it.each([
    [{ id: 3 }, 'id: Invalid input: expected string, received number'],
    [{}, 'id: Invalid input: missing'],
    [{ id: '' }, 'id: Too small: expected at least 1 characters, received 0'],
    [{ id: 'x', count: 1.5 }, 'count: Invalid input: expected int, received number'],
    [{ id: 'x', count: -1 }, 'count: Too small: expected a number >= 0'],
    [{ id: 'x', count: '1e3' }, 'count: Invalid string: must match pattern /^\\d+$/'],
    [{ id: 'x', count: true }, 'count: Invalid input: expected (number | string), received boolean'],
    [{ id: 'x', at: 'yesterday' }, 'at: expected an ISO 8601 timestamp'],
    [{ id: 'x', tags: ['a', 2] }, 'tags.1: Invalid input: expected string, received number'],
    [{ id: 'x', kind: 'c' }, 'kind: Invalid input: expected ("a" | "b"), received string'],
    [null, '(event): Invalid input: expected object, received null'],
    ['text', '(event): Invalid input: expected object, received string'],
  ])('says what is wrong with %j', (input, reason) => {
    expect(reasonOf(input)).toBe(reason);
  });

  it('names at most the first issues, each behind the prefix', () => {
    expect(reasonOf({ id: 1, count: false, at: 2, tags: 'x' }, 'detail.')).toBe(
      'detail.id: Invalid input: expected string, received number; ' +
        'detail.count: Invalid input: expected (number | string), received boolean; ' +
        'detail.at: Invalid input: expected string, received number',
    );
  });

  it('names the input itself by the root name when the issue has no path', () => {
    const result = safeParse(schema, []);
    expect(result.success).toBe(false);
    const direct = safeParse(v.string(), 1);
    expect(direct.success).toBe(false);
    if (!direct.success) {
      expect(describeIssues(direct.issues, 1, '', '(settings)')).toBe(
        '(settings): Invalid input: expected string, received number',
      );
    }
  });
});
