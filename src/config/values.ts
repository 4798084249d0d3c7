import { ConfigError } from '../errors.ts';

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
