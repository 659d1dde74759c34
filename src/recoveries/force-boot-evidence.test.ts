import { execa } from 'execa';
import { mkdtemp, rm, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diagnose } from '../checks/log-signatures.js';
import { FORCE_BOOT_MARKER, forceBootLine } from '../platforms/force-boot-command.js';
import { Recoveries } from '../scenarios/methods.js';
import { forceBootRan } from './force-boot-recovery.js';
import type { Recovery } from './recovery.js';

/**
 * On Khepri, `rabbitmqctl force_boot` prints nothing and exits 0 (measured on 4.3.6 and 4.0.5) but writes no
 * force_load: the force-boot methods run for real there, and their evidence must say the call changed nothing.
 */
describe('force_boot evidence', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  /** Runs the pod script's force_boot line with a stand-in rabbitmqctl that writes force_load or not. */
  async function runLine(writes: boolean): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'force-boot-line-'));
    dirs.push(dir);
    const dataDir = join(dir, 'rabbit-0@localhost');
    await mkdir(dataDir);
    const ctl = join(dir, 'rabbitmqctl');
    await writeFile(ctl, `#!/bin/sh\n${writes ? `touch "${dataDir}/force_load"\n` : ''}exit 0\n`);
    await chmod(ctl, 0o755);
    const result = await execa('/bin/sh', ['-c', forceBootLine(ctl)], { env: { RABBITMQ_MNESIA_BASE: dir, RABBITMQ_NODENAME: 'rabbit-0@localhost' }, extendEnv: false });
    return result.stdout;
  }

  it('the pod script reports whether force_boot left a force_load file', async () => {
    expect(await runLine(true)).toBe('warren: force_boot exit code 0, force_load written');
    expect(await runLine(false)).toBe('warren: force_boot exit code 0, force_load absent');
  });

  it('force-boot-ran fails for a force_boot that exited 0 and wrote nothing (negative control), passes for one that wrote force_load', async () => {
    const noOp = [...(await runLine(false)).matchAll(FORCE_BOOT_MARKER)].map((match) => ({ ordinal: 0, exitCode: Number(match[1]), forceLoadWritten: match[2] === 'written', output: match[0] }));
    const check = forceBootRan(noOp);
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/no-op/);
    const real = forceBootRan([{ ordinal: 0, exitCode: 0, forceLoadWritten: true, output: '' }]);
    expect(real).toEqual({ name: 'force-boot-ran', ok: true });
  });

  it('force-boot-ran fails when no pod ran force_boot or one failed', () => {
    expect(forceBootRan([]).ok).toBe(false);
    expect(forceBootRan([{ ordinal: 1, exitCode: 2, output: '' }]).reason).toContain('exit 2');
  });

  it('the no-op is a named diagnosis, found in the container log', async () => {
    expect(diagnose('rabbit-0', await runLine(false)).map((found) => found.signature)).toContain('force-boot-no-op');
    expect(diagnose('rabbit-0', await runLine(true)).map((found) => found.signature)).not.toContain('force-boot-no-op');
  });

  it('no recovery declares itself not applicable on Khepri by assumption: each runs, and its evidence decides', () => {
    for (const make of Object.values(Recoveries)) {
      // update-secret takes where it learns the current password; nothing else takes an argument.
      const recovery: Recovery = (make as (currentPassword: () => undefined) => Recovery)(() => undefined);
      // The one exception is no assumption: migrating Mnesia to Khepri has nothing to do on a store the node reports as
      // Khepri already (the khepri_db flag, read by the drill).
      if (recovery.name === 'migrate-to-khepri-first') {
        expect(recovery.notApplicable?.({ version: '4.3.6', metadataStore: 'khepri' })).toMatch(/already runs on Khepri/);
        continue;
      }
      expect(recovery.notApplicable?.({ version: '4.3.6', metadataStore: 'khepri' }), recovery.name).toBeUndefined();
    }
  });
});
