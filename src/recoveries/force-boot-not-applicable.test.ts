import { describe, expect, it } from 'vitest';
import { Recoveries } from '../scenarios/methods.js';
import { ChartForceBootRecovery } from './chart-force-boot-recovery.js';
import { ForceLoadFileRecovery } from './force-load-file-recovery.js';
import { forceBootNotApplicable } from './force-load.js';
import type { RabbitMqInfo, Recovery } from './recovery.js';
import { StatefulSetForceBootRecovery } from './statefulset-force-boot-recovery.js';

const KHEPRI: RabbitMqInfo = { version: '4.2.0', metadataStore: 'khepri' };
/** Debian's rabbitmq-server 3.10.8: Mnesia only. */
const DEBIAN_MNESIA: RabbitMqInfo = { version: '3.10.8', metadataStore: 'mnesia' };

/** Every recovery whose mechanism is force_boot or the force_load file Mnesia reads at boot. */
const FORCE_BOOT_BASED: [string, () => Recovery][] = [
  ['chart-force-boot', () => new ChartForceBootRecovery()],
  ['statefulset-force-boot', () => new StatefulSetForceBootRecovery()],
  ['force-load-file', () => new ForceLoadFileRecovery()],
];

describe('forceBootNotApplicable', () => {
  it('is not applicable on Khepri, with a reason naming Khepri and the version', () => {
    const reason = forceBootNotApplicable(KHEPRI);
    expect(reason).toBeDefined();
    expect(reason).toContain('Khepri');
    expect(reason).toContain('4.2.0');
    expect(reason).toMatch(/force_boot/);
    expect(reason).toMatch(/force_load/);
  });

  it('is applicable (undefined) on Mnesia', () => {
    expect(forceBootNotApplicable(DEBIAN_MNESIA)).toBeUndefined();
    expect(forceBootNotApplicable({ version: '3.13.7', metadataStore: 'mnesia' })).toBeUndefined();
  });

  it('still refuses Khepri when the version is unknown, and says so', () => {
    const reason = forceBootNotApplicable({ version: null, metadataStore: 'khepri' });
    expect(reason).toContain('Khepri');
    expect(reason).toContain('RabbitMQ ?');
  });

  it('does not refuse when the metadata store could not be read', () => {
    expect(forceBootNotApplicable({ version: '4.2.0', metadataStore: null })).toBeUndefined();
  });
});

describe.each(FORCE_BOOT_BASED)('%s.notApplicable', (name, make) => {
  it('is the recovery it claims to be', () => {
    expect(make().name).toBe(name);
  });

  it('is not applicable on Khepri 4.2.0, naming Khepri and the version', () => {
    const reason = make().notApplicable?.(KHEPRI);
    expect(reason).toBeDefined();
    expect(reason).toContain('Khepri');
    expect(reason).toContain('4.2.0');
    expect(reason).toBe(forceBootNotApplicable(KHEPRI));
  });

  it("is applicable on Debian's 3.10.8 (Mnesia)", () => {
    const recovery = make();
    expect(recovery.notApplicable).toBeTypeOf('function');
    expect(recovery.notApplicable!(DEBIAN_MNESIA)).toBeUndefined();
  });
});

describe('the recovery catalogue', () => {
  it('refuses Khepri for exactly the force-boot-based recoveries', () => {
    const refusing = Object.values(Recoveries)
      .map((make): Recovery => make())
      .filter((recovery) => recovery.notApplicable?.(KHEPRI) !== undefined)
      .map((recovery) => recovery.name)
      .sort();
    expect(refusing).toEqual(FORCE_BOOT_BASED.map(([name]) => name).sort());
  });

  it('refuses nothing on Mnesia 3.10.8', () => {
    for (const make of Object.values(Recoveries)) {
      const recovery: Recovery = make();
      expect(recovery.notApplicable?.(DEBIAN_MNESIA), recovery.name).toBeUndefined();
    }
  });
});
