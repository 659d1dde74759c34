import type { PodStatus } from '../core/platform.js';
import type { MethodReport } from '../core/journal.js';
import type { RunEvents } from '../run/events.js';
import { expectationText, tallyText } from '../core/journal.js';
import { outcomeText, seconds } from '../report/markdown-reporter.js';

export interface ProgressPrinterOptions {
  stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** On a terminal one status line is rewritten in place; elsewhere (CI logs, pipes) only plain lines are written. */
  isTTY: boolean;
  now?: () => number;
}

const CLEAR_LINE = '\r\x1b[2K';
const REFRESH_MS = 1_000;

/**
 * Live progress for the CLI, fed only by RunEvents. Steps and per-method results are permanent lines; on a
 * terminal a status line (method, elapsed time, pod phases) sits below them and is redrawn on every event and
 * once a second. The final outcome and the report directory are the CLI's to print.
 */
export class ProgressPrinter {
  readonly #stream: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly #isTTY: boolean;
  readonly #now: () => number;
  #method: string | undefined;
  /** `2/3` (the method among the run's), and `, attempt 1/5` with --repeat. */
  #position = '';
  #drillStartedAt = 0;
  #pods = new Map<number, PodStatus>();
  #timer: NodeJS.Timeout | undefined;
  #statusShown = false;

  constructor(options: ProgressPrinterOptions) {
    this.#stream = options.stream;
    this.#isTTY = options.isTTY;
    this.#now = options.now ?? Date.now;
  }

  attach(events: RunEvents): void {
    events
      .on('runStarted', ({ scenario, methods, platform, nodes }) => {
        this.#line(`${scenario} on ${platform}, ${nodes} nodes: ${methods.length} method${methods.length === 1 ? '' : 's'} (${methods.join(', ')})`);
        this.#startTimer();
      })
      .on('drillStarted', ({ method, index, total, attempt, repeat }) => {
        this.#method = method;
        this.#position = `${index + 1}/${total}${repeat > 1 ? `, attempt ${attempt}/${repeat}` : ''}`;
        this.#drillStartedAt = this.#now();
        this.#pods = new Map();
        this.#line(`▶ ${method} (${this.#position})`);
      })
      .on('step', ({ method, step, atMs }) => {
        this.#line(`${stamp(atMs)} ${method}: step ${oneLine(step)}`);
      })
      .on('podChanged', ({ method, pod }) => {
        const before = this.#pods.get(pod.ordinal);
        this.#pods.set(pod.ordinal, pod);
        if (this.#isTTY) {
          this.#renderStatus();
          return;
        }
        // Non-TTY: one line per real change; a repeated status (same phase, same counters) says nothing new.
        if (before !== undefined && before.phase === pod.phase && before.restarts === pod.restarts && before.bootFailures === pod.bootFailures) return;
        this.#line(`${stamp(this.#now() - this.#drillStartedAt)} ${method}: pod ${pod.ordinal} ${podText(pod)}`);
      })
      .on('drillFinished', ({ report }) => {
        this.#line(resultLine(report));
        this.#method = undefined;
      })
      .on('runFinished', ({ report }) => {
        if (report.repeat > 1) for (const tally of report.tallies) this.#line(`${tally.flaky ? '⚠' : '•'} ${tally.method}: ${tallyText(tally)}, expectation met in ${tally.metExpectation} of ${tally.attempts}`);
        this.#stopTimer();
        if (this.#isTTY && this.#statusShown) this.#stream.write(CLEAR_LINE);
        this.#statusShown = false;
      });
  }

  /** A permanent line; on a terminal it replaces the status line, which is then drawn again below it. */
  #line(text: string): void {
    if (!this.#isTTY) {
      this.#stream.write(`${text}\n`);
      return;
    }
    this.#stream.write(`${CLEAR_LINE}${text}\n`);
    this.#statusShown = false;
    this.#renderStatus();
  }

  #renderStatus(): void {
    if (!this.#isTTY || this.#timer === undefined) return;
    this.#stream.write(`${CLEAR_LINE}${this.#fit(this.#statusText())}`);
    this.#statusShown = true;
  }

  #statusText(): string {
    if (this.#method === undefined) return '… preparing';
    const pods = [...this.#pods.values()].sort((a, b) => a.ordinal - b.ordinal).map((pod) => `${pod.ordinal}:${pod.phase}`);
    const elapsed = duration(this.#now() - this.#drillStartedAt);
    return `⏳ ${this.#method} (${this.#position}) ${elapsed}${pods.length > 0 ? `  pods ${pods.join(' ')}` : ''}`;
  }

  /** A status line that wraps cannot be rewritten with \r: cut it to the terminal's width. */
  #fit(text: string): string {
    const columns = 'columns' in this.#stream && typeof this.#stream.columns === 'number' ? this.#stream.columns : 0;
    const chars = [...text];
    return columns > 1 && chars.length >= columns ? `${chars.slice(0, columns - 2).join('')}…` : text;
  }

  #startTimer(): void {
    if (!this.#isTTY || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#renderStatus(), REFRESH_MS);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** `[ 12.3s]`: seconds since the drill started, aligned. */
function stamp(ms: number): string {
  return `[${seconds(Math.max(0, ms)).padStart(5)}s]`;
}

function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total < 60) return `${total}s`;
  return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
}

function podText(pod: PodStatus): string {
  const counters = pod.restarts > 0 || pod.bootFailures > 0 ? ` (restarts ${pod.restarts}, boot failures ${pod.bootFailures})` : '';
  return `${pod.phase}${counters}`;
}

/** `✔ force-boot: recovered in 18.2 s (expected recovered), 0 lost`. */
function resultLine(report: MethodReport): string {
  if (report.outcome === 'not-applicable') {
    const why = report.reason === undefined ? '' : `: ${oneLine(report.reason)}`;
    return report.passed ? `– ${report.method}: not applicable${why}` : `✘ ${report.method}${why}`;
  }
  const mark = report.passed ? '✔' : '✘';
  let what: string;
  if (report.outcome === 'interrupted') {
    what = 'interrupted';
  } else if (report.outcome === 'error') {
    what = `error: ${oneLine(report.error?.message ?? report.reason ?? 'warren failed')}`;
  } else {
    const recovered = report.outcome === 'recovered' && report.timeToRecoverMs !== null ? ` in ${seconds(report.timeToRecoverMs)} s` : '';
    what = `${outcomeText(report.outcome)}${recovered} (expected ${expectationText(report.expected)})`;
    if (report.messages !== null) {
      what += `, ${report.messages.lost} lost`;
      if (report.messages.duplicated > 0) what += `, ${report.messages.duplicated} duplicated`;
    }
    if (!report.passed) {
      const failing = report.checks.filter((check) => !check.ok).map((check) => check.name);
      if (report.reason !== undefined) what += `: ${oneLine(report.reason)}`;
      else if (failing.length > 0) what += `: failing checks ${failing.join(', ')}`;
    }
  }
  return `${mark} ${report.method}: ${what}`;
}

/** Progress output is line-based: a multi-line or coloured message must not break the status line or the CI log. */
function oneLine(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '') // colour codes copied from a server log
    .replace(/[\x00-\x1f\x7f]/g, '')
    .trim();
}
