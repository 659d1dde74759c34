import { ForceBootRecovery } from './force-boot-recovery.js';

/**
 * Field notes, method 2: `kubectl edit statefulset` to run `rabbitmqctl force_boot` before the server, delete
 * every pod once, and once all pods are back remove the line again (which restarts them one by one).
 */
export class StatefulSetForceBootRecovery extends ForceBootRecovery {
  constructor() {
    super({
      name: 'statefulset-force-boot',
      description: 'add `rabbitmqctl force_boot` to the StatefulSet command, delete every pod once, remove it again',
      via: 'statefulset-command',
      deletes: 'every',
      removeAfterwards: true,
    });
  }
}
