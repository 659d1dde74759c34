import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../common/errors.js';
import { withConfList, withConfValues } from './rabbitmq-conf.js';

const CONF = ['# a comment', 'a.b = 1', 'list.1 = x', 'list.2 = y', 'list.20 = z', 'listing.1 = keep', 'c = 2', ''].join('\n');

describe('withConfValues', () => {
  it('replaces the value of each key and nothing else', () => {
    expect(withConfValues(CONF, { 'a.b': 42, c: 'on' })).toBe(CONF.replace('a.b = 1', 'a.b = 42').replace('c = 2', 'c = on'));
  });

  it('fails when the conf lacks a key, instead of silently skipping a setting', () => {
    expect(() => withConfValues(CONF, { 'a.b': 1, missing: 2 })).toThrow(HarnessError);
    expect(() => withConfValues(CONF, { 'a.b': 1, missing: 2 })).toThrow(/no missing to set/);
  });
});

describe('withConfList', () => {
  it('replaces every numbered entry where the first was, keeping the lines around it', () => {
    expect(withConfList(CONF, 'list', ['p', 'q', 'r', 's']).split('\n')).toEqual([
      '# a comment',
      'a.b = 1',
      'list.1 = p',
      'list.2 = q',
      'list.3 = r',
      'list.4 = s',
      'listing.1 = keep',
      'c = 2',
      '',
    ]);
  });

  it('shrinks the list too', () => {
    expect(withConfList(CONF, 'list', ['only'])).not.toMatch(/list\.2|list\.20/);
  });

  it('fails when there is no list to replace', () => {
    expect(() => withConfList(CONF, 'absent', ['x'])).toThrow(/no absent\.1 to replace/);
  });
});
