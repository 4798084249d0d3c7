import { escapeMarkdown, tableCell } from './escape.ts';
import type { FailedFile } from './failures.ts';
import { cut } from './issue-text.ts';

/** Rows every failure class gets before any class gets more, when not all fit. */
const ROWS_PER_CLASS_FIRST = 3;
/**
 * Characters kept for the section's own lines besides the class headers and rows (its heading,
 * "… and n more" lines, the closing pointer without the CSV note).
 */
const SECTION_ALLOWANCE = 210;

export interface FailuresSection {
  readonly lines: readonly string[];
  /** Failures listed; the rest are counted, with a pointer to the CSV. */
  readonly shown: number;
}

export interface FailuresSectionOptions {
  /** Characters the section may take in the body. */
  readonly budget: number;
  /** Where the full failure list is, as the body names it. */
  readonly csvNote: string;
}

/**
 * Every failure, grouped by class, as tables that fit in the budget. When they do not all fit,
 * each class first gets a few rows, then the largest classes more, and the rest is counted with
 * a pointer to the CSV.
 */
export function failuresSection(
  failures: readonly FailedFile[],
  options: FailuresSectionOptions,
): FailuresSection {
  if (failures.length === 0) return { lines: [], shown: 0 };
  const groups = new Map<string, FailedFile[]>();
  for (const file of failures) {
    const failureClass = file.record.failure?.failureClass ?? 'unknown';
    groups.set(failureClass, [...(groups.get(failureClass) ?? []), file]);
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
  const rows = new Map(
    ordered.map(([failureClass, files]) => [failureClass, files.map(failureRow)]),
  );
  const take = rowsThatFit(rows, options);
  const lines = ['### Failures by class', ''];
  let shown = 0;
  for (const [failureClass, files] of ordered) {
    const count = take.get(failureClass) ?? 0;
    shown += count;
    lines.push(
      ...classHeader(failureClass, files.length),
      ...(rows.get(failureClass) ?? []).slice(0, count),
    );
    if (count < files.length)
      lines.push('', `\u2026 and ${String(files.length - count)} more of this class.`);
    lines.push('');
  }
  if (shown < failures.length) {
    lines.push(`\u2026 and ${String(failures.length - shown)} more (see ${options.csvNote}).`, '');
  } else {
    lines.push(`The same list, with keys and exact paths, is in ${options.csvNote}.`, '');
  }
  return { lines, shown };
}

/** How many rows of each class fit: a few of every class first, then the largest classes more. */
function rowsThatFit(
  rows: ReadonlyMap<string, readonly string[]>,
  { budget, csvNote }: FailuresSectionOptions,
): Map<string, number> {
  const classes = [...rows.keys()];
  const take = new Map(classes.map((failureClass) => [failureClass, 0]));
  let used =
    SECTION_ALLOWANCE +
    csvNote.length +
    classes.reduce(
      (sum, failureClass) => sum + classHeader(failureClass, 0).join('\n').length + 1,
      0,
    );
  const grant = (failureClass: string, upTo: number): boolean => {
    const list = rows.get(failureClass) ?? [];
    let count = take.get(failureClass) ?? 0;
    while (count < Math.min(upTo, list.length)) {
      const row = list[count] ?? '';
      if (used + row.length + 1 > budget) {
        take.set(failureClass, count);
        return false;
      }
      used += row.length + 1;
      count += 1;
    }
    take.set(failureClass, count);
    return true;
  };
  let room = classes.every((failureClass) => grant(failureClass, ROWS_PER_CLASS_FIRST));
  for (const failureClass of classes) {
    if (!room) break;
    room = grant(failureClass, Number.POSITIVE_INFINITY);
  }
  return take;
}

function classHeader(failureClass: string, count: number): string[] {
  // Classes are ours ([a-z_]); escaped anyway, so a ledger from elsewhere cannot format.
  return [
    `#### ${escapeMarkdown(failureClass)} (${String(count)})`,
    '',
    '| Path | Reason |',
    '| --- | --- |',
  ];
}

function failureRow({ record }: FailedFile): string {
  return `| ${tableCell(record.path)} | ${tableCell(cut(record.failure?.reason ?? ''))} |`;
}
