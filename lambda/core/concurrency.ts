/**
 * Runs `work` over `items` with at most `concurrency` calls in flight, keeping results in input order.
 * A rejection rejects the whole map, as `Promise.all` does.
 * @example const pages = await mapWithConcurrency(streams, 4, (s) => read(s));
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
  return results;
}
