import { fullShutdown } from '../../scenarios/full-shutdown.js';
import type { Scenario } from './scenario.js';

/** Scenario name = registry key = file name under scenarios/. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([[fullShutdown.name, fullShutdown]]);
