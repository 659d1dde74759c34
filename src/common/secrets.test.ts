import { describe, expect, it } from 'vitest';
import { generateCredentials, Redactor, type Credentials } from './secrets.js';

describe('generateCredentials', () => {
  it('makes an upper-case 32-letter cookie and a URL-safe password', () => {
    const credentials = generateCredentials();
    expect(credentials.username).toBe('warren');
    expect(credentials.erlangCookie).toMatch(/^[A-Z]{32}$/);
    expect(credentials.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // rabbitmqctl takes it as an argument (change_password): it must never look like an option.
    for (let i = 0; i < 200; i++) expect(generateCredentials().password).not.toMatch(/^-/);
  });

  it('is different on every call', () => {
    const a = generateCredentials();
    const b = generateCredentials();
    expect(a.password).not.toBe(b.password);
    expect(a.erlangCookie).not.toBe(b.erlangCookie);
  });
});

describe('Redactor', () => {
  // Obviously fake values: never a real-looking secret in a test.
  const fake: Credentials = { username: 'warren', password: 'FAKE-PASSWORD', erlangCookie: 'FAKECOOKIE' };

  it('replaces the password and the cookie everywhere in a text', () => {
    const redactor = new Redactor();
    redactor.add(fake);
    const text = 'default_pass = FAKE-PASSWORD\ncookie FAKECOOKIE; again FAKE-PASSWORD and FAKECOOKIE';
    expect(redactor.redact(text)).toBe('default_pass = [REDACTED]\ncookie [REDACTED]; again [REDACTED] and [REDACTED]');
  });

  it('redacts a password also as a URI carries it (a shovel\'s src-uri), percent-encoded', () => {
    const redactor = new Redactor();
    redactor.add({ ...fake, password: 'FAKE/PASS:WORD' });
    expect(redactor.redact('amqp://warren:FAKE%2FPASS%3AWORD@127.0.0.1:5672 and FAKE/PASS:WORD')).toBe('amqp://warren:[REDACTED]@127.0.0.1:5672 and [REDACTED]');
  });

  it('keeps the username and leaves other text alone', () => {
    const redactor = new Redactor();
    redactor.add(fake);
    expect(redactor.redact('user warren logged in')).toBe('user warren logged in');
  });

  it('redacts the secrets of every install it was given', () => {
    const redactor = new Redactor();
    redactor.add(fake);
    redactor.add({ username: 'warren', password: 'SECOND-FAKE', erlangCookie: 'SECONDCOOKIE' });
    expect(redactor.redact('FAKE-PASSWORD SECOND-FAKE SECONDCOOKIE')).toBe('[REDACTED] [REDACTED] [REDACTED]');
  });

  it('changes nothing before any secret was added', () => {
    expect(new Redactor().redact('FAKE-PASSWORD')).toBe('FAKE-PASSWORD');
  });
});
