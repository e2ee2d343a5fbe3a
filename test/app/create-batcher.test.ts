import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/app/create-batcher.ts';

/** A flush the test releases by hand, recording what each flush was given. */
function manualFlush() {
  const flushes: number[][] = [];
  const pending: (() => void)[] = [];
  const flush = (inputs: number[]) => {
    flushes.push(inputs);
    return new Promise<number[]>((resolve) => pending.push(() => resolve(inputs.map((n) => n * 10))));
  };
  return { flush, flushes, releaseNext: () => pending.shift()?.() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('createBatcher', () => {
  it('sends calls of one turn together and answers each caller with its own result', async () => {
    const m = manualFlush();
    const call = createBatcher(m.flush, { maxBatch: 100 });
    const answers = Promise.all([call(1), call(2), call(3)]);
    await turn();
    expect(m.flushes).toEqual([[1, 2, 3]]);
    m.releaseNext();
    expect(await answers).toEqual([10, 20, 30]);
  });

  it('a lone call goes out at the end of its turn, without waiting for company', async () => {
    const call = createBatcher(async (inputs: number[]) => inputs.map((n) => -n), { maxBatch: 100 });
    expect(await call(7)).toBe(-7);
  });

  it('calls made while a flush is running share the next flush, and only one flush runs at a time', async () => {
    const m = manualFlush();
    const call = createBatcher(m.flush, { maxBatch: 100 });
    const first = call(1);
    await turn();
    const later = [call(2), call(3)];
    await turn();
    expect(m.flushes).toEqual([[1]]);
    m.releaseNext();
    expect(await first).toBe(10);
    await turn();
    expect(m.flushes).toEqual([[1], [2, 3]]);
    m.releaseNext();
    expect(await Promise.all(later)).toEqual([20, 30]);
  });

  it('takes at most maxBatch calls per flush', async () => {
    const m = manualFlush();
    const call = createBatcher(m.flush, { maxBatch: 2 });
    const answers = Promise.all([1, 2, 3, 4, 5].map((n) => call(n)));
    await turn();
    m.releaseNext();
    await turn();
    await turn();
    m.releaseNext();
    await turn();
    await turn();
    m.releaseNext();
    expect(await answers).toEqual([10, 20, 30, 40, 50]);
    expect(m.flushes).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('a failed flush fails every call in it, and the next calls get a flush of their own', async () => {
    let fail = true;
    const call = createBatcher(
      async (inputs: number[]) => {
        if (fail) throw new Error('database went away');
        return inputs;
      },
      { maxBatch: 100 },
    );
    const failed = await Promise.allSettled([call(1), call(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await call(3)).toBe(3);
  });

  it('a flush that answers the wrong number of calls fails them instead of mixing up answers', async () => {
    const call = createBatcher(async (inputs: number[]) => inputs.slice(1), { maxBatch: 100 });
    await expect(Promise.all([call(1), call(2)])).rejects.toThrow(/answered 1 of 2/);
  });
});
