import { join } from 'node:path';
import { ConfigError, FAILURE_CLASSES, isFailureClass, type FailureClass } from '../errors.ts';
import { GlobSyntaxError, normalizeGlob } from '../engine/filters.ts';
import type { BudgetSettings, TransferSettings } from '../engine/settings.ts';
import { shardLabel, type Shard } from '../engine/shard.ts';
import { utf8Bytes, type KeyCase } from '../engine/keys.ts';
import { S3_LIMITS } from '../s3/limits.ts';
import { MIGRATED_TAGGING, needsTag, type RuleScope } from '../s3/lifecycle.ts';
import type { S3Settings } from '../s3/settings.ts';
import { parseLifecycle, type LifecycleSetting } from '../s3/storage-classes.ts';
import type { DropboxCredentials, DropboxSettings } from '../dropbox/settings.ts';
import {
  parseOption,
  type ACTION_MODES,
  type Command,
  type FrontDoor,
  type JOB_RESULTS,
  type LEDGER_STORES,
} from './options.ts';
import { reader, type RawSettings, type Reader } from './reader.ts';
import { formatBytes } from '../format.ts';

export type { RawSettings } from './reader.ts';

export type { DropboxCredentials } from '../dropbox/settings.ts';

export type ActionMode = (typeof ACTION_MODES)[number];
export type LedgerStoreKind = (typeof LEDGER_STORES)[number];

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

export type JobResult = (typeof JOB_RESULTS)[number];

/**
 * The action's time budget when the workflow sets none (`max-duration`'s action default in the
 * option table): well inside an hour of OIDC credentials.
 */
export const ACTION_MAX_DURATION_MS = actionMaxDuration();

function actionMaxDuration(): number {
  const ms = parseOption('max-duration', undefined, 'action');
  if (ms === undefined) throw new Error('max-duration has no action default in the option table');
  return ms;
}

export interface Config {
  readonly command: Command;
  /** Undefined for the CLI. */
  readonly action: ActionSettings | undefined;
  readonly dropbox: DropboxSettings & {
    /** '' for the whole account, else "/Folder" (no trailing slash). */
    readonly sourcePath: string;
  };
  readonly s3: S3Settings;
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
  readonly budget: BudgetSettings;
  readonly concurrency: TransferSettings['concurrency'];
  readonly maxMemoryBytes: number;
  readonly partSizeBytes: number;
  readonly maxAttempts: number;
  readonly shard: Shard;
  /** `--ledger`: every shard's ledger folder is below it. */
  readonly ledgerRoot: string;
  /** This shard's own ledger folder. */
  readonly ledgerDir: string;
  readonly resetLedger: boolean;
  readonly json: boolean;
}

/**
 * The one place where flags, inputs and environment become a validated `Config`. Every bad value
 * fails here, before any work, with a message naming the option and the fix. Each section of the
 * Config has its builder below; defaults come from the option table (src/config/options.ts).
 */
export function buildConfig(
  command: Command,
  raw: RawSettings,
  env: NodeJS.ProcessEnv,
  front: FrontDoor = 'cli',
): Config {
  const read = reader(command, raw, env, front);
  const place = placement(read, front);
  const action = front === 'action' ? actionSettings(read) : undefined;
  return {
    command,
    action,
    ...place,
    json: read.flag('json'),
    ...transfers(read),
    budget: budget(read),
    dropbox: dropbox(command, read),
    ...storage(command, read, action),
    plan: { pricesFile: read.value('prices') },
    ...listing(read),
    ...migrateSettings(read, raw),
    verify: { deep: read.flag('deep'), requeue: read.flag('requeue') },
  };
}

/** Which shard this run works on, and that shard's own ledger folder. */
function placement(
  read: Reader,
  front: FrontDoor,
): Pick<Config, 'shard' | 'ledgerRoot' | 'ledgerDir'> {
  const shard = front === 'action' ? actionShard(read) : read.value('shard');
  const ledgerRoot = read.value('ledger');
  return { shard, ledgerRoot, ledgerDir: join(ledgerRoot, shardLabel(shard)) };
}

/** The same settings for another shard of the migration (finalize reads every shard's ledger). */
export function forShard(config: Config, shard: Shard): Config {
  return { ...config, shard, ledgerDir: join(config.ledgerRoot, shardLabel(shard)) };
}

/** The action's shard: `shard-index` of `shard-count`, as separate inputs for a matrix. */
function actionShard(read: Reader): Shard {
  const count = read.value('shard-count');
  const index = read.value('shard-index');
  if (index >= count) {
    throw new ConfigError(
      `shard-index ${String(index)} is not below shard-count ${String(count)}: shards are numbered from 0 (with a matrix of n shards, 0 to n-1).`,
    );
  }
  return { index, count };
}

/** The action's `mode`; checked before the rest, since each mode needs different inputs. */
export function actionMode(text: string | undefined): ActionMode {
  return parseOption('mode', text, 'action');
}

function actionSettings(read: Reader): ActionSettings {
  return {
    mode: read.value('mode'),
    ledgerStore: read.value('ledger-store'),
    githubToken: read.value('github-token'),
    disableScheduleWhenDone: read.flag('disable-schedule-when-done'),
    awsCredentialsExpiration: read.value('aws-credentials-expiration'),
    migrateResult: read.value('migrate-result'),
  };
}

/** Part size, the memory they are held in, and how many transfers run at once. */
function transfers(read: Reader): Pick<Config, 'partSizeBytes' | 'maxMemoryBytes' | 'concurrency'> {
  const partSizeBytes = read.value('part-size');
  const maxMemoryBytes = read.value('max-memory');
  if (maxMemoryBytes < partSizeBytes) {
    throw new ConfigError(
      `--max-memory ${formatBytes(maxMemoryBytes)} is smaller than one part (${formatBytes(partSizeBytes)}); ` +
        'raise --max-memory or lower --part-size.',
    );
  }
  const max = read.value('max-concurrency');
  const fixed = read.value('concurrency');
  return {
    partSizeBytes,
    maxMemoryBytes,
    concurrency: { fixed, max: fixed === undefined ? max : Math.max(max, fixed) },
  };
}

/** How much one chunk may do: time, files, bytes. */
function budget(read: Reader): Config['budget'] {
  const maxDurationMs = read.value('max-duration');
  const graceMs = read.value('grace');
  if (maxDurationMs !== undefined && maxDurationMs < 1000) {
    throw new ConfigError(`--max-duration must be at least 1s (for example 50m).`);
  }
  return {
    maxDurationMs,
    graceMs,
    batchSize: read.value('batch-size'),
    maxBytes: read.value('max-bytes'),
  };
}

/** Where the files come from: credentials, server, folder, namespace. */
function dropbox(command: Command, read: Reader): Config['dropbox'] {
  return {
    credentials: credentials(command, read),
    baseUrl: read.value('dropbox-base-url'),
    sourcePath: read.value('source-path') ?? '',
    teamRoot: read.flag('team-root'),
  };
}

/** The bucket and how objects are stored in it, with our lifecycle rule for them. */
function storage(
  command: Command,
  read: Reader,
  action: ActionSettings | undefined,
): Pick<Config, 's3' | 'lifecycle'> {
  const toolPrefix = read.value('tool-prefix');
  const sse = read.value('sse');
  const sseKmsKeyId = read.value('sse-kms-key-id');
  if (sseKmsKeyId !== undefined && sse !== 'aws:kms') {
    throw new ConfigError('--sse-kms-key-id needs --sse aws:kms; add it or leave the key id out.');
  }
  const storageClass = read.value('storage-class');
  const lifecycle = parseLifecycle(read.text('lifecycle'), storageClass);
  const scope = { prefix: keyPrefix(read.text('prefix'), toolPrefix), toolPrefix };
  // The action's `mode: plan` reads the migrate inputs but never calls S3.
  const usesBucket = (command === 'migrate' || command === 'verify') && action?.mode !== 'plan';
  return {
    lifecycle,
    s3: {
      bucket: usesBucket ? bucketName(read.text('bucket')) : (read.text('bucket') ?? ''),
      ...scope,
      tagging: tagging(lifecycle, scope),
      sse,
      sseKmsKeyId,
      expectedBucketOwner: read.value('expected-bucket-owner'),
      region: read.value('region'),
      endpoint: read.value('s3-endpoint'),
      forcePathStyle: read.flag('s3-force-path-style'),
      storageClass,
    },
  };
}

/** Migrated objects are tagged when our transitions rule must find them by tag (see needsTag). */
function tagging(lifecycle: LifecycleSetting | undefined, scope: RuleScope): string | undefined {
  const moves = lifecycle !== undefined && lifecycle.transitions.length > 0;
  return moves && needsTag(scope) ? MIGRATED_TAGGING : undefined;
}

/** What is listed, and how it becomes keys. */
function listing(read: Reader): Pick<Config, 'keyCase' | 'filters' | 'exports'> {
  return {
    keyCase: read.value('key-case'),
    filters: {
      include: globs(read.list('include'), '--include'),
      exclude: globs(read.list('exclude'), '--exclude'),
    },
    exports: { mode: read.value('exports'), format: read.value('export-format') },
  };
}

/** What a migrate chunk does beyond copying: compression, folders, deletions, failures, ledger. */
function migrateSettings(
  read: Reader,
  raw: RawSettings,
): Pick<
  Config,
  'compress' | 'keepEmptyFolders' | 'onSourceDelete' | 'maxAttempts' | 'retryFailed' | 'resetLedger'
> {
  return {
    compress: read.value('compress'),
    keepEmptyFolders: read.flag('keep-empty-folders'),
    onSourceDelete: read.value('on-source-delete'),
    maxAttempts: read.value('max-attempts'),
    retryFailed: retryFailed(raw['retry-failed']),
    resetLedger: read.flag('reset-ledger'),
  };
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

/** The key prefix of migrated objects: '' for none (keys are the Dropbox paths). */
function keyPrefix(text: string | undefined, reserved: string): string {
  if (text === undefined) return '';
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
