import { deleteAllPods } from './delete-all-pods.js';
import { deletePodWithDrain } from './delete-pod-with-drain.js';
import { distributionBlip } from './distribution-blip.js';
import { freshFormation } from './fresh-formation.js';
import { fullShutdown } from './full-shutdown.js';
import { helm3ReinstallRace } from './helm3-reinstall-race.js';
import { mismatchedCookie } from './mismatched-cookie.js';
import { passwordDrift } from './password-drift.js';
import { queueDeclaredWhileMemberDown } from './queue-declared-while-member-down.js';
import { scaleDown } from './scale-down.js';
import { upgrade } from './upgrade.js';
import type { Scenario } from '../src/scenarios/scenario.js';

/** Scenario name = registry key = file name under scenarios/. Variants hang off their scenario. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([fullShutdown, deleteAllPods, mismatchedCookie, helm3ReinstallRace, passwordDrift, distributionBlip, freshFormation, scaleDown, queueDeclaredWhileMemberDown, deletePodWithDrain, upgrade].map((scenario) => [scenario.name, scenario]));
