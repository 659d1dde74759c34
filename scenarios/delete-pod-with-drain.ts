import { DeletePodWithDrainFault } from '../src/faults/delete-pod-with-drain-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

const NO_MIRRORING = Expect.notApplicable('classic queue mirroring was removed in RabbitMQ 4.0 (rabbitmq.com/docs/3.13/ha)');

/**
 * One pod deleted with the Cluster Operator's preStop drain, the ledger's classic queues mirrored on every node (3.x
 * only: classic queue mirroring is gone from 4.0).
 *
 * From runs of 2026-12-01 (`npm run scenario delete-pod-with-drain -- --rabbitmq …`): on 3.10.8 (/tmp/dr/310b) each
 * preStop step exits 0 in about 1 s; the drain moves the quorum queue leaders off pod 0 but leaves the classic
 * mirrored queue's master there (a synchronised mirror takes over when the pod stops); the recreated node resets its
 * maintenance status on boot and serves again: put/get everywhere 16.5 s after the fault, 400 of 400 messages back.
 * On 4.0.5 (both stores) and 4.3.6 the drill reports not applicable from the node's version (/tmp/dr/40mnesia,
 * /tmp/dr/40khepri, /tmp/dr/43).
 */
export const deletePodWithDrain = defineScenario({
  name: 'delete-pod-with-drain',
  description: "kubectl delete pod 0 with the Cluster Operator's preStop (rabbitmq-upgrade drain), the ledger's classic queues mirrored on every node",
  fault: new DeletePodWithDrainFault(0),
  methods: [method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': NO_MIRRORING, '4.0/khepri': NO_MIRRORING, '4.3/khepri': NO_MIRRORING }))],
});
