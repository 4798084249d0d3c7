/** The bench's output: a table on stdout, JSON under bench/results/, the section of BENCHMARKS.md. */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { Machine } from './machine.ts';
import type { ScenarioResult } from './report-types.ts';

export interface BenchReport {
  readonly command: string;
  readonly profile: string;
  readonly engine: string;
  readonly machine: Machine;
  readonly totalSeconds: number;
  readonly scenarios: readonly ScenarioResult[];
  /** Scenarios that could not be measured, with why. */
  readonly errors: readonly { readonly id: string; readonly message: string }[];
}

const BENCHMARKS = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const START = '<!-- bench:start (written by npm run bench; edit bench/report.ts instead) -->';
const END = '<!-- bench:end -->';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function targetsTable(report: BenchReport): string {
  const rows = report.scenarios.flatMap((scenario) =>
    scenario.checks.map((check) => [
      scenario.title,
      check.figure,
      check.measured,
      check.target,
      check.met ? 'met' : '**not met**',
    ]),
  );
  for (const error of report.errors)
    rows.push([error.id, 'not measured', error.message, '', '**error**']);
  return table(['scenario', 'figure', 'measured', 'target', ''], rows);
}

export function runsTable(report: BenchReport): string {
  const rows = report.scenarios.flatMap((scenario) =>
    scenario.runs.map((run) => [
      scenario.id,
      run.label,
      run.files.toLocaleString('en'),
      (run.bytes / 2 ** 20).toFixed(1),
      run.wallSeconds.toFixed(2),
      (run.files / run.wallSeconds).toFixed(1),
      (run.bytes / 2 ** 20 / run.wallSeconds).toFixed(1),
      run.cpu.program.toFixed(2),
      run.cpu.emulator.toFixed(2),
      run.cpu.s3.toFixed(2),
      run.peakRssMiB.toFixed(0),
    ]),
  );
  return table(
    [
      'scenario',
      'run',
      'files',
      'MiB',
      'wall s',
      'files/s',
      'MiB/s',
      'CPU s program',
      'CPU s emulator',
      'CPU s S3',
      'peak RSS MiB',
    ],
    rows,
  );
}

function machineLine(report: BenchReport): string {
  const m = report.machine;
  return (
    `${String(m.cores)} cores (${m.cpuModel}), ${String(m.memoryGiB)} GiB, ${m.platform}, Node ${m.node}; ` +
    `commit ${m.commit}${m.dirty ? ' (with uncommitted changes)' : ''}; ${m.date}; ` +
    `load average ${m.loadBefore.toFixed(2)} before, ${(m.loadAfter ?? Number.NaN).toFixed(2)} after`
  );
}

export function printable(report: BenchReport): string {
  const notes = report.scenarios.flatMap((s) => s.notes.map((note) => `- ${s.id}: ${note}`));
  return [
    `Machine: ${machineLine(report)}`,
    `Profile: ${report.profile}; engine: ${report.engine}; ${report.totalSeconds.toFixed(0)} s in all`,
    '',
    targetsTable(report),
    '',
    runsTable(report),
    '',
    ...notes,
    '',
  ].join('\n');
}

export async function writeJson(report: BenchReport, file: string): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** Replaces the generated part of BENCHMARKS.md (between its markers) with this report. */
export async function updateBenchmarks(report: BenchReport, jsonPath: string): Promise<void> {
  const text = await readFile(BENCHMARKS, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`BENCHMARKS.md has no ${START} … ${END} section`);
  const notes = report.scenarios.flatMap((s) => [
    `- **${s.id}** — ${s.setup}.`,
    ...s.notes.map((note) => `  ${note}.`),
  ]);
  const section = [
    START,
    '',
    `Made by \`${report.command}\` (${report.totalSeconds.toFixed(0)} s); figures in [${jsonPath}](${jsonPath}).`,
    '',
    `Machine: ${machineLine(report)}.`,
    '',
    targetsTable(report),
    '',
    'Every run, with the CPU time of the measured program(s), the Dropbox emulator and the S3 server:',
    '',
    runsTable(report),
    '',
    ...notes,
    '',
    END,
  ].join('\n');
  const updated = text.slice(0, start) + section + text.slice(end + END.length);
  // In the repository's Markdown style, so `npm run lint` passes on the file as written.
  const options = (await resolveConfig(BENCHMARKS)) ?? {};
  await writeFile(BENCHMARKS, await format(updated, { ...options, filepath: BENCHMARKS }));
}
