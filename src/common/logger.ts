import { appendFileSync } from 'node:fs';
import type { Redactor } from './secrets.js';

/**
 * The harness's debug log: one line per action, prefixed with its context ("[run:3f2a] [pod:1]").
 * Library code never prints to the terminal; the CLI shows progress from events instead.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  child(context: string): Logger;
}

export class FileLogger implements Logger {
  constructor(
    private readonly file: string,
    private readonly redactor: Redactor,
    private readonly prefix = '',
  ) {}

  info(message: string): void {
    this.#write('info', message);
  }

  warn(message: string): void {
    this.#write('warn', message);
  }

  child(context: string): Logger {
    return new FileLogger(this.file, this.redactor, `${this.prefix}[${context}] `);
  }

  #write(level: string, message: string): void {
    const line = `${new Date().toISOString()} ${level} ${this.prefix}${this.redactor.redact(message)}\n`;
    try {
      appendFileSync(this.file, line);
    } catch {
      // The log is a convenience: losing a line must never break a drill.
    }
  }
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  child() {
    return silentLogger;
  },
};
