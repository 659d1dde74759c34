import { describe, expect, it } from 'vitest';
import { decodeErlangStrings } from './erlang-terms.js';

/** The sentence from the field notes, as RabbitMQ put it in an AMQP error. */
const SENTENCE = "Cannot declare a queue 'queue 'yasu.test.dlx' in vhost '/yasu'' on node ...: cluster_not_formed";

function charList(text: string): string {
  return `[${Array.from(text, (char) => char.codePointAt(0)).join(',')}]`;
}

describe('decodeErlangStrings', () => {
  it('decodes the char list of the field notes’ cluster_not_formed error', () => {
    const list = charList(SENTENCE);
    // The list as printed in the field notes: checks the helper builds exactly those bytes.
    expect(list).toBe(
      '[67,97,110,110,111,116,32,100,101,99,108,97,114,101,32,97,32,113,117,101,117,101,32,39,113,117,101,117,101,32,39,121,97,115,117,46,116,101,115,116,46,100,108,120,39,32,105,110,32,118,104,111,115,116,32,39,47,121,97,115,117,39,39,32,111,110,32,110,111,100,101,32,46,46,46,58,32,99,108,117,115,116,101,114,95,110,111,116,95,102,111,114,109,101,100]',
    );
    const error = `["amqp_error","internal_error",${list}]`;
    const decoded = decodeErlangStrings(error);
    expect(decoded).toContain(SENTENCE);
    expect(decoded).toBe(`["amqp_error","internal_error","${SENTENCE}"]`);
    expect(decoded).not.toMatch(/\d{2},\d{2}/);
  });

  it('gives back the full sentence of the seed’s import error, node name included', () => {
    const sentence =
      "Cannot declare a queue 'queue 'yasu.test.dlx' in vhost '/yasu'' on node 'rabbit@prodmq-rabbitmq-0.prodmq-rabbitmq-headless.rabbitmq.svc.cluster.local': cluster_not_formed";
    const codes = Array.from({ length: sentence.length }, (_, i) => sentence.charCodeAt(i));
    const error = `["amqp_error","internal_error",[${codes.join(',')}]]`;
    expect(error).toContain('[67,97,110,110,111,116,32,100,101,99,108,97,114,101,32,97,32,113,117,101,117,101,');
    expect(decodeErlangStrings(error)).toBe(`["amqp_error","internal_error",${JSON.stringify(sentence)}]`);
    // The same list as RabbitMQ logs it inside an Erlang tuple.
    expect(decodeErlangStrings(`{amqp_error,internal_error,[${codes.join(',')}],none}`)).toBe(`{amqp_error,internal_error,${JSON.stringify(sentence)},none}`);
  });

  it('decodes Erlang binaries as UTF-8', () => {
    expect(decodeErlangStrings('reason: <<104,105,33>>')).toBe('reason: "hi!"');
    expect(decodeErlangStrings(`name ${`<<${[...Buffer.from('café')].join(',')}>>`}`)).toBe('name "café"');
  });

  it('decodes lists with spaces after the commas, as io_lib pretty-prints them', () => {
    expect(decodeErlangStrings('{error, [110, 111, 112, 101]}')).toBe('{error, "nope"}');
  });

  it('leaves non-printable lists as they are', () => {
    const text = 'flags [1,2,3,4] and [0,65,66]';
    expect(decodeErlangStrings(text)).toBe(text);
    expect(decodeErlangStrings('bytes <<0,1,2>>')).toBe('bytes <<0,1,2>>');
  });

  it('leaves a two-element list untouched', () => {
    expect(decodeErlangStrings('[1,2]')).toBe('[1,2]');
    expect(decodeErlangStrings('ids [72,105]')).toBe('ids [72,105]');
  });

  it('returns text without lists unchanged', () => {
    const text = 'Waiting for Mnesia tables for 30000 ms, 9 retries left';
    expect(decodeErlangStrings(text)).toBe(text);
    expect(decodeErlangStrings('')).toBe('');
  });
});
