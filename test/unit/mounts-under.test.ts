import { execa } from 'execa';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountsUnder } from '../support/leftovers.js';

/** The leftover-mount check the interrupt tests rely on must see a real mount (it runs as root, as CI does). */
describe.runIf(process.getuid?.() === 0)('mountsUnder', () => {
  it('finds a tmpfs mounted under a directory (negative control), and nothing once it is unmounted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mounts-under-'));
    const point = join(dir, 'layer');
    await mkdir(point);
    try {
      expect(mountsUnder(dir)).toEqual([]);
      await execa('mount', ['-t', 'tmpfs', 'warren-layer', point]);
      try {
        expect(mountsUnder(dir)).toHaveLength(1);
      } finally {
        await execa('umount', [point]);
      }
      expect(mountsUnder(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
