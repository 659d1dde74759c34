import { DeletePodWithDrainFault } from '../src/faults/delete-pod-with-drain-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

const NO_MIRRORING = Expect.notApplicable('classic queue mirroring was removed in RabbitMQ 4.0 (rabbitmq.com/docs/3.13/ha)');

/** One pod deleted with the Cluster Operator's preStop drain, the ledger's classic queues mirrored (3.x only). */
export const deletePodWithDrain = defineScenario({
  name: 'delete-pod-with-drain',
  description: "kubectl delete pod 0 with the Cluster Operator's preStop (rabbitmq-upgrade drain), classic queues mirrored on every node",
  fault: new DeletePodWithDrainFault(0),
  methods: [method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': NO_MIRRORING, '4.0/khepri': NO_MIRRORING, '4.3/khepri': NO_MIRRORING }))],
});
