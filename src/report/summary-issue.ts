import type { PinnedSettings } from '../ledger/records.ts';
import { attentionSection } from './attention-section.ts';
import { escapeMarkdown } from './escape.ts';
import { FAILURES_ARTIFACT } from './failures-csv.ts';
import { failedFiles } from './failures.ts';
import { failuresSection } from './failures-section.ts';
import { overall } from './overall.ts';
import type { RunContext } from './run-context.ts';
import {
  outcomeOf,
  shardState,
  type Outcome,
  type ShardLedger,
  type ShardState,
} from './shards.ts';
import {
  deletionsSection,
  exportsSection,
  runsSection,
  shardsSection,
  sourceSection,
  totalsSection,
} from './summary-sections.ts';

// The summary issue's public face: finalize and the tests reach its parts through this module.
export { FAILURES_ARTIFACT, FAILURES_CSV, failuresCsv } from './failures-csv.ts';
export type { RunContext } from './run-context.ts';

/** GitHub refuses issue bodies longer than this many characters. */
export const ISSUE_BODY_LIMIT = 65_536;
/** Room kept below the limit: GitHub may count some characters differently than JavaScript. */
const BODY_MARGIN = 1_536;

/**
 * The hidden line that finds the issue again. The bucket and prefix are percent-encoded (UTF-8)
 * beyond a few safe characters, so nothing in a prefix can end the HTML comment.
 */
export function summaryMarker(settings: Pick<PinnedSettings, 'bucket' | 'prefix'>): string {
  return `<!-- dropbox-to-s3:summary ${percentEncoded(settings.bucket)}/${percentEncoded(settings.prefix)} -->`;
}

function percentEncoded(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const character = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~/-]/.test(character)
      ? character
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The headline of a body that asks for attention (finalize recognises such an issue by it). */
export const ATTENTION_HEADLINE = '## Migration needs attention';

const HEADLINES: Record<Outcome, string> = {
  done: 'Migration complete',
  attention: 'Migration needs attention',
  progress: 'Migration in progress',
};

export interface SummaryIssue {
  readonly outcome: Outcome;
  readonly states: readonly ShardState[];
  readonly title: string;
  readonly body: string;
  readonly marker: string;
  /** Failures listed in the body, and all of them (the CSV artifact has every one). */
  readonly failuresShown: number;
  readonly failuresTotal: number;
}

export interface SummaryOptions {
  readonly run: RunContext;
  /** Where the full failure list is, when the body cannot hold it. */
  readonly csvNote?: string;
  /** The body limit (GitHub's; tests make it smaller). */
  readonly limit?: number;
  /** A migrate job of this run failed, whether or not its shard's ledger says why. */
  readonly migrateJobFailed?: boolean;
}

/** The summary issue for all shards: title, Markdown body and the marker that finds it again. */
export function summaryIssue(
  shards: readonly ShardLedger[],
  options: SummaryOptions,
): SummaryIssue {
  const settings = shards.find((shard) => shard.ledger !== undefined)?.ledger?.settings;
  const target =
    settings === undefined ? 'the bucket' : `s3://${settings.bucket}/${settings.prefix}`;
  const states = shards.map(shardState);
  const ledgersSay = outcomeOf(states);
  // A job that failed before its chunk recorded anything (a missing secret, a lost runner) leaves
  // the ledgers saying "in progress": only the workflow knows, and a person must look.
  const unexplained = options.migrateJobFailed === true && ledgersSay !== 'attention';
  const outcome: Outcome = unexplained ? 'attention' : ledgersSay;
  const marker = summaryMarker(settings ?? { bucket: '', prefix: '' });
  const sum = overall(shards);
  // The failures come right after the attention and totals: they are what the reader acts on.
  // They are the one section that may not fit whole: it gets the room the others leave.
  const before = [
    marker,
    `## ${HEADLINES[outcome]}: Dropbox to ${escapeMarkdown(target)}`,
    '',
    ...sourceSection(settings),
    ...attentionSection({ shards, states, unexplainedJobFailure: unexplained }),
    ...totalsSection(sum, shards.length),
  ];
  const after = [
    ...exportsSection(sum),
    ...deletionsSection(shards),
    ...shardsSection(shards, states),
    ...runsSection(options.run),
  ];
  const failures = failedFiles(shards);
  const limit = (options.limit ?? ISSUE_BODY_LIMIT) - BODY_MARGIN;
  const { lines, shown } = failuresSection(failures, {
    budget: limit - joined([...before, ...after]).length,
    csvNote: options.csvNote ?? `the CSV artifact \`${FAILURES_ARTIFACT}\` of the finalize job`,
  });
  return {
    outcome,
    states,
    title: `Dropbox to S3: ${HEADLINES[outcome].toLowerCase()} (${plainText(target)})`,
    body: joined([...before, ...lines, ...after]),
    marker,
    failuresShown: shown,
    failuresTotal: failures.length,
  };
}

function joined(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/** An issue title is plain text; it still must not carry line breaks or invisible characters. */
function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069]/g, ' ');
}
