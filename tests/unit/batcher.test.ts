import { describe, expect, it } from 'vitest';
import { Batcher } from '../../api/cases/batcher.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Batcher', () => {
  it('runs an item at once when idle and groups what arrives while busy', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>(async (xs) => {
      batches.push(xs);
      await tick();
      return xs.map((x) => x * 10);
    }, { maxInFlight: 1, maxBatch: 3 });
    const out = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => b.submit(x)));
    expect(out).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('keeps up to maxInFlight batches running', async () => {
    let running = 0;
    let peak = 0;
    const b = new Batcher<number, number>(async (xs) => {
      peak = Math.max(peak, ++running);
      await tick();
      running--;
      return xs;
    }, { maxInFlight: 3, maxBatch: 2 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => b.submit(i)));
    expect(peak).toBe(3);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const b = new Batcher<number, number>(async (xs) => {
      await tick();
      if (xs.includes(3)) throw new Error(`bad ${xs.join(',')}`);
      return xs;
    }, { maxInFlight: 1, maxBatch: 10 });
    const results = await Promise.allSettled([1, 2, 3, 4].map((x) => b.submit(x)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason.message).toBe('bad 3');
  });

  it('fails every item of a batch that returns the wrong number of results (each retried alone)', async () => {
    const b = new Batcher<number, number>(async (xs) => (xs.length > 1 ? [1] : xs), { maxInFlight: 1, maxBatch: 10 });
    await expect(Promise.all([b.submit(1), b.submit(2), b.submit(3)])).resolves.toEqual([1, 2, 3]);
  });
});
