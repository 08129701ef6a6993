import { describe, expect, it } from 'vitest';
import { FifoLock } from './sqlite-driver.ts';

describe('FifoLock', () => {
  it('hands the lock to waiters in arrival order, one at a time', async () => {
    const lock = new FifoLock();
    const order: string[] = [];
    const holder = async (name: string) => {
      await lock.acquire();
      order.push(`${name}+`);
      await Promise.resolve();
      await Promise.resolve();
      order.push(`${name}-`);
      lock.release();
    };
    await Promise.all(['a', 'b', 'c'].map(holder));
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(lock.waiting).toBe(0);
  });

  it('does not let a late caller overtake a queued waiter', async () => {
    const lock = new FifoLock();
    await lock.acquire();
    const got: string[] = [];
    const queued = lock.acquire().then(() => got.push('queued'));
    lock.release();
    const late = lock.acquire().then(() => got.push('late'));
    await queued;
    lock.release();
    await late;
    expect(got).toEqual(['queued', 'late']);
  });
});
