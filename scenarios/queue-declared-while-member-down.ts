import { LateMemberConsumerCheck } from '../src/checks/late-member-consumer-check.js';
import { QueueDeclaredWhileMemberDownFault } from '../src/faults/queue-declared-while-member-down-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

const fault = new QueueDeclaredWhileMemberDownFault();

/**
 * A quorum queue declared while its third member's pod is down; that member returns and leads with a consumer attached
 * (the field's report: rabbitmq-server PR #8630, issue #15725). The scenario's own check, `late-member-consumer`, says
 * whether the consumer got every confirmed message once the late member led.
 *
 * Every cell from a run of 2026-12-01 (`npm run scenario queue-declared-while-member-down -- --rabbitmq …`, reports
 * /tmp/qd/<release>): on 3.10.8, 4.0.5 (both stores) and 4.3.6 Ra leaves the down node's member unstarted at declaration
 * (`1 servers failed to start`), RabbitMQ starts it when the node boots (4.x logs `Starting member as a new one`), the
 * leadership transfer to it answers `ok`, and the consumer receives 200 of 200 confirmed messages and a probe: put/get
 * everywhere 8.9–12.7 s after the fault began, every ledger message kept. The same on every release at HEAD, with the
 * queue declared for every node (`x-quorum-initial-group-size`) and the check asking that the late member led: /tmp/qd3/<release>,
 * 9.3–10.6 s.
 */
export const queueDeclaredWhileMemberDown = defineScenario({
  name: 'queue-declared-while-member-down',
  description: 'a quorum queue declared while one of its members is down; the member returns and is made leader with a consumer attached',
  fault,
  methods: [method(Recoveries.none(), Expect.recovers())],
  checks: { verify: [new LateMemberConsumerCheck(fault)] },
});
