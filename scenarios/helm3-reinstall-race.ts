import { Helm3ReinstallRaceFault } from '../src/faults/helm3-reinstall-race-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';
import { KHEPRI_DEADLOCK, MNESIA_DEADLOCK } from './release-outcomes.js';

/**
 * Mnesia: pod 0 boots alone only if it stopped last. Measured on 3.10.8 (2026-12-01, `npm run scenario
 * helm3-reinstall-race -- --repeat 5`, report /tmp/h3r310): none recovered in 2 of 5, exactly the two attempts whose
 * stop order had pod 0 among the last seen gone; the three others deadlocked waiting for tables. 4.0.5/mnesia the
 * same (`-- --rabbitmq 4.0 --methods none --repeat 5`, /tmp/h3r/40m-none): 2 of 5, both with pod 0 stopped last.
 * The other methods on 4.0.5/mnesia: /tmp/h3r/40m (recovered, 0 lost).
 *
 * Khepri (4.3.6: /tmp/h3r/43; 4.0.5/khepri: /tmp/h3r/40k; `-- --rabbitmq 4.3` / `-- --rabbitmq 4.0 --metadata-store
 * khepri`, 2026-12-01): no race. Whoever stopped last (pod 0 in three of the 4.3 drills), a lone pod 0 has no Raft
 * majority: none and the force boots deadlock on timeout_waiting_for_leader; Parallel recovers every message.
 */
const MNESIA_RACE = Expect.race('which node stopped last: pod 0 boots alone only if it did', Expect.recovers(), MNESIA_DEADLOCK);

/**
 * Helm 3 reinstall: `helm uninstall` deletes every pod at once, then `helm install` reuses the PVCs and the same
 * Secret. Which node stopped last is a race; on Mnesia only that node may boot alone, and OrderedReady starts pod 0
 * first. Drill it with `--repeat 5`.
 */
export const helm3ReinstallRace = defineScenario({
  name: 'helm3-reinstall-race',
  description: 'helm uninstall (Helm 3: every pod deleted at once, PVCs kept), then helm install with the same Secret',
  fault: new Helm3ReinstallRaceFault(),
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': MNESIA_RACE, '4.0/mnesia': MNESIA_RACE, '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.recovers(), '4.3/khepri': Expect.recovers() })),
  ],
});
