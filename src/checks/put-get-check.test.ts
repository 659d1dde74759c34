import { describe, expect, it } from 'vitest';
import type { PutGetResult } from '../core/journal.js';
import { PutGetCheck } from './put-get-check.js';

function result(node: number, queueType: 'classic' | 'quorum', ok: boolean, error?: string): PutGetResult {
  return {
    node: `rabbit-${node}@localhost`,
    ordinal: node,
    queue: `warren.probe.${queueType}.${(node + 1) % 3}`,
    queueType,
    mode: 'get',
    ok,
    latencyMs: 5,
    ...(error === undefined ? {} : { error }),
  };
}

const everyProbe = [0, 1, 2].flatMap((node) => [result(node, 'classic', true), result(node, 'quorum', true)]);

describe('PutGetCheck.evaluate', () => {
  const check = new PutGetCheck();

  it('is ok when every node put and got through both queue types', () => {
    expect(check.evaluate(everyProbe)).toEqual({ ok: true });
  });

  it('is not ok when one probe failed, naming node, queue type and error', () => {
    const results = everyProbe.map((r) => (r.ordinal === 1 && r.queueType === 'quorum' ? result(1, 'quorum', false, 'timed out') : r));
    expect(check.evaluate(results)).toEqual({ ok: false, reason: 'rabbit-1@localhost quorum get: timed out' });
  });

  it('lists every failed probe and says "failed" when there is no error text', () => {
    const results = [result(0, 'classic', false, 'ACCESS_REFUSED'), result(0, 'quorum', true), result(2, 'classic', false)];
    expect(check.evaluate(results)).toEqual({
      ok: false,
      reason: 'rabbit-0@localhost classic get: ACCESS_REFUSED; rabbit-2@localhost classic get: failed',
    });
  });

  it('is not ok with no result at all', () => {
    expect(check.evaluate([])).toEqual({ ok: false, reason: 'no node to probe' });
  });
});
