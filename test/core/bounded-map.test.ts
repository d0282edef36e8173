import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../lambda/core/bounded-map.js';

describe('BoundedMap', () => {
  it('forgets the least recently stored entry past its capacity', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect([...map.entries()]).toStrictEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });

  it('rejects a capacity below one, naming it', () => {
    expect(() => new BoundedMap(0)).toThrow('a BoundedMap holds at least 1 entry, got a capacity of 0');
    expect(() => new BoundedMap(1.5)).toThrow(/capacity of 1.5/);
  });
});
