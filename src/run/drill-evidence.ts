import { diagnose } from '../checks/log-signatures.js';
import type { Diagnosis, MethodReport } from '../core/journal.js';
import type { StartedCluster } from '../core/platform.js';

/**
 * Named signatures in every node's log and in what clients were told (put/get errors, CLI output in check
 * reasons), each with its first line as evidence.
 */
export async function diagnoseEverything(cluster: StartedCluster, report: MethodReport): Promise<void> {
  const found: Diagnosis[] = [];
  for (const node of cluster.nodes) found.push(...diagnose(node.nodeName, await cluster.readLog(node.ordinal)));
  for (const result of report.putGet) if (result.error) found.push(...diagnose(result.node, result.error, { source: 'client' }));
  // Not the force-* evidence: their reasons are warren's words about files and markers ("force_load never read"),
  // which the force-load signature would misread as tables force-loaded (measured on 4.3.6).
  for (const check of report.checks) if (check.reason && !check.name.startsWith('force-')) found.push(...diagnose(check.name, check.reason, { source: 'client' }));
  // One entry per signature, node and source: the count says how often.
  for (const diagnosis of found) {
    const same = report.diagnoses.find((d) => d.signature === diagnosis.signature && d.node === diagnosis.node && d.source === diagnosis.source);
    if (same) same.count += diagnosis.count;
    else report.diagnoses.push(diagnosis);
  }
}

/** The pods as they ended, diagnoses if none yet, and every node's log copied (redacted) into the report. */
export async function collectEvidence(cluster: StartedCluster, report: MethodReport, logDir: string, reportDir: string): Promise<void> {
  report.pods = cluster.status().map(({ ordinal, nodeName, phase, restarts, bootFailures }) => ({ ordinal, nodeName, phase, restarts, bootFailures }));
  if (report.diagnoses.length === 0) await diagnoseEverything(cluster, report);
  const files = await cluster.collectLogs(logDir);
  report.logs.push(...files.map((file) => file.slice(reportDir.length + 1)));
}
