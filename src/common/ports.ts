import { createServer } from 'node:net';
import { EnvironmentError } from './errors.js';

// RabbitMQ's standard ports (AMQP, management, distribution, epmd) belong to whatever else runs here.
const RESERVED = new Set([4369, 5671, 5672, 15672, 25672, 35672]);
const RANGE = { low: 20_000, high: 32_000 };

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Finds `count` consecutive free loopback ports. Consecutive so a node's ports are easy to read in a
 * report; random start so two runs on one host rarely collide.
 */
export async function findFreePortBlock(count: number, attempts = 50): Promise<number[]> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const base = RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((port) => RESERVED.has(port))) continue;
    const free = await Promise.all(ports.map(isFree));
    if (free.every(Boolean)) return ports;
  }
  throw new EnvironmentError(`ports: no block of ${count} free loopback ports found in ${RANGE.low}-${RANGE.high}`);
}
