/** A failure reason is cut to this many characters in the issue (the CSV has it whole). */
const REASON_CHARS = 300;

/** "1 file", "2 files". */
export function count(n: number, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** A reason or message cut to REASON_CHARS characters (whole graphemes); the CSV has it whole. */
export function cut(text: string): string {
  const characters = Array.from(new Intl.Segmenter().segment(text), (part) => part.segment);
  return characters.length > REASON_CHARS
    ? `${characters.slice(0, REASON_CHARS).join('')}\u2026`
    : text;
}
