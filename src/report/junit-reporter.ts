import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MethodReport, MethodTally, RunReport } from '../core/journal.js';
import { drillLabel, expectationText, tallyText } from '../core/journal.js';
import { outcomeText, seconds } from './markdown-reporter.js';

/** Everything XML 1.0 allows: TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF (lone surrogates go too). */
const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** ANSI colour/cursor sequences, as copied from a coloured server or CLI output. */
const ANSI_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]/g;

/** Text content: the five predefined entities escaped, ANSI sequences and characters XML 1.0 cannot carry (NUL, …) dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(ANSI_SEQUENCE, '')
    .replace(INVALID_XML_CHARS, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Attribute values: as text, plus whitespace as character references, which attribute normalisation would flatten. */
function attr(text: string): string {
  return escapeXml(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function xmlSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

interface Case {
  verdict: 'passed' | 'failure' | 'error' | 'skipped';
  xml: string;
}

/**
 * One testsuite per run, one testcase per method: CI sees a method that missed its expectation as a failure,
 * warren breaking as an error and a method the platform cannot do as skipped. A run that errored or was
 * interrupted adds an erroring "(run)" case, so it never shows green with fewer methods than asked for.
 */
export function renderJunit(report: RunReport): string {
  const classname = `warren.${report.scenario}`;
  const cases = report.methods.map((method) => methodCase(classname, method, drillLabel(method, report.repeat)));
  // A flaky method is a finding even when each attempt met a race expectation: CI must not show it green.
  for (const tally of report.tallies.filter((candidate) => candidate.flaky)) cases.push(flakyCase(classname, tally));
  const runCase = runErrorCase(classname, report);
  if (runCase !== undefined) cases.push(runCase);

  const count = (verdict: Case['verdict']): number => cases.filter((c) => c.verdict === verdict).length;
  const totals =
    `tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" ` +
    `time="${xmlSeconds(report.durationMs)}"`;
  const properties: [string, string][] = [
    ['runId', report.runId],
    ['warren.version', report.tool.version],
    ['scenario', report.scenario],
    ['platform', report.platform],
    ['rabbitmq.version', report.rabbitmq.version ?? 'unknown'],
    ['rabbitmq.metadataStore', report.rabbitmq.metadataStore ?? 'unknown'],
    ['nodes', String(report.nodes)],
    ['startPolicy', report.startPolicy],
    ['tableWait.retryTimeoutMs', String(report.settings.tableWait.retryTimeoutMs)],
    ['tableWait.retryLimit', String(report.settings.tableWait.retryLimit)],
    ['messagesPerQueue', String(report.settings.messagesPerQueue)],
    ['recoveryTimeoutMs', String(report.settings.recoveryTimeoutMs)],
    ['terminationGracePeriodSeconds', String(report.settings.terminationGracePeriodSeconds ?? 'template default')],
    ['livenessProbe', report.settings.livenessProbe ? `login, ${report.settings.livenessProbe.periodSeconds} s x ${report.settings.livenessProbe.failureThreshold}` : 'none'],
    ['repeat', String(report.repeat)],
    ...report.tallies.filter(() => report.repeat > 1).map((tally): [string, string] => [`tally.${tally.method}`, tallyText(tally)]),
    ['outcome', report.outcome],
  ];

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="warren" ${totals}>`,
    `  <testsuite name="${attr(`warren.${report.scenario}.${report.platform}`)}" ${totals} timestamp="${attr(report.startedAt)}">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`),
    '    </properties>',
    ...cases.map((c) => c.xml),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes DIR/junit.xml and returns its path. DIR must exist (see writeReports). */
export async function writeJunitReport(report: RunReport, dir: string): Promise<string> {
  const path = join(dir, 'junit.xml');
  await writeFile(path, renderJunit(report), 'utf8');
  return path;
}

function flakyCase(classname: string, tally: MethodTally): Case {
  const message = `flaky: ${tallyText(tally)}; the same fault and method on fresh clusters recovered in some attempts and not in others`;
  return {
    verdict: 'failure',
    xml: [`    <testcase classname="${attr(classname)}" name="${attr(`${tally.method} (flaky)`)}" time="0.000">`, `      <failure message="${attr(message)}" type="flaky"/>`, '    </testcase>'].join('\n'),
  };
}

function methodCase(classname: string, method: MethodReport, name: string): Case {
  const open = `    <testcase classname="${attr(classname)}" name="${attr(name)}" time="${xmlSeconds(method.durationMs)}">`;
  const out = systemOut(method);
  let verdict: Case['verdict'];
  let body: string;
  if ((method.outcome === 'not-applicable' && method.passed) || method.outcome === 'interrupted') {
    verdict = 'skipped';
    body = `      <skipped message="${attr(method.outcome === 'interrupted' ? 'interrupted before the drill could give a verdict' : (method.reason ?? 'not applicable'))}"/>`;
  } else if (method.outcome === 'error') {
    verdict = 'error';
    const message = method.error === undefined ? (method.reason ?? 'warren failed') : `${method.error.name}: ${method.error.message}`;
    const type = method.error?.name ?? 'HarnessError';
    const details = [message, method.error?.cause === undefined ? '' : `cause: ${method.error.cause}`, method.reason === undefined ? '' : `reason: ${method.reason}`];
    body = `      <error message="${attr(message)}" type="${attr(type)}">${escapeXml(details.filter(Boolean).join('\n'))}</error>`;
  } else if (!method.passed) {
    verdict = 'failure';
    body = `      <failure message="${attr(failureMessage(method))}" type="${attr(method.outcome)}">${escapeXml(failureDetails(method))}</failure>`;
  } else {
    verdict = 'passed';
    body = '';
  }
  const lines = [open, body, out === '' ? '' : `      <system-out>${escapeXml(out)}</system-out>`, '    </testcase>'].filter(Boolean);
  return { verdict, xml: lines.join('\n') };
}

function runErrorCase(classname: string, report: RunReport): Case | undefined {
  if (report.error === undefined && report.outcome !== 'error' && report.outcome !== 'interrupted') return undefined;
  const message =
    report.error !== undefined
      ? `${report.error.name}: ${report.error.message}`
      : report.outcome === 'interrupted'
        ? 'run interrupted before every method had run'
        : 'run ended in error';
  const type = report.error?.name ?? (report.outcome === 'interrupted' ? 'RunInterruptedError' : 'HarnessError');
  const details = report.error?.cause === undefined ? message : `${message}\ncause: ${report.error.cause}`;
  const xml = [
    `    <testcase classname="${attr(classname)}" name="(run)" time="0.000">`,
    `      <error message="${attr(message)}" type="${attr(type)}">${escapeXml(details)}</error>`,
    '    </testcase>',
  ].join('\n');
  return { verdict: 'error', xml };
}

/** One line for CI summaries: expected vs actual, why, and which checks failed. */
function failureMessage(method: MethodReport): string {
  const parts = [`expected ${expectationText(method.expected)}, got ${outcomeText(method.outcome)}`];
  if (method.reason !== undefined) parts.push(method.reason);
  const failing = method.checks.filter((check) => !check.ok);
  if (failing.length > 0) {
    parts.push(`failing checks: ${failing.map((check) => (check.reason === undefined ? check.name : `${check.name} (${check.reason})`)).join(', ')}`);
  }
  return parts.join('; ');
}

function failureDetails(method: MethodReport): string {
  const lines = [
    `expected: ${expectationText(method.expected)}`,
    `actual:   ${outcomeText(method.outcome)}`,
    `time to recover: ${method.timeToRecoverMs === null ? 'never' : `${seconds(method.timeToRecoverMs)} s`}`,
  ];
  if (method.reason !== undefined) lines.push(`reason: ${method.reason}`);
  if (method.messages !== null) {
    const m = method.messages;
    lines.push(`messages: ${m.confirmed} confirmed, ${m.recovered} recovered, ${m.lost} lost, ${m.duplicated} duplicated, ${m.unexpected} unexpected`);
  }
  const failing = method.checks.filter((check) => !check.ok);
  if (failing.length > 0) {
    lines.push('failing checks:');
    for (const check of failing) lines.push(`  - ${check.name}${check.reason === undefined ? '' : `: ${check.reason}`}`);
  }
  for (const result of method.putGet.filter((r) => !r.ok)) {
    lines.push(`put/get failed on ${result.node} ${result.queueType} ${result.queue}: ${result.error ?? 'failed'}`);
  }
  for (const diagnosis of method.diagnoses) {
    lines.push(`diagnosis ${diagnosis.signature} (${diagnosis.source}) on ${diagnosis.node} (×${diagnosis.count}): ${diagnosis.evidence}`);
  }
  return lines.join('\n');
}

/** Mechanism, timeline and evidence, so the CI page alone tells what happened. */
function systemOut(method: MethodReport): string {
  const lines: string[] = [];
  if (method.mechanism) lines.push(`mechanism: ${method.mechanism}`);
  if (method.timeline.length > 0) {
    lines.push('timeline:');
    for (const entry of method.timeline) lines.push(`  ${seconds(entry.atMs).padStart(7)} s  ${entry.event}`);
  }
  if (method.evidence.length > 0) {
    lines.push('evidence:');
    for (const line of method.evidence) lines.push(`  ${line}`);
  }
  if (method.logs.length > 0) lines.push(`logs: ${method.logs.join(', ')}`);
  return lines.join('\n');
}
