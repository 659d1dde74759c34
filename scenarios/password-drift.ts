import { PasswordDriftFault } from '../src/faults/password-drift-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

const REFUSED = Expect.staysDown('access-refused');

/**
 * Password drift: the default user's password changed inside RabbitMQ while the Secret keeps the old one. Every
 * login with the Secret is refused (the readiness probe's too), on every node at once; the data is intact.
 *
 * Every cell from a run of 2026-12-01 (`npm run scenario password-drift -- --rabbitmq …`, reports /tmp/pd/<release>):
 * on 3.10.8, 4.0.5 (both stores) and 4.3.6 none stays down with ACCESS_REFUSED on every node, and restore-password
 * recovers every message 1.6–3.2 s after the change. update-secret (the Secret's side, pods restarted lowest first)
 * recovered every message on every release 14.0–21.6 s after the change (/tmp/us/<release>).
 */
const drift = new PasswordDriftFault();

export const passwordDrift = defineScenario({
  name: 'password-drift',
  description: "the default user's password changed inside RabbitMQ (rabbitmqctl change_password) while the Secret keeps the old one",
  fault: drift,
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': REFUSED, '4.3/khepri': REFUSED })),
    method(Recoveries.restorePassword(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.recovers(), '4.3/khepri': Expect.recovers() })),
    method(Recoveries.updateSecret((runId, secret) => drift.driftedCredentials(runId, secret)), Expect.recovers()),
  ],
});
