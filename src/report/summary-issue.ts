import { formatBytes, formatDuration } from '../format.ts';
import type { FileRecord, PinnedSettings } from '../ledger/records.ts';
import { toCsv } from './csv.ts';
import { escapeMarkdown, tableCell } from './escape.ts';
import { deletionsOf } from './failures.ts';
import {
  outcomeOf,
  shardState,
  type Outcome,
  type ShardLedger,
  type ShardState,
} from './shards.ts';

/** GitHub refuses issue bodies longer than this many characters. */
export const ISSUE_BODY_LIMIT = 65_536;
/** Room kept below the limit: GitHub may count some characters differently than JavaScript. */
const BODY_MARGIN = 1_536;
/** A failure reason is cut to this many characters in the body (the CSV has it whole). */
const REASON_CHARS = 300;
/** Rows every failure class gets before any class gets more, when not all fit. */
const ROWS_PER_CLASS_FIRST = 3;
const DELETION_ROWS = 10;
/** Shards named in one attention row; the rest are counted. */
const ATTENTION_SHARDS_NAMED = 8;
/** Rows of the per-shard table at most; shards that need nothing are left out first. */
const SHARD_ROWS = 64;

/** The name of the artifact that holds every failure as CSV. */
export const FAILURES_ARTIFACT = 'dropbox-to-s3-failures';
export const FAILURES_CSV = 'failures.csv';

/** Where the workflow runs, for links (from `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, …). */
export interface RunContext {
  readonly serverUrl: string;
  readonly repository: string;
  readonly runId?: string;
  /** `owner/repo/.github/workflows/migrate.yml@refs/heads/main` (`GITHUB_WORKFLOW_REF`). */
  readonly workflowRef?: string;
}

export function runContextFromEnv(env: NodeJS.ProcessEnv): RunContext {
  return {
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    repository: env.GITHUB_REPOSITORY ?? '',
    runId: env.GITHUB_RUN_ID,
    workflowRef: env.GITHUB_WORKFLOW_REF,
  };
}

/** The workflow file's name (`migrate.yml`), the id the REST API takes for it. */
export function workflowFile(run: RunContext): string | undefined {
  const match = /\/\.github\/workflows\/([^/@]+)@/.exec(run.workflowRef ?? '');
  return match?.[1];
}

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

export interface FailedFile {
  readonly shard: string;
  readonly record: FileRecord;
}

/** Every failed (and not since deleted) file of every shard, by class then path. */
export function failedFiles(shards: readonly ShardLedger[]): FailedFile[] {
  const failed: FailedFile[] = [];
  for (const { shard, ledger } of shards) {
    if (ledger === undefined) continue;
    for (const record of ledger.records()) {
      if (record.status === 'failed' && record.deletedAt === undefined)
        failed.push({ shard, record });
    }
  }
  const classOf = (file: FailedFile): string => file.record.failure?.failureClass ?? 'unknown';
  return failed.sort(
    (a, b) => classOf(a).localeCompare(classOf(b)) || a.record.path.localeCompare(b.record.path),
  );
}

/** The full failure list, for the CSV artifact. */
export function failuresCsv(shards: readonly ShardLedger[]): string {
  return toCsv(
    ['shard', 'class', 'kind', 'path', 'key', 'size', 'attempts', 'failed_at', 'reason'],
    failedFiles(shards).map(({ shard, record }) => [
      shard,
      record.failure?.failureClass ?? 'unknown',
      record.failure?.kind ?? '',
      record.path,
      record.key,
      record.size,
      record.attempts,
      record.failure?.at ?? '',
      record.failure?.reason ?? '',
    ]),
  );
}

interface Overall {
  files: number;
  migrated: number;
  exports: number;
  failed: number;
  pending: number;
  deleted: number;
  bytesMigrated: number;
  bytesPending: number;
  chunks: number;
  /** The most chunks one shard ran: about the number of workflow runs. */
  runs: number;
  /** Bytes per second of chunk time, summed over shards (they run side by side). */
  rate: number;
  workMs: number;
  firstStart: string | undefined;
  lastEnd: string | undefined;
  /** A ledger keeps its last 50 chunks: older ones are not counted. */
  chunksTrimmed: boolean;
  exportFormats: Map<string, number>;
}

function overall(shards: readonly ShardLedger[]): Overall {
  const sum: Overall = {
    files: 0,
    migrated: 0,
    exports: 0,
    failed: 0,
    pending: 0,
    deleted: 0,
    bytesMigrated: 0,
    bytesPending: 0,
    chunks: 0,
    runs: 0,
    rate: 0,
    workMs: 0,
    firstStart: undefined,
    lastEnd: undefined,
    chunksTrimmed: false,
    exportFormats: new Map(),
  };
  for (const { ledger } of shards) {
    if (ledger === undefined) continue;
    const totals = ledger.totals();
    sum.files += totals.files;
    sum.migrated += totals.migrated;
    sum.exports += totals.exports;
    sum.failed += totals.failed;
    sum.pending += totals.pending;
    sum.deleted += totals.deleted;
    sum.bytesMigrated += totals.bytesMigrated;
    sum.bytesPending += totals.bytesPending;
    sum.chunks += ledger.chunks.length;
    sum.runs = Math.max(sum.runs, ledger.chunks.length);
    const shardMs = ledger.chunks.reduce((total, chunk) => total + chunk.durationMs, 0);
    const shardBytes = ledger.chunks.reduce((total, chunk) => total + chunk.bytes, 0);
    if (shardMs > 0) sum.rate += shardBytes / (shardMs / 1000);
    if (ledger.chunks.length >= 50) sum.chunksTrimmed = true;
    for (const chunk of ledger.chunks) {
      sum.workMs += chunk.durationMs;
      const end = new Date(Date.parse(chunk.startedAt) + chunk.durationMs).toISOString();
      if (sum.firstStart === undefined || chunk.startedAt < sum.firstStart) {
        sum.firstStart = chunk.startedAt;
      }
      if (sum.lastEnd === undefined || end > sum.lastEnd) sum.lastEnd = end;
    }
    for (const record of ledger.records()) {
      if (record.status !== 'migrated' || record.exportFormat === undefined) continue;
      const format = record.exportFormat;
      sum.exportFormats.set(format, (sum.exportFormats.get(format) ?? 0) + 1);
    }
  }
  return sum;
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
  const head = [
    marker,
    `## ${HEADLINES[outcome]}: Dropbox to ${escapeMarkdown(target)}`,
    '',
    ...sourceLine(settings),
    ...attentionSection(shards, states, unexplained),
    ...totalsSection(sum, shards.length),
    ...exportsSection(sum),
    ...deletionsSection(shards),
    ...shardsSection(shards, states),
    ...runsSection(options.run),
  ];
  const failures = failedFiles(shards);
  const limit = (options.limit ?? ISSUE_BODY_LIMIT) - BODY_MARGIN;
  const { lines, shown } = failuresSection(
    failures,
    limit - joined(head).length,
    options.csvNote ?? `the CSV artifact \`${FAILURES_ARTIFACT}\` of the finalize job`,
  );
  // The failures come right after the attention and totals: they are what the reader acts on.
  const at = head.indexOf(FAILURES_ANCHOR);
  const body = joined(
    [...head.slice(0, at), ...lines, ...head.slice(at)].filter((line) => line !== FAILURES_ANCHOR),
  );
  return {
    outcome,
    states,
    title: `Dropbox to S3: ${HEADLINES[outcome].toLowerCase()} (${plainText(target)})`,
    body,
    marker,
    failuresShown: shown,
    failuresTotal: failures.length,
  };
}

/** Where the failure section goes; removed from the body. */
const FAILURES_ANCHOR = '\u0000failures';

/** "1 file", "2 files". */
function count(n: number, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function joined(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/** An issue title is plain text; it still must not carry line breaks or invisible characters. */
function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069]/g, ' ');
}

function sourceLine(settings: PinnedSettings | undefined): string[] {
  if (settings === undefined) return ['No shard has a ledger yet: nothing has run.', ''];
  const source = settings.sourcePath === '' ? 'the whole account' : settings.sourcePath;
  return [
    `Source: ${escapeMarkdown(source)}; keys in ${escapeMarkdown(settings.keyCase)} case.`,
    '',
  ];
}

/** Shards that share one problem get one row: with hundreds of shards, the same error repeats. */
function attentionSection(
  shards: readonly ShardLedger[],
  states: readonly ShardState[],
  failedJob: boolean,
): string[] {
  const rows = new Map<string, { shards: string[]; text: (names: string) => string }>();
  states.forEach((state, index) => {
    const shard = shards[index]?.shard ?? String(index);
    let key: string;
    let text: (names: string) => string;
    if (state.kind === 'fatal') {
      const failureClass = state.failureClass.replace(/[^a-z_]/g, '');
      const message = cut(state.message);
      key = `fatal\u0000${failureClass}\u0000${message}`;
      text = (names) =>
        `| ${names} | stopped on \`${failureClass}\` at ${tableCell(state.at)}: ${tableCell(message)} | ${adviceFor(failureClass)} |`;
    } else if (state.kind === 'stalled') {
      key = `stalled\u0000${String(state.chunks)}`;
      text = (names) =>
        `| ${names} | no file migrated in the last ${String(state.chunks)} chunks; ${count(state.pending, 'file')} pending | ` +
        'Read the last runs\u2019 job summaries and logs: a service may be refusing every request (rate limits, an outage). ' +
        'Files that keep failing become permanent failures after `max-attempts`; a smaller `batch-size` or `concurrency` can help. |';
    } else {
      return;
    }
    const row = rows.get(key) ?? { shards: [], text };
    row.shards.push(shard);
    rows.set(key, row);
  });
  if (failedJob) {
    rows.set('job', {
      shards: ['(this run)'],
      text: () =>
        '| this run | a migrate job failed before its chunk could record why (its ledger shows the run before) | ' +
        'Open the failed job\u2019s log (see Runs below): a missing secret or variable, an AWS role that cannot be assumed, or a lost runner. Fix it; scheduled runs keep trying. |',
    });
  }
  if (rows.size === 0) return [];
  return [
    '### Needs attention',
    '',
    'The migration does not advance on its own until this is fixed. Scheduled runs keep trying.',
    '',
    '| Shard | What happened | What to do |',
    '| --- | --- | --- |',
    ...[...rows.values()].map((row) => row.text(shardNames(row.shards))),
    '',
  ];
}

/** "0/4", or "0/4, 1/4, 2/4 … (12 shards)" when many share a row. */
function shardNames(names: readonly string[]): string {
  const shown = names.slice(0, ATTENTION_SHARDS_NAMED).map(tableCell).join(', ');
  return names.length > ATTENTION_SHARDS_NAMED
    ? `${shown} \u2026 (${count(names.length, 'shard')})`
    : shown;
}

/** What a person does about a chunk that stopped on a fatal error of this class. */
export function adviceFor(failureClass: string): string {
  switch (failureClass) {
    case 'bad_credentials':
    case 'expired_token':
      return 'Dropbox or AWS refused the credentials: make a new Dropbox refresh token (or check the AWS role), update the repository secrets, then run the workflow.';
    case 'expired_aws_credentials':
      return 'The AWS credentials expired during the chunk: raise `role-duration-seconds` (and the role\u2019s maximum session duration) or lower `max-duration`.';
    case 'missing_bucket':
      return 'The bucket does not exist: create it or fix the `bucket` input, then run the workflow.';
    case 'access_denied':
      return 'S3 denied an operation: compare the role\u2019s policy with the bucket policy in the README.';
    case 'invalid_path_root':
      return 'The Dropbox account changed teams: check `team-root`; a new migration may need `reset-ledger`.';
    case 'service_down':
      return 'A service failed every request: scheduled runs retry; check Dropbox\u2019s and AWS\u2019s status pages if it persists.';
    default:
      return 'Read the message, fix its cause, then run the workflow (scheduled runs retry on their own).';
  }
}

/** Chunk time left at the rate so far, when there is something to say. */
function eta(sum: Overall): string {
  if (sum.bytesPending === 0 || sum.rate <= 0) return '';
  return (
    ` At ${formatBytes(Math.round(sum.rate))}/s over all shards, the pending files need about ` +
    `${formatDuration((sum.bytesPending / sum.rate) * 1000)} of chunk time.`
  );
}

function totalsSection(sum: Overall, shardCount: number): string[] {
  const work =
    sum.chunks === 0
      ? 'No chunk has run yet.'
      : `${sum.chunksTrimmed ? 'At least ' : ''}${count(sum.chunks, 'chunk')} over ${count(shardCount, 'shard')}, ${formatDuration(sum.workMs)} of work, ` +
        `from ${sum.firstStart ?? '?'} to ${sum.lastEnd ?? '?'} (about ${count(sum.runs, 'run')}).` +
        eta(sum);
  return [
    '### Totals',
    '',
    '| | Files | Size |',
    '| --- | ---: | ---: |',
    `| Migrated | ${String(sum.migrated)} | ${formatBytes(sum.bytesMigrated)} |`,
    `| Failed | ${String(sum.failed)} | |`,
    `| Pending | ${String(sum.pending)} | ${formatBytes(sum.bytesPending)} |`,
    `| Deleted in Dropbox since listed | ${String(sum.deleted)} | |`,
    `| Known to the ledgers | ${String(sum.files)} | |`,
    '',
    work,
    '',
    FAILURES_ANCHOR,
  ];
}

function exportsSection(sum: Overall): string[] {
  if (sum.exports === 0) return [];
  const formats = [...sum.exportFormats.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([format, count]) => `${escapeMarkdown(format)} ${String(count)}`)
    .join(', ');
  return [
    '### Exports',
    '',
    `${count(sum.exports, 'Paper or Google document')} ${sum.exports === 1 ? 'is' : 'are'} stored as ${sum.exports === 1 ? 'its' : 'their'} export (${formats}).`,
    '',
  ];
}

function deletionsSection(shards: readonly ShardLedger[]): string[] {
  const records = shards.flatMap(({ ledger }) =>
    ledger === undefined ? [] : [...ledger.records()],
  );
  const deletions = deletionsOf(records, DELETION_ROWS);
  if (deletions.count === 0) return [];
  const more = deletions.count - deletions.examples.length;
  return [
    '### Deleted in Dropbox',
    '',
    `${count(deletions.count, 'file')} ${deletions.count === 1 ? 'was' : 'were'} deleted in Dropbox after being listed. Objects of deleted files are kept unless the migration runs with \`on-source-delete: delete\`. Latest first:`,
    '',
    '| Path | Deleted | Object |',
    '| --- | --- | --- |',
    ...deletions.examples.map(
      (example) =>
        `| ${tableCell(example.path)} | ${tableCell(example.deletedAt)} | ${tableCell(example.object)} |`,
    ),
    ...(more > 0 ? ['', `\u2026 and ${String(more)} more.`] : []),
    '',
  ];
}

function shardsSection(shards: readonly ShardLedger[], states: readonly ShardState[]): string[] {
  if (shards.length <= 1) return [];
  // Shards that need nothing go last, so a cut table still shows every one that does.
  const order = shards
    .map((shard, index) => ({ shard, state: states[index] }))
    .sort((a, b) => Number(a.state?.kind === 'done') - Number(b.state?.kind === 'done'));
  const shown = order.slice(0, SHARD_ROWS);
  const done = order.slice(SHARD_ROWS).filter(({ state }) => state?.kind === 'done').length;
  const rest = order.length - shown.length;
  return [
    '### Shards',
    '',
    '| Shard | State | Migrated | Pending | Failed | Chunks |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...shown.map(({ shard: { shard, ledger }, state }) => {
      const totals = ledger?.totals();
      return `| ${tableCell(shard)} | ${state?.kind ?? 'missing'} | ${String(totals?.migrated ?? 0)} | ${String(totals?.pending ?? 0)} | ${String(totals?.failed ?? 0)} | ${String(ledger?.chunks.length ?? 0)} |`;
    }),
    ...(rest > 0
      ? ['', `\u2026 and ${count(rest, 'more shard')} (${String(done)} of them done).`]
      : []),
    '',
  ];
}

function runsSection(run: RunContext): string[] {
  if (run.repository === '') return [];
  const base = `${run.serverUrl}/${run.repository}/actions`;
  const file = workflowFile(run);
  const links = [
    `[the workflow\u2019s runs](${encodeURI(file === undefined ? base : `${base}/workflows/${file}`)})`,
  ];
  if (run.runId !== undefined && /^\d+$/.test(run.runId)) {
    links.push(`[the run that wrote this](${encodeURI(`${base}/runs/${run.runId}`)})`);
  }
  return ['### Runs', '', `See ${links.join(' and ')}.`, ''];
}

/**
 * Every failure, grouped by class, as tables that fit in `budget` characters. When they do not
 * all fit, each class first gets a few rows, then the largest classes more, and the rest is
 * counted with a pointer to the CSV.
 */
function failuresSection(
  failures: readonly FailedFile[],
  budget: number,
  csvNote: string,
): { lines: string[]; shown: number } {
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
  const take = new Map(ordered.map(([failureClass]) => [failureClass, 0]));
  const fixed = 200 + csvNote.length;
  let used =
    fixed +
    ordered.reduce(
      (sum, [failureClass]) => sum + classHeader(failureClass, 0).join('\n').length + 1,
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
  let room = ordered.every(([failureClass]) => grant(failureClass, ROWS_PER_CLASS_FIRST));
  for (const [failureClass] of ordered) {
    if (!room) break;
    room = grant(failureClass, Number.POSITIVE_INFINITY);
  }
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
    lines.push(`\u2026 and ${String(failures.length - shown)} more (see ${csvNote}).`, '');
  } else {
    lines.push(`The same list, with keys and exact paths, is in ${csvNote}.`, '');
  }
  return { lines, shown };
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

/** A reason or message cut to REASON_CHARS characters (whole graphemes); the CSV has it whole. */
function cut(text: string): string {
  const characters = Array.from(new Intl.Segmenter().segment(text), (part) => part.segment);
  return characters.length > REASON_CHARS
    ? `${characters.slice(0, REASON_CHARS).join('')}\u2026`
    : text;
}
