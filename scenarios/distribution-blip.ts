import { DistributionBlipFault } from '../src/faults/distribution-blip-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/**
 * A blip of the Erlang distribution link between pod 0 and pod 1. What each release does with it is the finding.
 * Every cell from a run of 2026-12-01 (`npm run scenario distribution-blip -- --rabbitmq …`, reports /tmp/db/<release>):
 * - Mnesia (3.10.8, 4.0.5): the nodes reconnect within ~2 s and Mnesia logs `inconsistent_database,
 *   running_partitioned_network` on every node; each node then sees only itself running and `cluster_status` lists a
 *   partition (RabbitMQ's default `cluster_partition_handling`, ignore, keeps it). On 4.0.5 put/get through every node
 *   worked again 2.1 s after the blip: only the membership check shows the partition. Restarting the pods that report
 *   one (1 and 2, trusting 0) recovers every message (3.10: 21.8 s, 4.0: 16.7 s).
 * - Khepri (4.0.5, 4.3.6): nothing to recover from: put/get worked 2.3 s / 2.8 s after the blip, no partition, every
 *   message kept; restart-partitioned-pods finds no partition and deletes nothing.
 */
export const distributionBlip = defineScenario({
  name: 'distribution-blip',
  description: 'the Erlang distribution link between pod 0 and pod 1 drops for a moment (erlang:disconnect_node/1), then reconnects by itself',
  fault: new DistributionBlipFault(),
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('network-partition'), '4.0/mnesia': Expect.staysDown('network-partition'), '4.0/khepri': Expect.recovers(), '4.3/khepri': Expect.recovers() })),
    method(Recoveries.restartPartitionedPods(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.recovers(), '4.3/khepri': Expect.recovers() })),
  ],
});
