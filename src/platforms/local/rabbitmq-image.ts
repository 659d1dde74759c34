import { getuid } from 'node:process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RabbitMqSeries } from '../../core/rabbitmq-release.js';
import { EnvironmentError } from '../../common/errors.js';

/** Where `scripts/rabbitmq-rootfs.sh` builds each series' root filesystem (`<cache>/<series>`), unless overridden. */
export const DEFAULT_ROOTFS_CACHE = '/var/cache/warren/rootfs';

/**
 * What a pod's container runs from, like a container image: the host's own Debian package (3.10), or a root
 * filesystem built once per machine from Debian's packages of another suite (4.0 from trixie, 4.3 from forky).
 */
export interface RabbitMqImage {
  series: RabbitMqSeries;
  /** The root filesystem, or undefined for the host's package. */
  rootfs: string | undefined;
  /** The package versions the root filesystem was built with (its marker), e.g. `4.3.6-1`; undefined on the host. */
  packages?: { rabbitmq: string; erlang: string };
}

/** The marker `scripts/rabbitmq-rootfs.sh` writes last: a root filesystem without it is incomplete. */
interface RootfsMarker {
  version: string;
  rabbitmqPackage: string;
  erlangPackage: string;
}

/**
 * Finds the image of `series`: the host's package for 3.10, else the root filesystem setup built.
 * @throws EnvironmentError (one line, what to run) when the root filesystem is missing or incomplete, or when warren
 *   is not root (a mount namespace and chroot need CAP_SYS_ADMIN).
 */
export async function findImage(series: RabbitMqSeries, cache = process.env.WARREN_ROOTFS_CACHE ?? DEFAULT_ROOTFS_CACHE): Promise<RabbitMqImage> {
  if (series === '3.10') return { series, rootfs: undefined };
  const rootfs = join(cache, series);
  const marker = await readFile(join(rootfs, '.warren-rootfs.json'), 'utf8').then(
    (text) => JSON.parse(text) as RootfsMarker,
    () => undefined,
  );
  if (marker?.version !== series) {
    throw new EnvironmentError(`RabbitMQ ${series} is not installed here (no complete root filesystem in ${rootfs}): run bash scripts/setup.sh --rabbitmq ${series}`);
  }
  if (getuid?.() !== 0) {
    throw new EnvironmentError(`RabbitMQ ${series} runs from its root filesystem in a private mount namespace (unshare, chroot), which needs root: run warren as root`);
  }
  return { series, rootfs, packages: { rabbitmq: marker.rabbitmqPackage, erlang: marker.erlangPackage } };
}

/**
 * Enters the image: a private mount namespace (every mount below vanishes with its last process, so nothing is
 * ever left mounted on the host), a per-process writable layer over the read-only root filesystem (overlayfs on a
 * tmpfs, as a container's layer), the run directory bound at the same path inside (so every path warren gives a
 * node means the same inside and out), /proc and /dev, then chroot. Each step execs the next: the command keeps
 * the pid warren started.
 */
const ENTER_SCRIPT = [
  'set -e',
  'root=$1 run=$2 scratch=$3; shift 3',
  'mount -t tmpfs -o mode=0755 warren-layer "$scratch"',
  'mkdir "$scratch/upper" "$scratch/work" "$scratch/root"',
  'mount -t overlay -o "lowerdir=$root,upperdir=$scratch/upper,workdir=$scratch/work" warren-image "$scratch/root"',
  'mkdir -p "$scratch/root$run"',
  'mount --bind "$run" "$scratch/root$run"',
  'mount -t proc proc "$scratch/root/proc"',
  'mount --rbind /dev "$scratch/root/dev"',
  'exec chroot "$scratch/root" "$@"',
].join('\n');

/** Under the run directory: the mount point of each process's private layer (empty on the host, always). */
export function layerMountPoint(runDir: string): string {
  return join(runDir, '.image');
}

/**
 * The argv that runs `argv` inside `image` for the run in `runDir` (argv itself for the host's package). Paths in
 * argv and in the environment mean the same inside: only the run directory and the image's files are visible.
 */
export function imageCommand(image: RabbitMqImage, runDir: string, argv: readonly [string, ...string[]]): [string, ...string[]] {
  if (image.rootfs === undefined) return [...argv];
  return ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', ENTER_SCRIPT, 'warren-image', image.rootfs, runDir, layerMountPoint(runDir), ...argv];
}
