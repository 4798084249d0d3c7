import { ConfigError } from '../errors.ts';
import type { Shard } from '../engine/shard.ts';
import { SHA256_BLOCKS } from '../engine/content-hash.ts';
import { partSizeRange } from '../engine/transfer.ts';
import { S3_LIMITS } from '../s3/limits.ts';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "50m", "1h30m", "90s", "500ms" or a bare number of seconds into milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new ConfigError(
      `${flag} "${text}" is not a duration; write it like 50m, 1h30m, 90s or 500ms.`,
    );
  }
  return Math.round(
    parts.reduce((sum, part) => sum + Number(part[1]) * (DURATION_UNITS[part[2] ?? 's'] ?? 0), 0),
  );
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** Parses "256MiB", "10GB", "1.5TiB" or a bare number of bytes. */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()];
  if (match?.[1] === undefined || unit === undefined) {
    throw new ConfigError(
      `${flag} "${text}" is not a size; write it like 256MiB, 10GB or 1TiB (or a number of bytes).`,
    );
  }
  return Math.floor(Number(match[1]) * unit);
}

/** Parses a whole number within [min, max]. */
export function parseInteger(text: string, flag: string, min: number, max: number): number {
  const trimmed = text.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${flag} "${text}" must be a whole number from ${String(min)} to ${String(max)}.`,
    );
  }
  return value;
}

export function parseBoolean(text: string, flag: string): boolean {
  const value = text.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off', ''].includes(value)) return false;
  throw new ConfigError(`${flag} "${text}" must be true or false.`);
}

export function parseChoice<T extends string>(
  text: string,
  flag: string,
  choices: readonly T[],
): T {
  const found = choices.find((choice) => choice === text.trim());
  if (found === undefined) {
    throw new ConfigError(`${flag} "${text}" must be one of: ${choices.join(', ')}.`);
  }
  return found;
}

// Parsers of one option's value each, for the option table (src/config/options.ts). `flag` is how
// the message names the option (`--part-size`, or `shard-count` for an input only the action has).

/** A size that must be more than 0. */
export function parsePositiveSize(text: string, flag: string): number {
  const value = parseSize(text, flag);
  if (value <= 0) throw new ConfigError(`${flag} must be more than 0.`);
  return value;
}

/**
 * A multipart part size: a multiple of the content hash's blocks (Dropbox's 4 MiB), within S3's
 * part limits (5 MiB to 5 GiB): 8 MiB to 5 GiB.
 */
export function parsePartSize(text: string, flag: string): number {
  const value = parseSize(text, flag);
  const { smallest, largest, block } = partSizeRange(S3_LIMITS, SHA256_BLOCKS.blockSize);
  if (value % block !== 0 || value < smallest || value > largest) {
    throw new ConfigError(
      `${flag} ${text} must be a multiple of ${mib(block)} MiB from ${mib(smallest)}MiB to ` +
        `${mib(largest) / 1024}GiB (for example 16MiB), so parts line up with Dropbox's ` +
        `${mib(block)} MiB hash blocks.`,
    );
  }
  return value;
}

/** Whole mebibytes (part sizes are whole numbers of them). */
function mib(bytes: number): number {
  return bytes / (1024 * 1024);
}

/** `auto` (undefined: adaptive) or a fixed number of transfers. */
export function parseConcurrency(text: string, flag: string): number | undefined {
  if (text === 'auto') return undefined;
  if (!/^\d+$/.test(text)) {
    throw new ConfigError(`${flag} "${text}" must be auto or a whole number from 1 to 256.`);
  }
  return parseInteger(text, flag, 1, 256);
}

export function parseRegion(text: string, flag: string): string {
  if (!/^[a-z]{2}(-[a-z0-9]+)+$/.test(text)) {
    throw new ConfigError(`${flag} "${text}" is not an AWS region name (for example eu-west-1).`);
  }
  return text;
}

/** An http or https URL, without a trailing slash. */
export function parseUrl(text: string, flag: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(`${flag} "${text}" is not a URL (for example http://127.0.0.1:9000).`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${flag} "${text}" must be an http or https URL.`);
  }
  return parsed.toString().replace(/\/+$/, '');
}

/** A Dropbox folder: '' for the whole account, else "/Folder" (no trailing slash). */
export function parseSourcePath(text: string, flag: string): string {
  const value = text.replace(/\/+$/, '');
  if (value === '') return '';
  if (!value.startsWith('/') || value.includes('//')) {
    throw new ConfigError(
      `${flag} "${text}" must be a Dropbox folder path starting with / (for example /Photos), or empty for the whole account.`,
    );
  }
  return value;
}

/** A key prefix of the tool's own objects, ending with "/". */
export function parseToolPrefix(text: string, flag: string): string {
  const value = `${text.replace(/^\/+|\/+$/g, '')}/`;
  if (value === '/' || value.includes('//')) {
    throw new ConfigError(
      `${flag} "${text}" must be a non-empty key prefix such as _dropbox-to-s3/.`,
    );
  }
  return value;
}

export function parseAccountId(text: string, flag: string): string {
  if (!/^\d{12}$/.test(text)) {
    throw new ConfigError(
      `${flag} "${text}" is not an AWS account id: it has 12 digits (for example 123456789012).`,
    );
  }
  return text;
}

export function parseExportFormat(text: string, flag: string): string {
  if (!/^[a-z0-9_]{1,20}$/.test(text)) {
    throw new ConfigError(
      `${flag} "${text}" is not a format name: use one Dropbox offers, such as markdown, html, pdf, docx or xlsx.`,
    );
  }
  return text;
}

/**
 * An ISO 8601 time. configure-aws-credentials writes its Date output through `JSON.stringify`,
 * so the value may arrive in double quotes.
 */
export function parseExpiration(text: string, flag: string): Date {
  const time = new Date(text.replace(/^"(.*)"$/, '$1'));
  if (Number.isNaN(time.getTime())) {
    throw new ConfigError(
      `${flag} "${text}" is not a time: pass the \`aws-expiration\` output of ` +
        'aws-actions/configure-aws-credentials (with output-credentials: true), or leave it empty.',
    );
  }
  return time;
}

/** Parses "i/n" with 0 ≤ i < n. */
export function parseShard(text: string, flag: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new ConfigError(
      `${flag} "${text}" is not of the form i/n (for example 0/4: the first of four shards).`,
    );
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 256) {
    throw new ConfigError(
      `${flag} "${text}" is out of range: n (the number of shards) must be 1 to 256 (for example 0/4).`,
    );
  }
  if (index >= count) {
    throw new ConfigError(
      `${flag} "${text}" is out of range: i must be 0 to n-1 ` +
        `(for ${String(count)} shards, 0/${String(count)} to ${String(count - 1)}/${String(count)}).`,
    );
  }
  return { index, count };
}
