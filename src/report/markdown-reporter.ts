import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PutGetResult } from '../core/journal.js';
import type { ErrorRecord } from '../common/errors.js';
import { drillLabel, expectationText, type MessageCounts, type MethodOutcome, type MethodReport, type RunOutcome, type RunReport } from '../core/journal.js';

const NONE = '—';


export function outcomeText(outcome: MethodOutcome): string {
  switch (outcome) {
    case 'recovered':
      return 'recovered';
    case 'not-recovered':
      return 'not recovered';
    case 'not-applicable':
      return 'not applicable';
    case 'error':
      return 'error (harness)';
    case 'interrupted':
      return 'interrupted';
  }
}

/** Milliseconds as seconds with one decimal: `18.2`. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

/** The runbook view of a run: what was done, what happened, and the evidence, for the person who owns the procedure. */
export function renderMarkdown(report: RunReport): string {
  const out: string[] = [];
  out.push(`# ${inline(report.scenario)} on ${report.platform}: ${runOutcomeText(report.outcome)}`, '');
  if (report.description) out.push(inline(report.description), '');
  out.push(
    `- **Outcome:** ${runOutcomeText(report.outcome)}${methodTally(report.methods, report.repeat)}`,
    `- **Scenario:** ${inline(report.scenario)}`,
    `- **Platform:** ${report.platform}`,
    `- **RabbitMQ:** ${rabbitMqText(report.rabbitmq)}`,
    `- **Nodes:** ${report.nodes}, start policy ${report.startPolicy}`,
    `- **Date:** ${dateText(report.startedAt)} (run took ${seconds(report.durationMs)} s)`,
    `- **Run id:** ${codeSpan(report.runId)} · warren ${inline(report.tool.version)}`,
  );
  if (report.error !== undefined) out.push(`- **Run error:** ${errorText(report.error)}`);
  out.push('');

  out.push('## Settings', '');
  out.push(
    ...table(
      ['Setting', 'Value'],
      [
        ['Mnesia table wait retry timeout (`mnesia_table_loading_retry_timeout`)', `${report.settings.tableWait.retryTimeoutMs} ms`],
        ['Mnesia table wait retry limit (`mnesia_table_loading_retry_limit`)', String(report.settings.tableWait.retryLimit)],
        ['Messages seeded per queue', String(report.settings.messagesPerQueue)],
        ['Recovery timeout', `${seconds(report.settings.recoveryTimeoutMs)} s`],
        ['Pod termination grace period (`terminationGracePeriodSeconds`)', report.settings.terminationGracePeriodSeconds === null ? "the pod template's own" : `${report.settings.terminationGracePeriodSeconds} s`],
        ['Liveness probe (`livenessProbe`)', livenessText(report.settings.livenessProbe)],
      ],
    ),
    '',
  );

  out.push('## Summary', '');
  if (report.methods.length === 0) {
    out.push('No method was run.', '');
  } else {
    out.push(
      ...table(
        ['Method', 'Expected', 'Outcome', 'Met expectation', 'Time to recover (s)', 'Messages lost / duplicated / recovered of confirmed', 'Drill (s)'],
        report.methods.map((method) => [
          inline(drillLabel(method, report.repeat)),
          expectationText(method.expected),
          outcomeText(method.outcome),
          metText(method),
          method.timeToRecoverMs === null ? NONE : seconds(method.timeToRecoverMs),
          method.messages === null
            ? NONE
            : `${method.messages.lost} / ${method.messages.duplicated} / ${method.messages.recovered} of ${method.messages.confirmed}`,
          seconds(method.durationMs),
        ]),
      ),
      '',
    );
  }

  if (report.repeat > 1 && report.tallies.length > 0) {
    out.push(`## Repeated: each method ${report.repeat} times, each on a fresh cluster`, '');
    out.push(
      ...table(
        ['Method', 'Recovered', 'Not recovered', 'Other (n/a, error, interrupted)', 'Met expectation', 'Flaky'],
        report.tallies.map((tally) => [
          inline(tally.method),
          `${tally.recovered} of ${tally.attempts}`,
          String(tally.notRecovered),
          String(tally.other),
          `${tally.metExpectation} of ${tally.attempts}`,
          tally.flaky ? '⚠ yes: recovered in some attempts and not in others (a finding)' : 'no',
        ]),
      ),
      '',
    );
  }

  for (const method of report.methods) out.push(...methodSection(method, report.repeat));
  return `${out.join('\n').trimEnd()}\n`;
}

/** Writes DIR/report.md and returns its path. DIR must exist (see writeReports). */
export async function writeMarkdownReport(report: RunReport, dir: string): Promise<string> {
  const path = join(dir, 'report.md');
  await writeFile(path, renderMarkdown(report), 'utf8');
  return path;
}

function methodSection(method: MethodReport, repeat: number): string[] {
  const out: string[] = [`## ${inline(drillLabel(method, repeat))}: ${metText(method)} ${outcomeText(method.outcome)}`, ''];
  if (method.description) out.push(inline(method.description), '');
  out.push(`- **Mechanism:** ${inline(method.mechanism)}`);
  out.push(`- **Expected:** ${expectationText(method.expected)}; **outcome:** ${outcomeText(method.outcome)}`);
  if (method.reason !== undefined) out.push(`- **Reason:** ${inline(method.reason)}`);
  if (method.error !== undefined) out.push(`- **Error:** ${errorText(method.error)}`);
  if (method.outcome !== 'not-applicable') {
    out.push(`- **Time to recover:** ${method.timeToRecoverMs === null ? 'never' : `${seconds(method.timeToRecoverMs)} s`}`);
  }
  const phases = method.phases;
  out.push(
    `- **Drill:** ${seconds(method.durationMs)} s (provision ${seconds(phases.provisionMs)} s · seed ${seconds(phases.seedMs)} s · ` +
      `fault ${seconds(phases.faultMs)} s · recovery ${seconds(phases.recoveryMs)} s · verify ${seconds(phases.verifyMs)} s · ` +
      `teardown ${seconds(phases.teardownMs)} s); waiting on RabbitMQ ${seconds(method.waitingOnRabbitMqMs)} s, warren ${seconds(method.harnessMs)} s`,
    '',
  );

  const failing = method.checks.filter((check) => !check.ok);
  if (failing.length > 0) {
    out.push('### Failing checks', '');
    for (const check of failing) out.push(`- **${inline(check.name)}**: ${check.reason === undefined ? 'failed' : inline(check.reason)}`);
    out.push('');
  }
  if (method.checks.length > 0) {
    out.push('### Checks', '');
    out.push(...table(['Check', 'Result', 'Reason'], method.checks.map((check) => [inline(check.name), check.ok ? '✅ ok' : '❌ failed', inline(check.reason ?? '')])), '');
  }

  if (method.putGet.length > 0) out.push('### Put/get after recovery', '', ...putGetTable(method.putGet), '');

  if (method.messages !== null) {
    const ledger = method.messages;
    out.push('### Message ledger', '');
    const counts = (name: string, c: MessageCounts) => [name, ...[c.published, c.confirmed, c.recovered, c.lost, c.duplicated, c.unexpected].map(String)];
    const byType = Object.entries(ledger.byQueueType ?? {}).filter(([, c]) => c.published > 0);
    out.push(...table(['Queue type', 'Published', 'Confirmed', 'Recovered', 'Lost', 'Duplicated', 'Unexpected'], [...byType.map(([type, c]) => counts(type, c)), counts('all', ledger)]), '');
  }

  if (method.baseline !== null && method.baseline !== undefined) {
    const { baseline } = method;
    const quorum = baseline.queues.filter((queue) => queue.type === 'quorum');
    out.push('### Baseline (steady state before the fault; every check compared with it)', '');
    out.push(`- **Running nodes:** ${baseline.runningNodes.map(inline).join(', ')}`);
    out.push(`- **Queues:** ${baseline.queues.length} (${quorum.map((queue) => `${inline(queue.name)}: ${queue.members.length} members`).join(', ') || 'no quorum queue'})`);
    out.push(`- **Users:** ${baseline.users.map(inline).join(', ')}; **vhosts:** ${baseline.vhosts.map(inline).join(', ')}`, '');
  }

  if (method.pods.length > 0) {
    out.push('### Pods', '');
    out.push(
      ...table(
        ['Pod', 'Node', 'Phase at the end', 'Restarts', 'Boot failures'],
        [...method.pods].sort((a, b) => a.ordinal - b.ordinal).map((pod) => [String(pod.ordinal), pod.nodeName, pod.phase, String(pod.restarts), String(pod.bootFailures)]),
      ),
      '',
    );
  }

  if (method.diagnoses.length > 0) {
    out.push('### Diagnoses', '');
    out.push(
      ...table(
        ['Signature', 'Meaning', 'Seen in', 'Where', 'Count', 'Evidence (first match)'],
        method.diagnoses.map((diagnosis) => [
          inline(diagnosis.signature),
          inline(diagnosis.meaning),
          diagnosis.source === 'log' ? 'node log' : diagnosis.source === 'client' ? 'client error' : 'cluster shape',
          inline(diagnosis.node),
          String(diagnosis.count),
          codeSpan(diagnosis.evidence),
        ]),
      ),
      '',
    );
  }

  if (method.evidence.length > 0) out.push('### Evidence', '', ...codeBlock(method.evidence), '');

  if (method.timeline.length > 0) {
    out.push('### Timeline', '');
    out.push(...table(['At (s)', 'Event'], method.timeline.map((entry) => [seconds(entry.atMs), inline(entry.event)])), '');
  }

  if (method.logs.length > 0) {
    out.push('### Logs', '');
    for (const log of method.logs) out.push(`- ${codeSpan(log)}`);
    out.push('');
  }
  return out;
}

/** Rows are nodes, columns queue type × read mode (basic.get, basic.consume); a cell lists every queue probed so. */
function putGetTable(results: PutGetResult[]): string[] {
  const column = (result: PutGetResult) => `${result.queueType} ${result.mode}`;
  const types = [...new Set(results.map(column))].sort();
  const nodes = new Map<number, { name: string; results: PutGetResult[] }>();
  for (const result of results) {
    const entry = nodes.get(result.ordinal) ?? { name: result.node, results: [] };
    entry.results.push(result);
    nodes.set(result.ordinal, entry);
  }
  const rows = [...nodes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, node]) => [
      node.name,
      ...types.map((type) => {
        const cell = node.results.filter((result) => column(result) === type);
        if (cell.length === 0) return NONE;
        const named = cell.length > 1;
        return cell
          .map((result) => {
            const prefix = named ? `${result.queue}: ` : '';
            return result.ok ? `${prefix}✅ ${result.latencyMs} ms` : `${prefix}❌ ${inline(result.error ?? 'failed')} (${result.latencyMs} ms)`;
          })
          .join('; ');
      }),
    ]);
  return table(['Node', ...types], rows);
}

function metText(method: MethodReport): string {
  if (method.outcome === 'not-applicable' && method.passed) return '➖';
  return method.passed ? '✅' : '❌';
}

/** A run's outcome with its sign, for a heading or a table cell. */
export function runOutcomeText(outcome: RunOutcome): string {
  switch (outcome) {
    case 'passed':
      return '✅ passed';
    case 'deviated':
      return '❌ deviated (a finding)';
    case 'error':
      return '⚠️ error (harness)';
    case 'interrupted':
      return '⏹️ interrupted';
  }
}

function livenessText(probe: RunReport['settings']['livenessProbe'] | undefined): string {
  return probe ? `logs in with the Secret every ${probe.periodSeconds} s; the container is restarted after ${probe.failureThreshold} failures in a row` : 'none';
}

function methodTally(methods: MethodReport[], repeat: number): string {
  if (methods.length === 0) return '';
  const what = repeat > 1 ? 'drills' : 'methods';
  const met = methods.filter((method) => method.passed && method.outcome !== 'not-applicable').length;
  const skipped = methods.filter((method) => method.outcome === 'not-applicable' && method.passed).length;
  const applicable = methods.length - skipped;
  return ` (${met} of ${applicable} ${what} met their expectation${skipped > 0 ? `, ${skipped} not applicable` : ''})`;
}

function rabbitMqText(rabbitmq: RunReport['rabbitmq']): string {
  const version = rabbitmq.version ?? 'version unknown';
  const store = rabbitmq.metadataStore === 'mnesia' ? 'Mnesia' : rabbitmq.metadataStore === 'khepri' ? 'Khepri' : 'unknown';
  return `${inline(version)}, metadata store ${store}`;
}

function dateText(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return inline(iso);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function errorText(error: ErrorRecord): string {
  return `${inline(error.name)}: ${inline(error.message)}${error.cause === undefined ? '' : ` (cause: ${inline(error.cause)})`}`;
}

/** Log lines arrive with colour codes and stray control characters: neither belongs in a document. */
function clean(text: string): string {
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '');
}

/** One line of prose: no line breaks, and no `<` a renderer could take for HTML. */
function inline(text: string): string {
  return clean(text).replace(/\r?\n|\r/g, ' ').replace(/</g, '\\<');
}

/** A code span that survives backticks in its content (CommonMark: a longer fence, padded). */
function codeSpan(text: string): string {
  const flat = clean(text).replace(/\r?\n|\r/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function codeBlock(lines: string[]): string[] {
  const body = lines.flatMap((line) => clean(line).split(/\r?\n|\r/));
  const longest = Math.max(0, ...body.flatMap((line) => (line.match(/`+/g) ?? []).map((run) => run.length)));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}text`, ...body, fence];
}

/** Escapes `|` (also inside code spans, as GFM tables require) and keeps each row on one line. */
function cell(text: string): string {
  return clean(text).replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
}

function table(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)];
}
