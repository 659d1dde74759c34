import { LateMemberConsumerCheck } from '../src/checks/late-member-consumer-check.js';
import { QueueDeclaredWhileMemberDownFault } from '../src/faults/queue-declared-while-member-down-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

const fault = new QueueDeclaredWhileMemberDownFault();

/** A quorum queue declared while its third member's pod is down; that member returns and leads with a consumer attached. */
export const queueDeclaredWhileMemberDown = defineScenario({
  name: 'queue-declared-while-member-down',
  description: 'a quorum queue declared while one of its members is down; the member returns and is made leader with a consumer attached',
  fault,
  methods: [method(Recoveries.none(), Expect.recovers())],
  checks: { verify: [new LateMemberConsumerCheck(fault)] },
});
