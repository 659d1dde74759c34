/**
 * Erlang strings reach logs and AMQP errors as char lists: `[67,97,110,110,111,116,...]` is "Cannot...".
 * Every message warren shows goes through this, so an operator reads the sentence, not the bytes.
 */
const CHAR_LIST = /\[(\d{1,7}(?:\s*,\s*\d{1,7}){2,})\]/g;
const BINARY = /<<(\d{1,3}(?:\s*,\s*\d{1,3}){2,})>>/g;

function printable(codes: number[]): boolean {
  return codes.every((code) => code === 9 || code === 10 || code === 13 || (code >= 32 && code !== 127 && code <= 0x10ffff));
}

function decodeCodes(digits: string): number[] {
  return digits.split(',').map((part) => Number(part.trim()));
}

export function decodeErlangStrings(text: string): string {
  const decoded = text
    .replace(BINARY, (match, digits: string) => {
      const bytes = decodeCodes(digits);
      if (!printable(bytes)) return match;
      return JSON.stringify(Buffer.from(bytes).toString('utf8'));
    })
    .replace(CHAR_LIST, (match, digits: string) => {
      const codes = decodeCodes(digits);
      if (!printable(codes)) return match;
      return JSON.stringify(String.fromCodePoint(...codes));
    });
  return decoded === text ? text : decoded;
}
