import { readFile } from 'node:fs/promises';
import { ConfigError, messageOf } from '../errors.ts';
import type { StorageClass, TransitionClass } from '../s3/storage-classes.ts';

/**
 * Every price the cost plan uses, in USD. One table: `--prices FILE` replaces entries of it (same
 * shape, any subset). GB means 2^30 bytes, as AWS bills storage.
 */
export interface PriceTable {
  /** When the figures were taken, and where from. */
  readonly date: string;
  readonly region: string;
  readonly sources: readonly string[];
  readonly s3: {
    /** Per GB-month, by storage class (INTELLIGENT_TIERING: see `intelligentTiering`). */
    readonly storage: Readonly<Record<Exclude<StorageClass, 'INTELLIGENT_TIERING'>, number>>;
    /** PUT, COPY, POST, LIST requests, per 1,000, by the class the object is written in. */
    readonly put: Readonly<Record<StorageClass, number>>;
    /** Lifecycle transition requests, per 1,000, by the class objects move to. */
    readonly transition: Readonly<Record<TransitionClass, number>>;
    readonly intelligentTiering: {
      /** Per GB-month in each access tier (after 30 and 90 days without access). */
      readonly frequent: number;
      readonly infrequent: number;
      readonly archiveInstant: number;
      /** Per 1,000 monitored objects (128 KiB and larger) a month. */
      readonly monitoringPer1000: number;
    };
  };
  readonly actions: {
    /** A GitHub-hosted Linux 2-core runner (`ubuntu-latest`), per minute. */
    readonly linuxPerMinute: number;
  };
}

/**
 * S3 in us-east-1 and GitHub Actions, as looked up on the date below. Confirmed against a source
 * found then: STANDARD, STANDARD_IA, GLACIER and DEEP_ARCHIVE storage; GLACIER and DEEP_ARCHIVE
 * PUT; STANDARD PUT; the 8 KiB + 32 KiB Glacier overhead; Intelligent-Tiering's 128 KiB rule; the
 * runner price (from January 1, 2026). From knowledge of AWS's pricing page, not re-confirmed:
 * ONEZONE_IA, GLACIER_IR, REDUCED_REDUNDANCY, the other PUT prices, every transition price and
 * Intelligent-Tiering's tiers and monitoring fee. Check https://aws.amazon.com/s3/pricing/ and
 * override what changed with --prices.
 */
export const DEFAULT_PRICES: PriceTable = {
  date: '2026-11-26',
  region: 'us-east-1',
  sources: [
    'https://aws.amazon.com/s3/pricing/',
    'https://docs.github.com/en/billing/reference/actions-runner-pricing',
  ],
  s3: {
    storage: {
      STANDARD: 0.023,
      STANDARD_IA: 0.0125,
      ONEZONE_IA: 0.01,
      GLACIER_IR: 0.004,
      GLACIER: 0.0036,
      DEEP_ARCHIVE: 0.00099,
      REDUCED_REDUNDANCY: 0.024,
    },
    put: {
      STANDARD: 0.005,
      STANDARD_IA: 0.01,
      ONEZONE_IA: 0.01,
      INTELLIGENT_TIERING: 0.005,
      GLACIER_IR: 0.02,
      GLACIER: 0.03,
      DEEP_ARCHIVE: 0.05,
      REDUCED_REDUNDANCY: 0.005,
    },
    transition: {
      STANDARD_IA: 0.01,
      INTELLIGENT_TIERING: 0.01,
      ONEZONE_IA: 0.01,
      GLACIER_IR: 0.02,
      GLACIER: 0.03,
      DEEP_ARCHIVE: 0.05,
    },
    intelligentTiering: {
      frequent: 0.023,
      infrequent: 0.0125,
      archiveInstant: 0.004,
      monitoringPer1000: 0.0025,
    },
  },
  actions: { linuxPerMinute: 0.006 },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The table with `overrides` laid over it. Every key must exist in the table and every price must
 * be a finite number ≥ 0 (`date`, `region`: text; `sources`: a list of text), else a ConfigError
 * names the key.
 */
export function withOverrides(table: PriceTable, overrides: unknown, origin: string): PriceTable {
  return merge(table as unknown as Json, overrides, { origin, at: '' }) as unknown as PriceTable;
}

/** Where an override is: the file it came from, and its key path in the table ('' at the top). */
interface Place {
  readonly origin: string;
  readonly at: string;
}

function merge(base: Json, override: unknown, place: Place): Json {
  const { origin, at } = place;
  const name = at === '' ? 'the top level' : `"${at}"`;
  if (Array.isArray(base)) {
    if (!Array.isArray(override) || !override.every((item) => typeof item === 'string')) {
      throw new ConfigError(`${origin}: ${name} must be a list of text.`);
    }
    return override;
  }
  if (typeof base === 'string') {
    if (typeof override !== 'string') throw new ConfigError(`${origin}: ${name} must be text.`);
    return override;
  }
  if (typeof base === 'number') {
    if (typeof override !== 'number' || !Number.isFinite(override) || override < 0) {
      throw new ConfigError(
        `${origin}: ${name} must be a price in USD, a number 0 or more (for example 0.023); ` +
          `got ${typeof override === 'number' ? String(override) : JSON.stringify(override)}.`,
      );
    }
    return override;
  }
  if (base === null || typeof base !== 'object') throw new Error(`price table entry ${name}`);
  if (override === null || typeof override !== 'object' || Array.isArray(override)) {
    throw new ConfigError(`${origin}: ${name} must be an object with keys of the price table.`);
  }
  const merged: Record<string, Json> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const path = at === '' ? key : `${at}.${key}`;
    if (!Object.hasOwn(base, key)) {
      const known = Object.keys(base).join(', ');
      throw new ConfigError(`${origin}: unknown key "${path}" (known here: ${known}).`);
    }
    merged[key] = merge(base[key] as Json, value, { origin, at: path });
  }
  return merged;
}

/** The built-in table, or it with the prices of `file` (`--prices`) laid over it. */
export async function loadPrices(file: string | undefined): Promise<PriceTable> {
  if (file === undefined) return DEFAULT_PRICES;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`--prices ${file} cannot be read: ${messageOf(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`--prices ${file} is not JSON: ${messageOf(error)}`);
  }
  return withOverrides(DEFAULT_PRICES, parsed, `--prices ${file}`);
}
