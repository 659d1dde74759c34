import { describe, expect, it, vi } from 'vitest';
import { CleanupStack } from './cleanup-stack.js';

describe('CleanupStack', () => {
  it('unwinds in LIFO order, awaiting each undo before the next', async () => {
    const order: string[] = [];
    const stack = new CleanupStack();
    stack.defer('first', () => {
      order.push('first');
    });
    stack.defer('second', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push('second');
    });
    stack.defer('third', () => {
      order.push('third');
    });
    await stack.unwind();
    expect(order).toEqual(['third', 'second', 'first']);
  });

  it('reports a throwing entry through onError and still runs the rest', async () => {
    const onError = vi.fn();
    const order: string[] = [];
    const stack = new CleanupStack(onError);
    stack.defer('stop node 0', () => {
      order.push('stop node 0');
    });
    const boom = new Error('revert failed');
    stack.defer('revert fault', async () => {
      throw boom;
    });
    stack.defer('stop node 2', () => {
      order.push('stop node 2');
    });
    await expect(stack.unwind()).resolves.toBeUndefined();
    expect(order).toEqual(['stop node 2', 'stop node 0']);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith('revert fault', boom);
  });

  it('runs each entry once: a second unwind has nothing left to do', async () => {
    const undo = vi.fn();
    const stack = new CleanupStack();
    stack.defer('undo', undo);
    await stack.unwind();
    await stack.unwind();
    expect(undo).toHaveBeenCalledTimes(1);
  });

  it('use() disposes the resource on unwind and returns it unchanged', async () => {
    const dispose = vi.fn(async () => {});
    const resource = { name: 'cluster', [Symbol.asyncDispose]: dispose };
    const stack = new CleanupStack();
    expect(stack.use('cluster', resource)).toBe(resource);
    expect(dispose).not.toHaveBeenCalled();
    await stack.unwind();
    expect(dispose).toHaveBeenCalledTimes(1);
  });
});
