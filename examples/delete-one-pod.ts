/**
 * A drill of your own, written against warren's public API: `npx warren scenario ./examples/delete-one-pod.ts`.
 *
 * The outage: `kubectl delete pod rabbitmq-0` while the other pods run (a node drained for maintenance, an
 * evicted pod). The StatefulSet recreates the pod on its volume; the hypothesis is that it rejoins by itself and
 * no confirmed message is lost.
 */
import { defineScenario, Expect, irreversible, method, need, Recoveries, type ActiveFault, type Check, type DrillContext, type ExecResult, type Fault } from 'warren';

/** Deletes one pod gracefully (SIGTERM, then SIGKILL after the grace period); the StatefulSet recreates it. */
class DeleteOnePodFault implements Fault {
  readonly name = 'delete-one-pod';
  readonly description = 'kubectl delete pod rabbitmq-0 while the other pods run; the StatefulSet recreates it on its volume';
  // Deleting a pod is a StatefulSet operation: a platform without one reports this drill not-applicable.
  readonly requires = ['statefulset'] as const;

  async inject(context: DrillContext): Promise<ActiveFault> {
    context.mark('deleting pod 0');
    await need(context.cluster, 'statefulset').deletePod(0);
    context.mark('pod 0 deleted; the StatefulSet recreates it');
    return irreversible;
  }
}

/** A check of your own, beside warren's: RabbitMQ's own health check on the recreated pod. */
const recreatedPodRuns: Check<ExecResult> = {
  name: 'pod-0-check-running',
  observe: (context) => context.cluster.exec(0, 'rabbitmq-diagnostics', ['-q', 'check_running'], { timeoutMs: 30_000 }),
  evaluate: (result) => (result.exitCode === 0 ? { ok: true } : { ok: false, reason: `check_running exited ${result.exitCode}: ${result.stderr.trim()}` }),
};

export default defineScenario({
  name: 'delete-one-pod',
  description: 'one pod deleted while the others run: it must rejoin by itself with every message',
  fault: new DeleteOnePodFault(),
  methods: [
    // Expectations per release, each from a real run (see the README's "Write your own drill").
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
  ],
  checks: { verify: [recreatedPodRuns] },
});
