import { DistributionBlipFault } from '../src/faults/distribution-blip-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/**
 * A blip of the Erlang distribution link between pod 0 and pod 1. What each release does with it is the finding.
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
