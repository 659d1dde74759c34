import { describe, expect, it } from 'vitest';
import { errorMessage, toErrorRecord, WaitTimeoutError } from './errors.js';

describe('errorMessage', () => {
  it('decodes an Erlang char list inside an AMQP error, as the field notes needed', () => {
    const codes = [...'cluster_not_formed'].map((char) => char.charCodeAt(0)).join(',');
    const error = new Error(`Operation failed: QueueDeclare; 541 (INTERNAL-ERROR) ["amqp_error","internal_error",[${codes}]]`);
    expect(errorMessage(error)).toContain('"cluster_not_formed"');
    expect(errorMessage(error)).not.toContain(codes);
  });

  it('prefers execa-style shortMessage and keeps the cause in records', () => {
    const error = Object.assign(new Error('long message with stderr'), { shortMessage: 'Command failed: rabbitmqctl' });
    expect(errorMessage(error)).toBe('Command failed: rabbitmqctl');
    expect(toErrorRecord(new Error('outer', { cause: new Error('inner') }))).toEqual({ name: 'Error', message: 'outer', cause: 'inner' });
  });

  it('says what never became true', () => {
    expect(new WaitTimeoutError('every pod ready', 1_000, undefined, new Error('ECONNREFUSED')).message).toBe(
      'every pod ready: not reached within 1000 ms; last error: ECONNREFUSED',
    );
  });
});
