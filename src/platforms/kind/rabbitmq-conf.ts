import { HarnessError } from '../../common/errors.js';

/**
 * Edits a rabbitmq.conf (the `key = value` format) by key, so the file in fixtures/kind stays real,
 * readable configuration instead of a template. A key the edit expects but the file lacks is an error:
 * the fixture and the renderer have drifted apart, and a silently skipped setting would change a drill.
 */

const ENTRY = /^\s*([A-Za-z0-9_.$-]+)\s*=/;

function entryKey(line: string): string | undefined {
  return ENTRY.exec(line)?.[1];
}

/** Replaces the value of each given key; every key must already be set in `conf`. */
export function withConfValues(conf: string, values: Readonly<Record<string, string | number>>): string {
  const seen = new Set<string>();
  const lines = conf.split('\n').map((line) => {
    const key = entryKey(line);
    if (key === undefined || !(key in values)) return line;
    seen.add(key);
    return `${key} = ${values[key]}`;
  });
  const missing = Object.keys(values).filter((key) => !seen.has(key));
  if (missing.length > 0) throw new HarnessError(`rabbitmq.conf: no ${missing.join(', ')} to set`);
  return lines.join('\n');
}

/**
 * Replaces the numbered entries `<prefix>.1`, `<prefix>.2`, … with one per item, where the first of them was
 * (RabbitMQ reads a list such as classic_config.nodes this way).
 */
export function withConfList(conf: string, prefix: string, items: readonly string[]): string {
  const item = new RegExp(`^${prefix.replaceAll('.', '\\.')}\\.\\d+$`);
  const entries = items.map((value, index) => `${prefix}.${index + 1} = ${value}`);
  const out: string[] = [];
  let replaced = false;
  for (const line of conf.split('\n')) {
    if (!item.test(entryKey(line) ?? '')) out.push(line);
    else if (!replaced) {
      out.push(...entries);
      replaced = true;
    }
  }
  if (!replaced) throw new HarnessError(`rabbitmq.conf: no ${prefix}.1 to replace`);
  return out.join('\n');
}
