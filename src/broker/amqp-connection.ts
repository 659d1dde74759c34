import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { withTimeout } from '../common/wait.js';
import type { Credentials } from '../common/secrets.js';
import type { AmqpEndpoint } from '../core/platform.js';

export interface AmqpTarget {
  endpoint: AmqpEndpoint;
  credentials: Credentials;
}

/**
 * One AMQP 0-9-1 connection (amqplib) as an AsyncDisposable. Every call is bounded: against a node that is
 * booting, partitioned or has a queue without a leader, an AMQP call can otherwise wait forever.
 */
export class AmqpConnection implements AsyncDisposable {
  #closed = false;

  private constructor(
    private readonly model: ChannelModel,
    readonly timeoutMs: number,
  ) {
    // amqplib emits 'error' for a server-side close; without a listener Node would throw it.
    model.on('error', () => {});
    model.on('close', () => {
      this.#closed = true;
    });
  }

  /**
   * @throws Error at once, with no socket opened, for a simulated endpoint (a dry run); amqplib's errors and a
   * timeout after `timeoutMs` otherwise.
   */
  static async open(target: AmqpTarget, timeoutMs = 3_000): Promise<AmqpConnection> {
    const { endpoint, credentials } = target;
    if (endpoint.simulated) throw new Error(`AMQP to ${endpoint.host}:${endpoint.port} is not simulated (dry run): no connection opened`);
    const connecting = amqp.connect(
      { protocol: 'amqp', hostname: endpoint.host, port: endpoint.port, username: credentials.username, password: credentials.password, heartbeat: 0, vhost: '/' },
      { timeout: timeoutMs },
    );
    try {
      const model = await withTimeout(`AMQP connect to ${endpoint.host}:${endpoint.port}`, connecting, timeoutMs);
      return new AmqpConnection(model, timeoutMs);
    } catch (error) {
      // A handshake that finishes after we gave up must not leave an open connection behind.
      connecting.then((late) => late.close().catch(() => {}), () => {});
      throw error;
    }
  }

  /** The broker's own version string, from the connection.start server properties. */
  get serverVersion(): string {
    const version = this.model.connection.serverProperties.version;
    return typeof version === 'string' ? version : String(version ?? 'unknown');
  }

  /**
   * The Erlang/OTP release the broker runs on, from the connection.start server properties' `platform`
   * (RabbitMQ sends `Erlang/OTP 29.1.1`), or undefined when absent.
   */
  get erlangVersion(): string | undefined {
    const platform = this.model.connection.serverProperties.platform;
    return /Erlang\/OTP\s+(\S+)/.exec(String(platform ?? ''))?.[1];
  }

  async confirmChannel(): Promise<ConfirmChannel> {
    const channel = await this.bounded('open channel', this.model.createConfirmChannel());
    channel.on('error', () => {});
    return channel;
  }

  bounded<T>(what: string, promise: Promise<T>): Promise<T> {
    return withTimeout(`AMQP ${what}`, promise, this.timeoutMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await withTimeout('AMQP close', this.model.close(), 1_000);
    } catch {
      // A connection the broker already dropped cannot be closed twice; nothing leaks either way.
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export type ProbeResult = 'ready' | 'refused' | 'down';

/** A login the broker refused (wrong user or password): the node is up, the credentials are not valid there. */
export function isAccessRefused(error: unknown): boolean {
  return /ACCESS[-_]REFUSED/.test(String(error instanceof Error ? error.message : error));
}

/**
 * The readiness probe: a full AMQP handshake with the pod's credentials, like a chart probe that logs in.
 * 'refused' means the node has booted but does not accept those credentials (its data holds another password).
 */
export async function amqpProbe(target: AmqpTarget, timeoutMs = 2_000): Promise<ProbeResult> {
  try {
    const connection = await AmqpConnection.open(target, timeoutMs);
    await connection.close();
    return 'ready';
  } catch (error) {
    return isAccessRefused(error) ? 'refused' : 'down';
  }
}
