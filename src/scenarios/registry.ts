import { deleteAllPods } from '../../scenarios/delete-all-pods.js';
import { fullShutdown } from '../../scenarios/full-shutdown.js';
import { mismatchedCookie } from '../../scenarios/mismatched-cookie.js';
import type { Scenario } from './scenario.js';

/** Scenario name = registry key = file name under scenarios/. Variants hang off their scenario. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([fullShutdown, deleteAllPods, mismatchedCookie].map((scenario) => [scenario.name, scenario]));
