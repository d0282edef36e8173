import { describe, expect, it } from 'vitest';
import { sameValue } from '../../lambda/adapters/dynamodb/task-item.js';

describe('sameValue', () => {
  it('compares binaries by their bytes, whatever view holds them', () => {
    const bytes = new Uint8Array([1, 120, 156, 3]);
    // The SDK returns a Uint8Array over a larger buffer; the encoder makes Buffers.
    const offset = new Uint8Array([9, 1, 120, 156, 3, 9]).subarray(1, 5);
    expect(sameValue({ B: bytes }, { B: Buffer.from([1, 120, 156, 3]) })).toBe(true);
    expect(sameValue({ B: offset }, { B: bytes })).toBe(true);
    expect(sameValue({ B: bytes }, { B: new Uint8Array([1, 120, 156, 4]) })).toBe(false);
    expect(sameValue({ B: bytes }, { B: bytes.subarray(0, 3) })).toBe(false);
    expect(sameValue({ B: bytes }, { S: '\u0001x' })).toBe(false);
  });

  it('compares strings and numbers as text, and anything else by its JSON', () => {
    expect(sameValue({ S: 'a' }, { S: 'a' })).toBe(true);
    expect(sameValue({ S: 'a' }, { N: 'a' })).toBe(false);
    expect(sameValue({ N: '12' }, { N: '12' })).toBe(true);
    expect(sameValue({ N: '12' }, { N: '12.0' })).toBe(false);
    expect(sameValue({ M: { a: { N: '1' } } }, { M: { a: { N: '1' } } })).toBe(true);
    expect(sameValue({ M: { a: { N: '1' } } }, { M: { a: { N: '2' } } })).toBe(false);
  });
});
