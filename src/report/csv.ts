/**
 * CSV as RFC 4180 writes it (CRLF line ends, fields quoted when they hold a comma, quote or line
 * break, quotes doubled), safe to open in a spreadsheet: a cell that starts like a formula is
 * prefixed with `'` so Excel, LibreOffice and Sheets show it as text instead of running it.
 */

/** Characters that make a spreadsheet read a cell as a formula (tab and CR start DDE payloads too). */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly (string | number)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A whole CSV document: the header, then each row. */
export function toCsv(
  header: readonly string[],
  rows: Iterable<readonly (string | number)[]>,
): string {
  let text = csvRow(header);
  for (const row of rows) text += csvRow(row);
  return text;
}
