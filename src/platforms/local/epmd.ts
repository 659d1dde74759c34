import { connect } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../../common/wait.js';
import { ProcessGroup } from './process-group.js';

/**
 * A private Erlang port mapper for one run, bound to loopback on its own port. warren starts it itself (and
 * nodes are told `-start_epmd false`) so that it is a child warren owns and stops, never a stray daemon.
 */
export class Epmd {
  private constructor(
    readonly port: number,
    private readonly process: ProcessGroup,
  ) {}

  static async start(port: number, runDir: string, env: Record<string, string>, signal: AbortSignal): Promise<Epmd> {
    const process = ProcessGroup.spawn('epmd', ['-port', String(port), '-address', '127.0.0.1'], env, join(runDir, 'epmd.log'), runDir);
    const epmd = new Epmd(port, process);
    try {
      await waitFor(`epmd listening on 127.0.0.1:${port}`, () => canConnect(port), { timeoutMs: 5_000, intervalMs: 50, signal });
    } catch (error) {
      await epmd.stop();
      throw error;
    }
    return epmd;
  }

  async stop(): Promise<void> {
    await this.process.kill();
  }
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
