/** The first non-blank line of a tool's output: what a one-line error or evidence entry shows. */
export function firstLine(text: string): string {
  return text.trim().split('\n').find((line) => line.trim() !== '') ?? 'no output';
}
