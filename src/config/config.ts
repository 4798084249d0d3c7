import { join } from 'node:path';
import { ConfigError, FAILURE_CLASSES, isFailureClass, type FailureClass } from '../errors.ts';
import { DEFAULT_CONCURRENCY } from '../engine/concurrency.ts';
import { GlobSyntaxError, normalizeGlob } from '../engine/filters.ts';
import { parseShard, shardLabel, type Shard } from '../engine/shard.ts';
import { utf8Bytes, type KeyCase } from '../engine/keys.ts';
import { SSE_MODES, type SseMode } from '../s3/encryption.ts';
import { S3_LIMITS } from '../s3/limits.ts';
import { MIGRATED_TAGGING, needsTag } from '../s3/lifecycle.ts';
import {
  parseLifecycle,
  STORAGE_CLASSES,
  type LifecycleSetting,
  type StorageClass,
} from '../s3/storage-classes.ts';
import { OPTIONS, type Command, type OptionSpec } from './options.ts';
import { parseBoolean, parseChoice, parseDuration, parseInteger, parseSize } from './values.ts';
import { formatBytes } from '../format.ts';

/** Where the tool keeps its own objects in the bucket; migrated keys never start with it. */
export const DEFAULT_TOOL_PREFIX = '_dropbox-to-s3/';

const MiB = 1024 * 1024;
const DEFAULT_LEDGER_DIR = '.dropbox-to-s3';

export interface DropboxCredentials {
  readonly appKey: string | undefined;
  readonly appSecret: string | undefined;
  readonly refreshToken: string | undefined;
  readonly accessToken: string | undefined;
}

export const ACTION_MODES = ['migrate', 'plan', 'finalize'] as const;
export type ActionMode = (typeof ACTION_MODES)[number];
export const LEDGER_STORES = ['cache', 'artifact', 's3'] as const;
export type LedgerStoreKind = (typeof LEDGER_STORES)[number];

/** Which front door collected the raw settings: the action has inputs the CLI has not. */
export type FrontDoor = 'cli' | 'action';

/** Settings only the GitHub Action has. */
export interface ActionSettings {
  readonly mode: ActionMode;
  readonly ledgerStore: LedgerStoreKind;
  /** For the GitHub API (artifact lookup, cache pruning); masked as soon as it is read. */
  readonly githubToken: string | undefined;
  /** finalize: disable the workflow's schedule once every shard is done. */
  readonly disableScheduleWhenDone: boolean;
  /** When the AWS credentials expire, as the step that made them said. */
  readonly awsCredentialsExpiration: Date | undefined;
  /** finalize: how the workflow's migrate jobs ended (`needs.migrate.result`). */
  readonly migrateResult: JobResult | undefined;
}

export const JOB_RESULTS = ['success', 'failure', 'cancelled', 'skipped'] as const;
export type JobResult = (typeof JOB_RESULTS)[number];

/** The action's time budget when the workflow sets none: well inside an hour of OIDC credentials. */
export const ACTION_MAX_DURATION_MS = 50 * 60_000;

export interface Config {
  readonly command: Command;
  /** Undefined for the CLI. */
  readonly action: ActionSettings | undefined;
  readonly dropbox: {
    readonly credentials: DropboxCredentials;
    /** One server for every Dropbox host (the emulator); undefined for Dropbox itself. */
    readonly baseUrl: string | undefined;
    /** '' for the whole account, else "/Folder" (no trailing slash). */
    readonly sourcePath: string;
    /** List and download from the team's root namespace instead of the member's home. */
    readonly teamRoot: boolean;
  };
  readonly s3: {
    readonly bucket: string;
    readonly prefix: string;
    readonly region: string;
    readonly endpoint: string | undefined;
    readonly forcePathStyle: boolean;
    readonly storageClass: StorageClass;
    readonly sse: SseMode | undefined;
    readonly sseKmsKeyId: string | undefined;
    /** Sent with every S3 call: S3 refuses the call when another account owns the bucket. */
    readonly expectedBucketOwner: string | undefined;
    /** The tool's own objects (manifest) live here; ends with "/"; migrated keys never start with it. */
    readonly toolPrefix: string;
    /**
     * `x-amz-tagging` of migrated objects (never of the tool's own): set when our lifecycle rule
     * finds them by tag because a prefix cannot (see src/s3/lifecycle.ts); undefined otherwise.
     */
    readonly tagging: string | undefined;
  };
  /** Undefined for `--lifecycle none`: no rule of ours is written (an existing one is removed). */
  readonly lifecycle: LifecycleSetting | undefined;
  readonly plan: {
    /** JSON file whose prices replace entries of the built-in table. */
    readonly pricesFile: string | undefined;
  };
  readonly keyCase: KeyCase;
  /** Globs on Dropbox paths relative to the source path, lower case (see src/engine/filters.ts). */
  readonly filters: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  readonly exports: {
    readonly mode: 'export' | 'skip';
    /** Overrides Dropbox's suggested export format for every document. */
    readonly format: string | undefined;
  };
  readonly compress: 'off' | 'text';
  readonly keepEmptyFolders: boolean;
  readonly onSourceDelete: 'keep' | 'delete';
  /** Failures to make pending again: every class (true), one class, or none (undefined). */
  readonly retryFailed: true | FailureClass | undefined;
  readonly verify: { readonly deep: boolean; readonly requeue: boolean };
  readonly budget: {
    readonly maxDurationMs: number | undefined;
    readonly graceMs: number;
    readonly batchSize: number | undefined;
    readonly maxBytes: number | undefined;
  };
  readonly concurrency: { readonly fixed: number | undefined; readonly max: number };
  readonly maxMemoryBytes: number;
  readonly partSizeBytes: number;
  readonly maxAttempts: number;
  readonly shard: Shard;
  /** This shard's own ledger folder. */
  readonly ledgerDir: string;
  readonly resetLedger: boolean;
  readonly json: boolean;
}

/** Raw values by option name, as a front door collected them (flags, inputs). */
export type RawSettings = Readonly<
  Record<string, string | boolean | readonly string[] | undefined>
>;

/**
 * The one place where flags, inputs and environment become a validated `Config`. Every bad value
 * fails here, before any work, with a message naming the option and the fix.
 */
export function buildConfig(
  command: Command,
  raw: RawSettings,
  env: NodeJS.ProcessEnv,
  front: FrontDoor = 'cli',
): Config {
  const read = reader(command, raw, env, front);
  const shard =
    front === 'action' ? actionShard(read) : parseShard(read.text('shard') ?? '0/1', '--shard');
  const ledgerRoot = read.text('ledger') ?? DEFAULT_LEDGER_DIR;
  const common = {
    command,
    action: front === 'action' ? actionSettings(read) : undefined,
    shard,
    ledgerDir: join(ledgerRoot, shardLabel(shard)),
    json: read.flag('json'),
  };
  const partSizeBytes = partSize(read.text('part-size'));
  const maxMemoryBytes = read.size('max-memory') ?? 256 * MiB;
  if (maxMemoryBytes < partSizeBytes) {
    throw new ConfigError(
      `--max-memory ${formatBytes(maxMemoryBytes)} is smaller than one part (${formatBytes(partSizeBytes)}); ` +
        'raise --max-memory or lower --part-size.',
    );
  }
  const concurrency = concurrencyOf(read.text('concurrency'), read.text('max-concurrency'));
  const maxDurationMs =
    read.duration('max-duration') ?? (front === 'action' ? ACTION_MAX_DURATION_MS : undefined);
  const graceMs = read.duration('grace') ?? 5000;
  if (maxDurationMs !== undefined && maxDurationMs < 1000) {
    throw new ConfigError(`--max-duration must be at least 1s (for example 50m).`);
  }
  const toolPrefix = toolPrefixOf(read.text('tool-prefix') ?? DEFAULT_TOOL_PREFIX);
  const sse = optional(read.text('sse'), (text) => parseChoice(text, '--sse', SSE_MODES));
  const sseKmsKeyId = read.text('sse-kms-key-id');
  if (sseKmsKeyId !== undefined && sse !== 'aws:kms') {
    throw new ConfigError('--sse-kms-key-id needs --sse aws:kms; add it or leave the key id out.');
  }
  const storageClass = parseChoice(
    read.text('storage-class') ?? 'STANDARD',
    '--storage-class',
    STORAGE_CLASSES,
  );
  const lifecycleSetting = parseLifecycle(read.text('lifecycle'), storageClass);
  const s3Prefix = prefix(read.text('prefix') ?? '', toolPrefix);
  return {
    ...common,
    lifecycle: lifecycleSetting,
    plan: { pricesFile: read.text('prices') },
    dropbox: {
      credentials: credentials(command, read),
      baseUrl: url(read.text('dropbox-base-url'), '--dropbox-base-url'),
      sourcePath: sourcePath(read.text('source-path') ?? ''),
      teamRoot: read.flag('team-root'),
    },
    s3: {
      bucket:
        // The action's `mode: plan` reads the migrate inputs but never calls S3.
        (command === 'migrate' || command === 'verify') && common.action?.mode !== 'plan'
          ? bucketName(read.text('bucket'))
          : (read.text('bucket') ?? ''),
      prefix: s3Prefix,
      toolPrefix,
      tagging:
        lifecycleSetting !== undefined &&
        lifecycleSetting.transitions.length > 0 &&
        needsTag({ prefix: s3Prefix, toolPrefix: toolPrefix })
          ? MIGRATED_TAGGING
          : undefined,
      sse,
      sseKmsKeyId,
      expectedBucketOwner: optional(read.text('expected-bucket-owner'), accountId),
      region: region(read.text('region') ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'),
      endpoint: url(read.text('s3-endpoint'), '--s3-endpoint'),
      forcePathStyle: read.flag('s3-force-path-style'),
      storageClass,
    },
    keyCase: parseChoice(read.text('key-case') ?? 'display', '--key-case', [
      'display',
      'lower',
    ] as const),
    budget: {
      maxDurationMs,
      graceMs,
      batchSize: optional(read.text('batch-size'), (text) =>
        parseInteger(text, '--batch-size', 1, 10_000_000),
      ),
      maxBytes: read.size('max-bytes'),
    },
    concurrency,
    maxMemoryBytes,
    partSizeBytes,
    maxAttempts:
      optional(read.text('max-attempts'), (text) => parseInteger(text, '--max-attempts', 1, 100)) ??
      5,
    resetLedger: read.flag('reset-ledger'),
    filters: {
      include: globs(read.list('include'), '--include'),
      exclude: globs(read.list('exclude'), '--exclude'),
    },
    exports: {
      mode: parseChoice(read.text('exports') ?? 'export', '--exports', ['export', 'skip'] as const),
      format: optional(read.text('export-format'), exportFormat),
    },
    compress: parseChoice(read.text('compress') ?? 'off', '--compress', ['off', 'text'] as const),
    keepEmptyFolders: read.flag('keep-empty-folders'),
    onSourceDelete: parseChoice(read.text('on-source-delete') ?? 'keep', '--on-source-delete', [
      'keep',
      'delete',
    ] as const),
    retryFailed: retryFailed(raw['retry-failed']),
    verify: { deep: read.flag('deep'), requeue: read.flag('requeue') },
  };
}

interface Reader {
  text(name: string): string | undefined;
  /** Every value of a repeatable option (the action gives one a line). */
  list(name: string): string[];
  flag(name: string): boolean;
  size(name: string): number | undefined;
  duration(name: string): number | undefined;
}

function reader(
  command: Command,
  raw: RawSettings,
  env: NodeJS.ProcessEnv,
  front: FrontDoor,
): Reader {
  const known = new Map(OPTIONS.map((option) => [option.name, option]));
  const applies = (option: OptionSpec): boolean =>
    option.commands.includes(command) || (front === 'action' && option.commands.includes('action'));
  for (const name of Object.keys(raw)) {
    const option = known.get(name);
    if (option === undefined) throw new ConfigError(`unknown option --${name}.`);
    if (raw[name] !== undefined && !applies(option)) {
      throw new ConfigError(`--${name} does not apply to \`${command}\`.`);
    }
  }
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (typeof value === 'object') throw new ConfigError(`--${name} may be given only once.`);
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    const variable = known.get(name)?.env;
    const fromEnv = variable === undefined ? undefined : env[variable];
    return fromEnv === undefined || fromEnv.trim() === '' ? undefined : fromEnv.trim();
  };
  return {
    text,
    list: (name) => {
      const value = raw[name];
      const values =
        typeof value === 'string' ? value.split('\n') : typeof value === 'object' ? value : [];
      return values.map((item) => item.trim()).filter((item) => item !== '');
    },
    flag: (name) => {
      const value = raw[name];
      if (typeof value === 'boolean') return value;
      return parseBoolean(typeof value === 'string' ? value : '', `--${name}`);
    },
    size: (name) => optional(text(name), (value) => positive(parseSize(value, `--${name}`), name)),
    duration: (name) => optional(text(name), (value) => parseDuration(value, `--${name}`)),
  };
}

/** The action's shard: `shard-index` of `shard-count`, as separate inputs for a matrix. */
function actionShard(read: Reader): Shard {
  const count = parseInteger(read.text('shard-count') ?? '1', 'shard-count', 1, 256);
  const index = parseInteger(read.text('shard-index') ?? '0', 'shard-index', 0, 255);
  if (index >= count) {
    throw new ConfigError(
      `shard-index ${String(index)} is not below shard-count ${String(count)}: shards are numbered from 0 (with a matrix of n shards, 0 to n-1).`,
    );
  }
  return { index, count };
}

/** The action's `mode`; checked before the rest, since each mode needs different inputs. */
export function actionMode(text: string | undefined): ActionMode {
  return parseChoice(text ?? 'migrate', 'mode', ACTION_MODES);
}

function actionSettings(read: Reader): ActionSettings {
  return {
    mode: actionMode(read.text('mode')),
    ledgerStore: parseChoice(read.text('ledger-store') ?? 'cache', 'ledger-store', LEDGER_STORES),
    githubToken: read.text('github-token'),
    disableScheduleWhenDone: parseBoolean(
      read.text('disable-schedule-when-done') ?? 'true',
      'disable-schedule-when-done',
    ),
    awsCredentialsExpiration: optional(read.text('aws-credentials-expiration'), expirationTime),
    migrateResult: optional(read.text('migrate-result'), (text) =>
      parseChoice(text, 'migrate-result', JOB_RESULTS),
    ),
  };
}

/**
 * An ISO 8601 time. configure-aws-credentials writes its Date output through `JSON.stringify`,
 * so the value may arrive in double quotes.
 */
function expirationTime(text: string): Date {
  const time = new Date(text.replace(/^"(.*)"$/, '$1'));
  if (Number.isNaN(time.getTime())) {
    throw new ConfigError(
      `aws-credentials-expiration "${text}" is not a time: pass the \`aws-expiration\` output of ` +
        'aws-actions/configure-aws-credentials (with output-credentials: true), or leave it empty.',
    );
  }
  return time;
}

function optional<T>(text: string | undefined, parse: (text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(text);
}

function positive(value: number, name: string): number {
  if (value <= 0) throw new ConfigError(`--${name} must be more than 0.`);
  return value;
}

function credentials(command: Command, read: Reader): DropboxCredentials {
  const found: DropboxCredentials = {
    appKey: read.text('dropbox-app-key'),
    appSecret: read.text('dropbox-app-secret'),
    refreshToken: read.text('dropbox-refresh-token'),
    accessToken: read.text('dropbox-access-token'),
  };
  // verify lists Dropbox too (to compare with a current listing); only status reads the ledger
  // alone, and so does the action's finalize, which reads every shard's ledger.
  // auth is how a person gets the refresh token in the first place.
  if (command === 'status' || command === 'auth' || read.text('mode') === 'finalize') return found;
  if (found.refreshToken !== undefined && found.appKey === undefined) {
    throw new ConfigError(
      'DROPBOX_REFRESH_TOKEN is set but DROPBOX_APP_KEY is not: a refresh token only works with the ' +
        'app key of the app that issued it. Set DROPBOX_APP_KEY (and DROPBOX_APP_SECRET unless the token came from a PKCE flow).',
    );
  }
  if (found.refreshToken === undefined && found.accessToken === undefined) {
    throw new ConfigError(
      'no Dropbox credentials: set DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN (and DROPBOX_APP_SECRET ' +
        'unless the token came from a PKCE flow), or DROPBOX_ACCESS_TOKEN for a short run.',
    );
  }
  return found;
}

function bucketName(name: string | undefined): string {
  if (name === undefined) {
    throw new ConfigError('--bucket is required: the name of the S3 bucket to migrate into.');
  }
  const valid =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name);
  if (!valid) {
    throw new ConfigError(
      `--bucket "${name}" is not a valid S3 bucket name: use 3 to 63 lower-case letters, digits, ` +
        'dots and hyphens, starting and ending with a letter or digit.',
    );
  }
  return name;
}

function prefix(text: string, reserved: string): string {
  const value = text.replace(/^\/+|\/+$/g, '');
  if (value.includes('//')) {
    throw new ConfigError(`--prefix "${text}" contains an empty segment (//); remove it.`);
  }
  if (`${value}/`.startsWith(reserved)) {
    throw new ConfigError(
      `--prefix "${text}" is inside ${reserved}, which this tool keeps for its own files; choose another prefix.`,
    );
  }
  const maxBytes = S3_LIMITS.maxKeyBytes / 2;
  if (utf8Bytes(value) > maxBytes) {
    throw new ConfigError(
      `--prefix is ${String(utf8Bytes(value))} bytes; keep it under ${String(maxBytes)} so keys stay within S3's ${String(S3_LIMITS.maxKeyBytes)}.`,
    );
  }
  return value;
}

function sourcePath(text: string): string {
  const value = text.replace(/\/+$/, '');
  if (value === '') return '';
  if (!value.startsWith('/') || value.includes('//')) {
    throw new ConfigError(
      `--source-path "${text}" must be a Dropbox folder path starting with / (for example /Photos), or empty for the whole account.`,
    );
  }
  return value;
}

function region(text: string): string {
  if (!/^[a-z]{2}(-[a-z0-9]+)+$/.test(text)) {
    throw new ConfigError(`--region "${text}" is not an AWS region name (for example eu-west-1).`);
  }
  return text;
}

function url(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
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

function partSize(text: string | undefined): number {
  if (text === undefined) return 16 * MiB;
  const value = parseSize(text, '--part-size');
  if (value % (4 * MiB) !== 0 || value < 8 * MiB || value > 5 * 1024 * MiB) {
    throw new ConfigError(
      `--part-size ${text} must be a multiple of 4 MiB from 8MiB to 5GiB (for example 16MiB), ` +
        "so parts line up with Dropbox's 4 MiB hash blocks.",
    );
  }
  return value;
}

function concurrencyOf(
  text: string | undefined,
  maxText: string | undefined,
): Config['concurrency'] {
  const max =
    optional(maxText, (value) => parseInteger(value, '--max-concurrency', 1, 256)) ??
    DEFAULT_CONCURRENCY.max;
  if (text === undefined || text === 'auto') return { fixed: undefined, max };
  const fixed = optional(text, (value) => {
    if (!/^\d+$/.test(value)) {
      throw new ConfigError(
        `--concurrency "${value}" must be auto or a whole number from 1 to 256.`,
      );
    }
    return parseInteger(value, '--concurrency', 1, 256);
  });
  return { fixed, max: Math.max(max, fixed ?? 1) };
}

function toolPrefixOf(text: string): string {
  const value = `${text.replace(/^\/+|\/+$/g, '')}/`;
  if (value === '/' || value.includes('//')) {
    throw new ConfigError(
      `--tool-prefix "${text}" must be a non-empty key prefix such as _dropbox-to-s3/.`,
    );
  }
  return value;
}

function accountId(text: string): string {
  if (!/^\d{12}$/.test(text)) {
    throw new ConfigError(
      `--expected-bucket-owner "${text}" is not an AWS account id: it has 12 digits (for example 123456789012).`,
    );
  }
  return text;
}

function exportFormat(text: string): string {
  if (!/^[a-z0-9_]{1,20}$/.test(text)) {
    throw new ConfigError(
      `--export-format "${text}" is not a format name: use one Dropbox offers, such as markdown, html, pdf, docx or xlsx.`,
    );
  }
  return text;
}

/** Globs on lower-case paths relative to the source path; the dialect is in src/engine/filters.ts. */
function globs(values: readonly string[], flag: string): string[] {
  return values.map((value) => {
    if (value.startsWith('!')) {
      throw new ConfigError(
        `${flag} "${value}": negation with ! is not supported; --exclude always wins over --include ` +
          '(write \\! for a name that starts with !).',
      );
    }
    try {
      if (value.includes('\0')) throw new GlobSyntaxError('contains a NUL character');
      return normalizeGlob(value);
    } catch (error) {
      if (!(error instanceof GlobSyntaxError)) throw error;
      throw new ConfigError(
        `${flag} "${value}" is not a valid glob: it ${error.message}. ` +
          'Examples: Projects/** (a folder), *.tmp (a name at any depth), **/cache/ (folders).',
      );
    }
  });
}

function retryFailed(value: RawSettings[string]): true | FailureClass | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return true;
  if (typeof value !== 'string') throw new ConfigError('--retry-failed may be given only once.');
  const text = value.trim();
  if (text === '' || text === 'all' || text === 'true') return true;
  if (!isFailureClass(text)) {
    throw new ConfigError(
      `--retry-failed "${text}" is not a failure class: give one as status shows it ` +
        `(one of ${FAILURE_CLASSES.join(', ')}), or none for all.`,
    );
  }
  return text;
}
