import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PodStatus } from '../core/platform.js';
import { RunEvents } from '../run/events.js';
import { newMethodReport, type MethodReport, type RunReport } from '../core/journal.js';
import { ProgressPrinter } from './progress-printer.js';

/** Collects everything written, as a terminal or a CI log would receive it. */
function fakeStream(): NodeJS.WritableStream & { text(): string } {
  const chunks: string[] = [];
  const stream = {
    write(chunk: string | Uint8Array): boolean {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
    text: () => chunks.join(''),
  };
  return stream as unknown as NodeJS.WritableStream & { text(): string };
}

function methodReport(overrides: Partial<MethodReport> & Pick<MethodReport, 'method' | 'outcome' | 'passed'>): MethodReport {
  const base = newMethodReport({ method: overrides.method, description: '', mechanism: '', expected: { outcome: 'recovered', messages: 'kept' } });
  return { ...base, durationMs: 60_000, ...overrides };
}

const pod = (ordinal: number, phase: PodStatus['phase'], restarts = 0): PodStatus => ({
  ordinal,
  nodeName: `rabbit-${ordinal}@localhost`,
  phase,
  restarts,
  bootFailures: restarts,
  revision: 1,
  booted: phase === 'ready',
});

/** Drives a two-method run through the events, advancing a fake clock. */
function drive(events: RunEvents, clock: { ms: number }): void {
  events.emit('runStarted', { scenario: 'full-shutdown', methods: ['force-boot', 'none'], platform: 'local', nodes: 3 });
  clock.ms = 1_000;
  events.emit('drillStarted', { method: 'force-boot', index: 0, total: 2, attempt: 1, repeat: 1 });
  events.emit('step', { method: 'force-boot', step: 'inject fault', atMs: 40_100 });
  clock.ms = 13_300;
  events.emit('podChanged', { method: 'force-boot', pod: pod(0, 'ready') });
  events.emit('podChanged', { method: 'force-boot', pod: pod(0, 'ready') });
  events.emit('podChanged', { method: 'force-boot', pod: pod(1, 'starting') });
  events.emit('podChanged', { method: 'force-boot', pod: pod(2, 'back-off', 2) });
  events.emit('drillFinished', {
    report: methodReport({
      method: 'force-boot',
      outcome: 'recovered',
      passed: true,
      timeToRecoverMs: 18_234,
      messages: { published: 10, confirmed: 10, recovered: 10, lost: 0, duplicated: 0, unexpected: 0, byQueueType: { classic: { published: 10, confirmed: 10, recovered: 10, lost: 0, duplicated: 0, unexpected: 0 }, quorum: { published: 0, confirmed: 0, recovered: 0, lost: 0, duplicated: 0, unexpected: 0 } } },
    }),
  });
  events.emit('drillStarted', { method: 'none', index: 1, total: 2, attempt: 1, repeat: 1 });
  events.emit('drillFinished', {
    report: methodReport({
      method: 'none',
      outcome: 'not-recovered',
      passed: false,
      reason: 'node 0 waited\nfor \x1b[31mpeers\x1b[0m',
    }),
  });
  events.emit('runFinished', { report: {} as RunReport });
}

describe('ProgressPrinter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes plain lines without ANSI escapes when not on a terminal', () => {
    const stream = fakeStream();
    const clock = { ms: 0 };
    const events = new RunEvents();
    new ProgressPrinter({ stream, isTTY: false, now: () => clock.ms }).attach(events);
    drive(events, clock);

    const text = stream.text();
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\r');
    expect(text.split('\n')).toEqual([
      'full-shutdown on local, 3 nodes: 2 methods (force-boot, none)',
      '▶ force-boot (1/2)',
      '[ 40.1s] force-boot: step inject fault',
      '[ 12.3s] force-boot: pod 0 ready',
      '[ 12.3s] force-boot: pod 1 starting',
      '[ 12.3s] force-boot: pod 2 back-off (restarts 2, boot failures 2)',
      '✔ force-boot: recovered in 18.2 s (expected recovered, messages kept), 0 lost',
      '▶ none (2/2)',
      '✘ none: not recovered (expected recovered, messages kept): node 0 waited for peers',
      '',
    ]);
  });

  it('rewrites one status line in place on a terminal and stops refreshing at runFinished', () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const clock = { ms: 0 };
    const events = new RunEvents();
    new ProgressPrinter({ stream, isTTY: true, now: () => clock.ms }).attach(events);

    events.emit('runStarted', { scenario: 'full-shutdown', methods: ['force-boot'], platform: 'local', nodes: 3 });
    events.emit('drillStarted', { method: 'force-boot', index: 0, total: 1, attempt: 1, repeat: 1 });
    events.emit('podChanged', { method: 'force-boot', pod: pod(0, 'ready') });
    events.emit('podChanged', { method: 'force-boot', pod: pod(1, 'starting') });
    events.emit('podChanged', { method: 'force-boot', pod: pod(2, 'absent') });
    expect(stream.text()).toContain('\r\x1b[2K');
    expect(stream.text()).toContain('pods 0:ready 1:starting 2:absent');
    // Pod changes only redraw the status line on a terminal.
    expect(stream.text()).not.toContain('pod 0 ready\n');

    clock.ms = 5_000;
    vi.advanceTimersByTime(1_000);
    expect(stream.text().endsWith('⏳ force-boot (1/1) 5s  pods 0:ready 1:starting 2:absent')).toBe(true);

    events.emit('step', { method: 'force-boot', step: 'apply recovery', atMs: 5_000 });
    expect(stream.text()).toContain('\r\x1b[2K[  5.0s] force-boot: step apply recovery\n');

    events.emit('drillFinished', { report: methodReport({ method: 'force-boot', outcome: 'recovered', passed: true, timeToRecoverMs: 4_000 }) });
    expect(stream.text()).toContain('✔ force-boot: recovered in 4.0 s (expected recovered, messages kept)\n');

    events.emit('runFinished', { report: {} as RunReport });
    const atFinish = stream.text();
    expect(atFinish.endsWith('\r\x1b[2K')).toBe(true);
    vi.advanceTimersByTime(5_000);
    expect(stream.text()).toBe(atFinish);
    expect(vi.getTimerCount()).toBe(0);
  });
});
