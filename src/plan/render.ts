import { formatBytes, formatDuration } from '../format.ts';
import { escapeMarkdown, tableCell } from '../report/escape.ts';
import type { CostBreakdown } from './cost.ts';
import type { Plan, StrategyPlan } from './plan.ts';

/** A table: the first row is the header; columns after the first are right-aligned. */
type Table = readonly (readonly string[])[];

/** Characters as a terminal shows them (names may hold any script). */
function width(text: string): number {
  return Array.from(text).length;
}

export function formatUsd(value: number): string {
  if (value === 0) return '$0';
  if (value >= 100) return `$${Math.round(value).toLocaleString('en-US')}`;
  if (value >= 1) return `$${value.toFixed(2)}`;
  if (value < 0.0001) return '<$0.0001';
  return `$${value.toPrecision(2).replace(/0+$/, '')}`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function files(value: number): string {
  return `${count(value)} file${value === 1 ? '' : 's'}`;
}

function textTable(table: Table): string {
  const widths: number[] = [];
  for (const row of table) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, width(cell));
    });
  }
  const line = (row: readonly string[]): string =>
    row
      .map((cell, index) => {
        const pad = ' '.repeat((widths[index] ?? 0) - width(cell));
        return index === 0 ? cell + pad : pad + cell;
      })
      .join('  ')
      .trimEnd();
  const [header, ...rows] = table;
  if (header === undefined) return '';
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].map((text) => `  ${text}`).join('\n');
}

/** Cells are this tool's own text, except the first column's with `namesFirst` (folder names). */
function markdownTable(table: Table, options: { namesFirst?: boolean } = {}): string {
  const named = options.namesFirst === true;
  const [header, ...rows] = table;
  if (header === undefined) return '';
  const cell = (text: string, index: number): string =>
    named && index === 0 ? tableCell(text) : text;
  const cells = (row: readonly string[]): string =>
    `| ${row.map((text, index) => cell(text, index)).join(' | ')} |`;
  const align = `|${header.map((_, index) => (index === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [cells(header), align, ...rows.map(cells)].join('\n');
}

function strategyName(strategy: StrategyPlan): string {
  return `${strategy.name}${strategy.current ? ' ◀ your flags' : ''}`;
}

function totalsTable(plan: Plan): Table {
  return [
    [
      'Strategy',
      ...plan.horizons.map((months) => `${String(months)} month${months === 1 ? '' : 's'}`),
    ],
    ...plan.strategies.map((strategy) => [
      strategyName(strategy),
      ...strategy.horizons.map((cost) => formatUsd(cost.total)),
    ]),
  ];
}

function storageOf(cost: CostBreakdown): number {
  return cost.storage.reduce((sum, line) => sum + line.cost, 0);
}

function breakdownTable(plan: Plan, index: number): Table {
  return [
    [
      'Strategy',
      'Storage',
      'Glacier overhead',
      'Monitoring',
      'PUT',
      'Transitions',
      'Min. duration',
      'Actions',
      'Total',
      'If deleted then',
    ],
    ...plan.strategies.map((strategy) => {
      const cost = strategy.horizons[index];
      if (cost === undefined) return [strategy.name];
      return [
        strategy.name,
        formatUsd(storageOf(cost)),
        formatUsd(cost.glacierOverhead),
        formatUsd(cost.monitoring),
        formatUsd(cost.put),
        formatUsd(cost.transitions),
        formatUsd(cost.minimumDuration),
        formatUsd(cost.actions),
        formatUsd(cost.total),
        `+${formatUsd(cost.ifDeletedAtEnd)}`,
      ];
    }),
  ];
}

function storageByClass(plan: Plan, index: number): string[] {
  return plan.strategies.map((strategy) => {
    const cost = strategy.horizons[index];
    const lines = (cost?.storage ?? []).map(
      (line) =>
        `${line.storageClass} ${line.gbMonths.toFixed(line.gbMonths < 10 ? 3 : 1)} GB-months ${formatUsd(line.cost)}`,
    );
    return `${strategy.name}: ${lines.join('; ') || 'nothing stored'}`;
  });
}

function bandsTable(plan: Plan): Table {
  return [
    ['Size', 'Files', 'Bytes'],
    ...plan.listing.bands
      .filter((band) => band.files > 0)
      .map((band) => [band.label, count(band.files), formatBytes(band.bytes)]),
  ];
}

const FOLDERS_SHOWN = 20;

function foldersTable(plan: Plan): Table {
  const shown = plan.listing.folders.slice(0, FOLDERS_SHOWN);
  const rest = plan.listing.folders.slice(FOLDERS_SHOWN);
  const rows = shown.map((folder) => [
    folder.folder,
    count(folder.files),
    formatBytes(folder.bytes),
  ]);
  if (rest.length > 0) {
    rows.push([
      `${count(rest.length)} more folders`,
      count(rest.reduce((sum, folder) => sum + folder.files, 0)),
      formatBytes(rest.reduce((sum, folder) => sum + folder.bytes, 0)),
    ]);
  }
  return [['Top-level folder', 'Files', 'Bytes'], ...rows];
}

function rateLine(plan: Plan): string {
  const { transfer } = plan;
  const { rate } = transfer;
  const measured =
    rate.source === 'ledger'
      ? `measured over ${count(rate.chunks)} chunk(s) in the ledger`
      : 'the default rate: no ledger with chunk history; run a chunk and plan again to measure';
  return (
    `about ${formatDuration((transfer.transferSeconds + transfer.listingSeconds) * 1000)} at ` +
    `${formatBytes(rate.bytesPerSecond)}/s and ${rate.filesPerSecond.toFixed(1)} files/s (${measured}): ` +
    `${count(transfer.jobs)} chunk job(s), ${count(transfer.billedMinutes)} billed minutes, ` +
    `${formatUsd(transfer.cost)} at ${formatUsd(plan.prices.actions.linuxPerMinute)}/min on a Linux runner ` +
    '(free for public repositories and within your plan’s included minutes)'
  );
}

function cheapestLine(plan: Plan): string {
  return plan.cheapest
    .map((best) => {
      const name = plan.strategies.find((strategy) => strategy.id === best.id)?.name ?? best.id;
      return `${String(best.months)} month${best.months === 1 ? '' : 's'}: ${name} (${formatUsd(best.total)})`;
    })
    .join('; ');
}

function problemLines(plan: Plan): string[] {
  const lines: string[] = [];
  for (const problem of plan.listing.cannotMigrate) {
    lines.push(`${problem.failureClass}: ${files(problem.files)}, ${formatBytes(problem.bytes)}`);
    for (const example of problem.examples) lines.push(`    ${example.reason}`);
    if (problem.files > problem.examples.length) {
      lines.push(`    … and ${count(problem.files - problem.examples.length)} more`);
    }
  }
  const { exportsSkipped, byFilters } = plan.listing.leftOut;
  if (exportsSkipped.files > 0) {
    lines.push(
      `Paper and Google documents left out (--exports skip): ${files(exportsSkipped.files)}` +
        ` (${exportsSkipped.examples.join(', ')}${exportsSkipped.files > exportsSkipped.examples.length ? ', …' : ''})`,
    );
  }
  if (byFilters.files > 0) {
    lines.push(
      `Left out by --include/--exclude: ${files(byFilters.files)}, ${formatBytes(byFilters.bytes)}`,
    );
  }
  return lines;
}

function where(plan: Plan): string {
  const { settings } = plan;
  return settings.sourcePath === '' ? 'the whole account' : settings.sourcePath;
}

function summaryLine(plan: Plan): string {
  const { listing } = plan;
  const exported =
    listing.exports.files > 0 ? ` (${files(listing.exports.files)} stored as exports)` : '';
  return `${files(listing.migrate.files)}, ${formatBytes(listing.migrate.bytes)} to migrate${exported}`;
}

function pricesLine(plan: Plan, escape: (text: string) => string = (text) => text): string {
  const { prices, settings } = plan;
  return (
    `Prices: S3 ${escape(prices.region)} and GitHub Actions as of ${escape(prices.date)}` +
    (settings.pricesFile === undefined
      ? ''
      : `, with ${escape(settings.pricesFile)} laid over them`) +
    '. Figures in USD.'
  );
}

export function renderText(plan: Plan): string {
  const { listing, settings } = plan;
  const longest = plan.horizons.length - 1;
  const problems = problemLines(plan);
  const sections = [
    `Plan for ${where(plan)} (listed in ${formatDuration(listing.listingMs)}, ${count(listing.listCalls)} list calls; nothing was copied)`,
    summaryLine(plan),
    textTable(bandsTable(plan)),
    textTable(foldersTable(plan)),
    problems.length === 0
      ? 'Nothing that cannot be migrated.'
      : ['Cannot be migrated or left out:', ...problems.map((line) => `  ${line}`)].join('\n'),
    `Migration: ${rateLine(plan)}.`,
    `Estimated cost (storage class ${settings.storageClass}, lifecycle ${settings.lifecycle} are your flags)`,
    textTable(totalsTable(plan)),
    `Cheapest: ${cheapestLine(plan)}.`,
    ...plan.horizons.map((months, index) =>
      [
        `Breakdown over ${String(months)} month${months === 1 ? '' : 's'}`,
        textTable(breakdownTable(plan, index)),
        ...(index === longest ? storageByClass(plan, index).map((line) => `  ${line}`) : []),
      ].join('\n'),
    ),
    pricesLine(plan),
    ['Assumptions:', ...plan.assumptions.map((line) => `  - ${line}`)].join('\n'),
  ];
  return `${sections.join('\n\n')}\n`;
}

export function renderMarkdown(plan: Plan): string {
  const problems = problemLines(plan);
  const longest = plan.horizons.length - 1;
  const sections = [
    `## dropbox-to-s3 plan for ${plan.settings.sourcePath === '' ? where(plan) : escapeMarkdown(where(plan))}`,
    `${summaryLine(plan)}. Listed in ${formatDuration(plan.listing.listingMs)}; nothing was copied.`,
    '### Estimated cost',
    markdownTable(totalsTable(plan)),
    `**Cheapest:** ${cheapestLine(plan)}.`,
    `Migration: ${rateLine(plan)}.`,
    '### Files',
    markdownTable(bandsTable(plan)),
    markdownTable(foldersTable(plan), { namesFirst: true }),
    '### Cannot be migrated or left out',
    problems.length === 0
      ? 'Nothing.'
      : problems
          .map((line) =>
            line.startsWith(' ')
              ? `  - ${escapeMarkdown(line.trim())}`
              : `- ${escapeMarkdown(line)}`,
          )
          .join('\n'),
    ...plan.horizons.map((months, index) =>
      [
        `<details><summary>Breakdown over ${String(months)} month${months === 1 ? '' : 's'}</summary>`,
        '',
        markdownTable(breakdownTable(plan, index)),
        ...(index === longest
          ? ['', ...storageByClass(plan, index).map((line) => `- ${line}`)]
          : []),
        '',
        '</details>',
      ].join('\n'),
    ),
    pricesLine(plan, escapeMarkdown),
    ['**Assumptions**', ...plan.assumptions.map((line) => `- ${line}`)].join('\n'),
  ];
  return `${sections.join('\n\n')}\n`;
}

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(plan)}\n`;
}
