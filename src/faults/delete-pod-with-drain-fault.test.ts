import { describe, expect, it } from 'vitest';
import type { RabbitMqInfo } from '../core/rabbitmq-release.js';
import { DeletePodWithDrainFault, nodesOfPids } from './delete-pod-with-drain-fault.js';

describe('DeletePodWithDrainFault', () => {
  it('reads the node of each pid as 3.10.8 list_queues prints them (master, then synchronised mirrors)', () => {
    expect(nodesOfPids('<rabbit-0@localhost.1764607234.624.0>')).toEqual(['rabbit-0@localhost']);
    expect(nodesOfPids('[<rabbit-1@localhost.1764607234.786.0>, <rabbit-2@localhost.1764607235.1091.0>]')).toEqual(['rabbit-1@localhost', 'rabbit-2@localhost']);
    // What --formatter json prints carries no node: nothing is made up from it.
    expect(nodesOfPids('#PID<10989.624.0>')).toEqual([]);
    expect(nodesOfPids('[]')).toEqual([]);
  });

  it('is not applicable where classic queue mirroring is gone (4.x), and applies on 3.x', () => {
    const fault = new DeletePodWithDrainFault();
    const on = (version: string | null): RabbitMqInfo => ({ version, metadataStore: 'mnesia' }) as RabbitMqInfo;
    expect(fault.notApplicable(on('4.0.5'))).toMatch(/classic queue mirroring was removed in RabbitMQ 4\.0/);
    expect(fault.notApplicable(on('4.3.6'))).toMatch(/runs 4\.3\.6/);
    expect(fault.notApplicable(on('3.10.8'))).toBeUndefined();
  });
});
