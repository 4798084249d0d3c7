import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ACTION_MAX_DURATION_MS } from '../config/config.ts';
import { LEDGER_FILES } from '../ledger/ledger.ts';
import { readEntries } from '../ledger/journal.ts';
import type { Count } from './tally.ts';

const MiB = 1024 * 1024;

/**
 * Used when no ledger has chunk history: a cautious guess for one job on a GitHub-hosted Linux
 * runner (Dropbox's per-user rate limits and per-file round trips bound small files; network and
 * hashing bound large ones). Run one chunk and plan again to use the measured rate.
 */
export const DEFAULT_RATE = { bytesPerSecond: 20 * MiB, filesPerSecond: 20 } as const;
/** Checkout, setup and the ledger's restore and save around each chunk job. */
export const JOB_SETUP_MINUTES = 1;

export interface Rate {
  readonly bytesPerSecond: number;
  readonly filesPerSecond: number;
  /** `ledger`: measured over the chunks the ledger recorded; `default`: DEFAULT_RATE. */
  readonly source: 'ledger' | 'default';
  readonly chunks: number;
}

export interface TransferEstimate {
  readonly rate: Rate;
  /** Listing the account, as long as this plan's listing took. */
  readonly listingSeconds: number;
  readonly transferSeconds: number;
  /** Chunk jobs of the action's default budget (50 minutes). */
  readonly jobs: number;
  /** Each job rounded up to a whole minute, as GitHub bills, with its set-up. */
  readonly billedMinutes: number;
  readonly cost: number;
}

/**
 * Bytes and files a second over every chunk recorded in the ledgers under `ledgerRoot` (every
 * shard's folder), read line by line; undefined when none moved anything.
 */
export async function measuredRate(ledgerRoot: string): Promise<Rate | undefined> {
  const folders = await readdir(ledgerRoot, { withFileTypes: true }).catch(() => []);
  let bytes = 0;
  let files = 0;
  let ms = 0;
  let chunks = 0;
  for (const folder of folders) {
    if (!folder.isDirectory() || !folder.name.startsWith('shard-')) continue;
    for (const name of LEDGER_FILES) {
      await readEntries(join(ledgerRoot, folder.name, name), (entry) => {
        if (entry.t !== 'chunk') return;
        const { summary } = entry;
        if (summary.migrated === 0 || summary.durationMs <= 0) return;
        bytes += summary.bytes;
        files += summary.migrated;
        ms += summary.durationMs;
        chunks += 1;
      }).catch(() => undefined);
    }
  }
  if (chunks === 0) return undefined;
  return {
    bytesPerSecond: bytes / (ms / 1000),
    filesPerSecond: files / (ms / 1000),
    source: 'ledger',
    chunks,
  };
}

export interface TransferTerms {
  readonly rate: Rate;
  /** How long listing the account took. */
  readonly listingSeconds: number;
  /** USD per billed minute of a runner. */
  readonly pricePerMinute: number;
}

/**
 * Time to move `work` at the rate: whichever of bytes and files takes longer, plus the listing,
 * cut into jobs of the action's budget, each billed in whole minutes with its set-up.
 */
export function estimateTransfer(work: Readonly<Count>, terms: TransferTerms): TransferEstimate {
  const { files, bytes } = work;
  const { rate, listingSeconds, pricePerMinute } = terms;
  const transferSeconds = Math.max(
    rate.bytesPerSecond > 0 ? bytes / rate.bytesPerSecond : 0,
    rate.filesPerSecond > 0 ? files / rate.filesPerSecond : 0,
  );
  const minutes = (transferSeconds + listingSeconds) / 60;
  const budget = ACTION_MAX_DURATION_MS / 60_000;
  const fullJobs = Math.floor(minutes / budget);
  const rest = minutes - fullJobs * budget;
  const jobs = fullJobs + (rest > 0 ? 1 : 0);
  const billedMinutes =
    fullJobs * Math.ceil(budget + JOB_SETUP_MINUTES) +
    (rest > 0 ? Math.ceil(rest + JOB_SETUP_MINUTES) : 0);
  return {
    rate,
    listingSeconds,
    transferSeconds,
    jobs,
    billedMinutes,
    cost: billedMinutes * pricePerMinute,
  };
}
