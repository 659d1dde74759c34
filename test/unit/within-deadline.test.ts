import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from '../../src/common/errors.js';
import { waitFor } from '../../src/common/wait.js';
import { withinDeadline } from '../../src/run/recovery-wait.js';
import { FakeCluster, fakeContext } from '../support/fake-cluster.js';

describe('withinDeadline', () => {
  it('a wait inside the step bounded by the same deadline that runs out just before it is the step outlasting the deadline', async () => {
    const context = fakeContext(new FakeCluster());
    const deadline = Date.now() + 300;
    const why = await withinDeadline(context, 'method m', async (bounded) => {
      await waitFor('pod 0 ready', async () => false, { timeoutMs: deadline - Date.now() - 1, intervalMs: 20, signal: bounded.signal });
    }, deadline);
    expect(why).toMatch(/^method m still running at the recovery deadline/);
  });

  it('negative control: a wait that runs out well before the deadline is that failure, not the deadline', async () => {
    const context = fakeContext(new FakeCluster());
    const why = await withinDeadline(context, 'method m', async () => {
      throw new WaitTimeoutError('pod 0 ready', 10, false);
    }, Date.now() + 10_000);
    expect(why).toMatch(/^method m: pod 0 ready/);
    expect(why).not.toMatch(/recovery deadline/);
  });
});
