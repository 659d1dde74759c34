import { randomBytes } from 'node:crypto';

/** What a Kubernetes Secret holds for RabbitMQ: generated per run, never printed. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly erlangCookie: string;
}

export function generateCredentials(): Credentials {
  return {
    username: 'warren',
    // Never a leading '-': rabbitmqctl would read the password as an option (change_password, authenticate_user).
    password: `w${randomBytes(18).toString('base64url').slice(1)}`,
    // Erlang cookies are atoms: keep to upper-case letters, as RabbitMQ's own generator does.
    erlangCookie: Array.from(randomBytes(32), (byte) => String.fromCharCode(65 + (byte % 26))).join(''),
  };
}

/** Replaces every secret in a text before it reaches a log, an error message or a report. */
export class Redactor {
  readonly #secrets = new Set<string>();

  add(credentials: Credentials): void {
    this.#secrets.add(credentials.password);
    // As it appears inside a URI (a shovel's src-uri): percent-encoded where the password needs it.
    this.#secrets.add(encodeURIComponent(credentials.password));
    this.#secrets.add(credentials.erlangCookie);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is never left half-visible.
    for (const secret of [...this.#secrets].filter(Boolean).sort((a, b) => b.length - a.length)) out = out.split(secret).join('[REDACTED]');
    return out;
  }
}
