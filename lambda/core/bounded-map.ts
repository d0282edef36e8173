/**
 * A Map that keeps at most `capacity` entries and forgets the least recently stored first: what a
 * long-lived Lambda container remembers between events, without growing without limit.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a BoundedMap holds at least 1 entry, got a capacity of ${capacity}`);
    }
  }

  /**
   * Stores the value as the most recent entry, and drops the oldest past the capacity.
   * @example new BoundedMap<string, number>(1).set('a', 1).set('b', 2).has('a') === false
   */
  override set(key: K, value: V): this {
    // A Map iterates in insertion order, so deleting first makes this key the newest.
    super.delete(key);
    super.set(key, value);
    if (this.size > this.capacity) {
      const oldest = this.keys().next();
      if (!oldest.done) super.delete(oldest.value);
    }
    return this;
  }
}
