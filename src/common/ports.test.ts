import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findFreePortBlock } from './ports.js';

const RABBITMQ_PORTS = [4369, 5672, 15672, 25672];

function bind(port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      resolve(() => new Promise<void>((done) => server.close(() => done()))),
    );
  });
}

describe('findFreePortBlock', () => {
  it('returns consecutive loopback ports, none of RabbitMQ’s standard ones, each bindable', async () => {
    for (let round = 0; round < 5; round++) {
      const ports = await findFreePortBlock(4);
      expect(ports).toHaveLength(4);
      ports.forEach((port, i) => expect(port).toBe(ports[0]! + i));
      for (const port of RABBITMQ_PORTS) expect(ports).not.toContain(port);
      const closers = await Promise.all(ports.map(bind));
      await Promise.all(closers.map((close) => close()));
    }
  });
});
