import { ScaleDownFault } from '../src/faults/scale-down-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/**
 * Scale-down: replicas 3 → 1 (a `helm upgrade` with a smaller replica count). The removed nodes stay cluster members,
 * and quorum queues with members on them lose their majority.
 */
export const scaleDown = defineScenario({
  name: 'scale-down',
  description: 'helm upgrade with replicaCount 1 on a cluster of 3: pods 2 and 1 are terminated, their nodes stay members',
  fault: new ScaleDownFault(1),
  methods: [
    method(Recoveries.none(), Expect.staysDown('removed-nodes-still-members')),
    method(Recoveries.scaleBack(), Expect.recovers()),
    method(Recoveries.forgetRemovedNodes(), Expect.recoversMessagesLost()),
  ],
});
