import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../common/errors.js';
import { findImage, imageCommand } from './rabbitmq-image.js';

describe('findImage', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const emptyCache = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rootfs-cache-'));
    dirs.push(dir);
    return dir;
  };

  it('3.10 is the host package: no root filesystem, the command unchanged', async () => {
    const image = await findImage('3.10', await emptyCache());
    expect(image.rootfs).toBeUndefined();
    expect(imageCommand(image, '/tmp/warren-x', ['/bin/sh', '-c', 'true'])).toEqual(['/bin/sh', '-c', 'true']);
  });

  it('a missing root filesystem is an EnvironmentError naming the setup command', async () => {
    const cache = await emptyCache();
    await expect(findImage('4.3', cache)).rejects.toThrow(EnvironmentError);
    await expect(findImage('4.3', cache)).rejects.toThrow(/run bash scripts\/setup\.sh --rabbitmq 4\.3$/);
  });

  it('an incomplete one (no marker, or another series in it) counts as missing', async () => {
    const cache = await emptyCache();
    await mkdir(join(cache, '4.0'));
    await expect(findImage('4.0', cache)).rejects.toThrow(/not installed here/);
    await writeFile(join(cache, '4.0', '.warren-rootfs.json'), JSON.stringify({ version: '4.3', rabbitmqPackage: 'x', erlangPackage: 'y' }));
    await expect(findImage('4.0', cache)).rejects.toThrow(/not installed here/);
  });

  it.runIf(process.getuid?.() === 0)('a complete one enters through a private mount namespace and chroot, keeping the argv', async () => {
    const cache = await emptyCache();
    await mkdir(join(cache, '4.3'));
    await writeFile(join(cache, '4.3', '.warren-rootfs.json'), JSON.stringify({ version: '4.3', rabbitmqPackage: '4.3.6-1', erlangPackage: '1:29.1.1' }));
    const image = await findImage('4.3', cache);
    expect(image.packages).toEqual({ rabbitmq: '4.3.6-1', erlang: '1:29.1.1' });
    const argv = imageCommand(image, '/tmp/warren-x', ['/bin/sh', '-c', 'true']);
    expect(argv.slice(0, 4)).toEqual(['unshare', '--mount', '--propagation', 'private']);
    expect(argv.slice(-3)).toEqual(['/bin/sh', '-c', 'true']);
    expect(argv).toContain(join(cache, '4.3'));
    expect(argv.join(' ')).toContain('chroot');
  });
});
