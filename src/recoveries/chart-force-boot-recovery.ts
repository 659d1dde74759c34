import { ForceBootRecovery } from './force-boot-recovery.js';

/** Field notes, method 1: `helm upgrade --set clustering.forceBoot=true`, then delete the pod that is starting. */
export class ChartForceBootRecovery extends ForceBootRecovery {
  constructor() {
    super({
      name: 'chart-force-boot',
      description: "the chart's force boot (clustering.forceBoot=true), then delete the pod that is stuck starting",
      via: 'chart-values',
      deletes: 'stuck',
      removeAfterwards: false,
    });
  }
}
