import { ScaleDownFault } from '../src/faults/scale-down-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/** Nobody told RabbitMQ: pods 1 and 2 are still members, and every quorum queue lost its majority. */
const MAJORITY_LOST = Expect.staysDown('removed-nodes-still-members', 'quorum-queue-unavailable');
/**
 * Khepri: the metadata store lost its majority too, so every store write of the method (force-shrink, forget) goes
 * unanswered for 30 s; RabbitMQ carries some of them out later, and at the end a removed node is still a member.
 */
const STORE_MAJORITY_LOST = Expect.staysDown('removed-nodes-still-members');

/**
 * Scale-down: replicas 3 → 1 (a `helm upgrade` with a smaller replica count). Kubernetes removes pods 2 and 1 and
 * keeps their PVCs; RabbitMQ keeps their nodes as members. Checks after it are taken on the pods meant to serve (pod 0
 * alone, unless the method scales back).
 *
 * From runs of 2026-12-01 (`npm run scenario scale-down -- --rabbitmq …`, reports /tmp/sd/<release>):
 * - none: pod 0 serves classic queues, but no quorum queue has a leader (1 of 3 members) on every release.
 * - scale-back: the pods return on their kept volumes and rejoin; every message is kept.
 * - forget-removed-nodes: 3.10.8 has no way to shrink a quorum queue that lost its majority (`shrink` needs a
 *   leader, and the disaster-recovery force-shrink is absent from 3.10.8): quorum queues stay without a leader. 4.0.5 on
 *   Mnesia force-shrinks them and forgets the nodes, and pod 0 serves again, but `forget_cluster_node` deletes the
 *   classic queues that lived on the forgotten nodes, with their messages: the topology did not come back. On Khepri
 *   (4.0.5, 4.3.6) each call goes unanswered for 30 s, the metadata store having no majority either; RabbitMQ then
 *   carries some out (4.3.6: pod 0 served quorum queues again after 101 s, queues of the removed nodes deleted), but a
 *   removed node is still a member when the drill ends (and on 4.0.5 the method outlasted the 120 s deadline).
 */
export const scaleDown = defineScenario({
  name: 'scale-down',
  description: 'helm upgrade with replicaCount 1: every pod but pod 0 is terminated, their nodes stay cluster members',
  fault: new ScaleDownFault(1),
  methods: [
    method(Recoveries.none(), MAJORITY_LOST),
    method(Recoveries.scaleBack(), Expect.recovers()),
    method(
      Recoveries.forgetRemovedNodes(),
      Expect.byRelease({
        '3.10/mnesia': Expect.staysDown('quorum-queue-unavailable'),
        '4.0/mnesia': Expect.staysDown('queues-removed-with-node'),
        '4.0/khepri': STORE_MAJORITY_LOST,
        '4.3/khepri': STORE_MAJORITY_LOST,
      }),
    ),
  ],
});
