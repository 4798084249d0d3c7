/**
 * The reliability suite's two profiles. `npm test` runs the short one (small accounts, a few
 * kills: a minute or so on two cores); `npm run test:reliability` runs the full one
 * (RELIABILITY_PROFILE=full: thousands of files, dozens of kills) and collects the figures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Profile = 'short' | 'full';

export const PROFILE: Profile = process.env.RELIABILITY_PROFILE === 'full' ? 'full' : 'short';

/** The value for the running profile. */
export function byProfile<T>(short: T, full: T): T {
  return PROFILE === 'full' ? full : short;
}

export type Figures = Readonly<Record<string, string | number>>;

interface Diagnosing {
  diagnostic(message: string): void;
}

/**
 * Prints a test's figures (a diagnostic line each, as the test reporter shows them) and, when
 * RELIABILITY_RESULTS names a folder (scripts/reliability.ts sets it), writes them there as a
 * Markdown fragment `<slug>.md` for the results page. Figures are reported, never asserted on.
 */
export async function reportFigures(
  t: Diagnosing,
  slug: string,
  title: string,
  figures: Figures,
): Promise<void> {
  for (const [name, value] of Object.entries(figures)) {
    t.diagnostic(`${title}: ${name}: ${String(value)}`);
  }
  const folder = process.env.RELIABILITY_RESULTS;
  if (folder === undefined || folder === '') return;
  const rows = Object.entries(figures).map(
    ([name, value]) => `| ${cell(name)} | ${cell(String(value))} |`,
  );
  const text = [`### ${title}`, '', '| figure | value |', '| --- | --- |', ...rows, ''].join('\n');
  await writeResult(folder, `${slug}.md`, text);
}

/** Writes one fragment of the results page (a table the test built itself). */
export async function writeResult(folder: string, name: string, text: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, name), text.endsWith('\n') ? text : `${text}\n`);
}

/** A Markdown table cell: pipes escaped, line breaks as spaces. */
export function cell(text: string): string {
  return text
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replace(/[\r\n]+/g, ' ');
}
