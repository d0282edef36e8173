import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../lambda/core/concurrency.js';

describe('mapWithConcurrency', () => {
  it('keeps results in input order with never more than the limit in flight', async () => {
    // Prepare
    let inFlight = 0;
    let highWater = 0;
    const work = async (n: number) => {
      inFlight += 1;
      highWater = Math.max(highWater, inFlight);
      await new Promise((resolve) => setTimeout(resolve, (5 - n) % 3));
      inFlight -= 1;
      return n * 10;
    };
    // Act
    const results = await mapWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, work);
    // Assess
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(highWater).toBe(3);
  });

  it('passes each item its index and treats a limit below one as one', async () => {
    const results = await mapWithConcurrency(['a', 'b'], 0, async (item, index) => `${index}${item}`);
    expect(results).toEqual(['0a', '1b']);
  });

  it('answers an empty list without calling the work', async () => {
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });

  it('fails when one call fails', async () => {
    await expect(
      mapWithConcurrency([1, 2], 2, async (n) => {
        if (n === 2) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
  });
});
