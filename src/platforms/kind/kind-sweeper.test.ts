import { describe, expect, it } from 'vitest';
import type { CommandRunner } from './command-runner.js';
import { KindCli } from './kind-cli.js';
import { sweepKindClusters } from './kind-sweeper.js';

function kindWith(clusters: string[]) {
  const calls: string[][] = [];
  const run: CommandRunner = async (file, args) => {
    calls.push([file, ...args]);
    if (args[0] === 'get') return { exitCode: 0, stdout: `${clusters.join('\n')}\n`, stderr: '' };
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  return { kind: new KindCli(run), calls };
}

describe('sweepKindClusters', () => {
  const clusters = ['warren', 'warren-ab12cd34', 'warren-ffff0000', 'prod', 'kind', 'warrenish'];

  it('--run deletes only warren-<run id>', async () => {
    const { kind, calls } = kindWith(clusters);
    expect(await sweepKindClusters(kind, 'AB12CD34')).toEqual(['warren-ab12cd34']);
    expect(calls.filter((c) => c[1] === 'delete')).toEqual([['kind', 'delete', 'cluster', '--name', 'warren-ab12cd34']]);
  });

  it('--all deletes every warren cluster and nothing else', async () => {
    const { kind, calls } = kindWith(clusters);
    expect(await sweepKindClusters(kind, 'all')).toEqual(['warren', 'warren-ab12cd34', 'warren-ffff0000']);
    const deleted = calls.filter((c) => c[1] === 'delete').map((c) => c.at(-1));
    expect(deleted).not.toContain('prod');
    expect(deleted).not.toContain('warrenish');
  });

  it('deletes nothing for an unknown run', async () => {
    const { kind, calls } = kindWith(clusters);
    expect(await sweepKindClusters(kind, 'nope')).toEqual([]);
    expect(calls.some((c) => c[1] === 'delete')).toBe(false);
  });
});
