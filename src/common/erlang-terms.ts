/**
 * Erlang strings reach logs and AMQP errors as char lists: `[67,97,110,110,111,116,...]` is "Cannot...".
 * Every message warren shows goes through this, so an operator reads the sentence, not the bytes.
 */
const CHAR_LIST = /\[(\d{1,7}(?:\s*,\s*\d{1,7}){2,})\]/g;
const BINARY = /<<(\d{1,3}(?:\s*,\s*\d{1,3}){2,})>>/g;

/**
 * Text, not numbers that happen to be in range: no control characters (C0, DEL, C1), no surrogates, and
 * mostly ASCII, as RabbitMQ's messages are (a port list like [5672,15672,25672] stays a list).
 */
function printable(codes: number[]): boolean {
  const text = codes.every(
    (code) => code === 9 || code === 10 || code === 13 || (code >= 32 && code < 127) || (code >= 0xa0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)),
  );
  const ascii = codes.filter((code) => code >= 32 && code < 127).length;
  return text && ascii * 2 >= codes.length;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeCodes(digits: string): number[] {
  return digits.split(',').map((part) => Number(part.trim()));
}

export function decodeErlangStrings(text: string): string {
  const decoded = text
    .replace(BINARY, (match, digits: string) => {
      const bytes = decodeCodes(digits);
      if (bytes.some((byte) => byte > 255)) return match;
      let decoded: string;
      try {
        decoded = utf8.decode(Uint8Array.from(bytes));
      } catch {
        return match; // not UTF-8: keep the bytes rather than show replacement characters
      }
      if (!printable([...decoded].map((char) => char.codePointAt(0)!))) return match;
      return JSON.stringify(decoded);
    })
    .replace(CHAR_LIST, (match, digits: string) => {
      const codes = decodeCodes(digits);
      if (!printable(codes)) return match;
      return JSON.stringify(String.fromCodePoint(...codes));
    });
  return decoded === text ? text : decoded;
}
