import { describe, expect, it } from 'vitest';
import { HarnessError } from '../common/errors.js';
import { assertMetadataStore } from './drill-steps.js';

describe('assertMetadataStore (kind: the image judged by another series)', () => {
  it('accepts another version on the same store (rabbitmq:3.13.7 judged as 3.10/mnesia)', () => {
    expect(() => assertMetadataStore({ series: '3.10', metadataStore: 'mnesia' }, { version: '3.13.7', metadataStore: 'mnesia' })).not.toThrow();
  });

  it('refuses a Mnesia image judged by Khepri expectations, naming both (negative control)', () => {
    expect(() => assertMetadataStore({ series: '4.3', metadataStore: 'khepri' }, { version: '4.1.4', metadataStore: 'mnesia' })).toThrow(HarnessError);
    expect(() => assertMetadataStore({ series: '4.3', metadataStore: 'khepri' }, { version: '4.1.4', metadataStore: 'mnesia' })).toThrow('judged as RabbitMQ 4.3/khepri, but node 0 runs 4.1.4 on mnesia');
  });
});
