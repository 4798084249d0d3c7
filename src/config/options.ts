import { DEFAULT_CONCURRENCY } from '../engine/concurrency.ts';
import { SSE_MODES } from '../s3/encryption.ts';
import { DEFAULT_LIFECYCLE, STORAGE_CLASSES } from '../s3/storage-classes.ts';
import {
  parseAccountId,
  parseBoolean,
  parseChoice,
  parseConcurrency,
  parseDuration,
  parseExpiration,
  parseExportFormat,
  parseInteger,
  parsePartSize,
  parsePositiveSize,
  parseRegion,
  parseShard,
  parseSourcePath,
  parseToolPrefix,
  parseUrl,
} from './values.ts';

/**
 * Every option of every front door, in one table: the CLI's flags, the action's inputs and the
 * README's option table all come from here, so they cannot drift apart. So does each option's
 * default: `buildConfig` parses it with the option's own parser when the option is left out, and
 * help, README and action.yml show it as written (test/unit/option-defaults.test.ts holds them
 * together).
 */
export type Command = 'migrate' | 'status' | 'verify' | 'plan' | 'auth';
/** Where an option applies: a CLI command, or `action` for inputs only the GitHub Action has. */
export type Surface = Command | 'action';
/** Which front door collected the raw settings: the action has inputs the CLI has not. */
export type FrontDoor = 'cli' | 'action';

interface OptionBase {
  /** The name in the raw settings handed to `buildConfig`, and the action input's name. */
  readonly name: string;
  /** Placeholder for the value on the command line; absent for on/off switches. */
  readonly value?: string;
  readonly description: string;
  readonly commands: readonly Surface[];
  /**
   * What a given text means: the typed value, or a ConfigError that names the option (`flag`, see
   * `flagOf`) and the fix. Without a parser, the value is the text; options whose value depends
   * on others (`prefix`, `lifecycle`, `bucket`) are read by their section of `buildConfig`.
   */
  readonly parse?: (text: string, flag: string) => unknown;
  /**
   * The action's default when it is not the CLI's (`max-duration`): action.yml declares it, and
   * `buildConfig` parses it for the action when the input is left out.
   */
  readonly actionDefault?: string;
  /**
   * action.yml's default when it is an expression the runner evaluates (`${{ github.token }}`):
   * `buildConfig` never sees it.
   */
  readonly runnerDefault?: string;
  /**
   * A migrate option the action does not take as an input (it derives it: `shard` from
   * `shard-index`/`shard-count`; `json` has no use there).
   */
  readonly cliOnly?: boolean;
  /** An environment variable that supplies the value when the flag is not given. */
  readonly env?: string;
  /** A second variable, read when `env` is unset, before the default (region only). */
  readonly defaultEnv?: string;
  /** Secrets come only from the environment (or the action's secret inputs), never from flags. */
  readonly secret?: boolean;
  /** The flag may be given several times; the action input takes one value a line. */
  readonly repeatable?: boolean;
  /** The flag's value may be left out (`--retry-failed` alone means every class). */
  readonly optionalValue?: boolean;
}

/**
 * An option has a default value, or a text that says what leaving it out means when that is no
 * value ("(the whole account)"), or neither; never both, so there is no second value to drift.
 */
export type OptionSpec = OptionBase &
  (
    | {
        /** The default, written as a person would give it, and parsed by `parse` like a given value. */
        readonly default: string;
        readonly absent?: never;
      }
    | { readonly default?: never; readonly absent?: string }
  );

const MIGRATE_VERIFY: readonly Command[] = ['migrate', 'verify'];
/** Options that shape what is listed and how keys are made: `plan` lists the account too. */
const LISTING: readonly Command[] = ['migrate', 'verify', 'plan'];
/** Options for talking to Dropbox: `auth` gets a refresh token with the app key (and secret). */
const DROPBOX_APP: readonly Command[] = ['migrate', 'verify', 'plan', 'auth'];
/** An on/off switch: given alone on the command line, `true`/`false` as an action input. */
const SWITCH = { default: 'off', parse: parseBoolean } as const;

// The values options choose from.
export const KEY_CASES = ['display', 'lower'] as const;
export const EXPORT_MODES = ['export', 'skip'] as const;
export const COMPRESS_MODES = ['off', 'text'] as const;
export const SOURCE_DELETE_MODES = ['keep', 'delete'] as const;
export const ACTION_MODES = ['migrate', 'plan', 'finalize'] as const;
export const LEDGER_STORES = ['cache', 'artifact', 's3'] as const;
export const JOB_RESULTS = ['success', 'failure', 'cancelled', 'skipped'] as const;
/** Where the tool keeps its own objects in the bucket; migrated keys never start with it. */
export const DEFAULT_TOOL_PREFIX = '_dropbox-to-s3/';
const DEFAULT_LEDGER_DIR = '.dropbox-to-s3';

const TABLE = [
  {
    name: 'bucket',
    value: 'name',
    description: 'S3 bucket the files go to (it must exist).',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'prefix',
    value: 'prefix',
    description: 'Key prefix in the bucket: a file /A/b.txt becomes `prefix/A/b.txt`.',
    absent: '(none: keys are the Dropbox paths)',
    commands: LISTING,
  },
  {
    name: 'region',
    value: 'region',
    description: 'AWS region of the bucket.',
    // One rule: --region, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1; we hand the
    // S3 client its region, so the SDK's own lookup never runs. The AWS SDK for JavaScript v3
    // reads AWS_REGION, then `region` in the shared config file, never AWS_DEFAULT_REGION
    // (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-region.html;
    // @smithy/core's NODE_REGION_CONFIG_OPTIONS). AWS_DEFAULT_REGION is the AWS CLI's name, the
    // one its guide exports (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html),
    // read after AWS_REGION as the CLI does: a shell set up for the AWS CLI finds its bucket, as it
    // always has here. The shared config file is not read.
    env: 'AWS_REGION',
    defaultEnv: 'AWS_DEFAULT_REGION',
    default: 'us-east-1',
    parse: parseRegion,
    commands: MIGRATE_VERIFY,
  },
  {
    name: 's3-endpoint',
    value: 'url',
    description: 'Endpoint of an S3-compatible store instead of AWS.',
    parse: parseUrl,
    commands: MIGRATE_VERIFY,
  },
  {
    name: 's3-force-path-style',
    description:
      'Address the bucket in the path (`endpoint/bucket/key`), as most S3-compatible stores need.',
    ...SWITCH,
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'storage-class',
    value: 'class',
    description:
      'Storage class of new objects (STANDARD, STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE, …).',
    default: 'STANDARD',
    parse: (text, flag) => parseChoice(text, flag, STORAGE_CLASSES),
    commands: ['migrate', 'plan'],
  },
  {
    name: 'lifecycle',
    value: 'transitions|none',
    description:
      'Lifecycle rule for the migrated objects: `CLASS:DAYS` transitions, comma-separated, or `none`. Applied once per migration (CLI: by shard 0; action: by `finalize`), keeping every other rule of the bucket. See Storage classes and lifecycle.',
    // Read by buildConfig's storage section, with --storage-class (src/s3/storage-classes.ts).
    default: DEFAULT_LIFECYCLE,
    commands: ['migrate', 'plan'],
  },
  {
    name: 'source-path',
    value: 'path',
    description: 'Dropbox folder to migrate; keys are made from paths below it.',
    absent: '(the whole account)',
    parse: parseSourcePath,
    commands: LISTING,
  },
  {
    name: 'key-case',
    value: 'display|lower',
    description: 'Case of keys: as the user sees names in Dropbox, or all lower case.',
    default: 'display',
    parse: (text, flag) => parseChoice(text, flag, KEY_CASES),
    commands: LISTING,
  },
  {
    name: 'include',
    value: 'glob',
    description:
      'Migrate only Dropbox paths matching this gitignore-style glob (repeatable), below --source-path, ignoring case: `*.pdf` at any depth, `/Photos` or `Photos/**` one top-level folder. See Filters.',
    absent: '(everything)',
    repeatable: true,
    commands: LISTING,
  },
  {
    name: 'exclude',
    value: 'glob',
    description:
      'Leave out Dropbox paths matching this glob (repeatable; e.g. `.DS_Store`, `*.tmp`, `/Archive`); wins over --include.',
    absent: '(nothing)',
    repeatable: true,
    commands: LISTING,
  },
  {
    name: 'exports',
    value: 'export|skip',
    description:
      'Paper and Google documents cannot be downloaded as they are: `export` stores them converted (`Plan.paper` → `Plan.paper.md`), `skip` leaves them out.',
    default: 'export',
    parse: (text, flag) => parseChoice(text, flag, EXPORT_MODES),
    commands: LISTING,
  },
  {
    name: 'export-format',
    value: 'format',
    description:
      'Format for exported documents (e.g. `markdown`, `html`, `pdf`, `docx`, `xlsx`) instead of the one Dropbox suggests for each.',
    absent: "(Dropbox's suggestion)",
    parse: parseExportFormat,
    commands: LISTING,
  },
  {
    name: 'compress',
    value: 'off|text',
    description:
      '`text` gzips text-like files (stored with `Content-Encoding: gzip`) when that saves at least 10%.',
    default: 'off',
    parse: (text, flag) => parseChoice(text, flag, COMPRESS_MODES),
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'team-root',
    description:
      "List and download from the team's root namespace, so team folders outside your home folder are included.",
    ...SWITCH,
    commands: LISTING,
  },
  {
    name: 'sse',
    value: 'AES256|aws:kms',
    description: 'Server-side encryption of new objects.',
    absent: "(the bucket's default)",
    parse: (text, flag) => parseChoice(text, flag, SSE_MODES),
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'sse-kms-key-id',
    value: 'key',
    description: 'KMS key (id or ARN) for `--sse aws:kms`.',
    absent: '(the AWS managed key)',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'expected-bucket-owner',
    value: 'account',
    description:
      'AWS account id that must own the bucket; every S3 call fails if another account owns it.',
    parse: parseAccountId,
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'tool-prefix',
    value: 'prefix',
    description:
      'The tool prefix: where the tool keeps its own objects (manifests, and the ledger with `ledger-store: s3`); migrated keys never start with it.',
    default: DEFAULT_TOOL_PREFIX,
    parse: parseToolPrefix,
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'keep-empty-folders',
    description: 'Also write a zero-byte `folder/` object for each empty Dropbox folder.',
    ...SWITCH,
    commands: ['migrate'],
  },
  {
    name: 'on-source-delete',
    value: 'keep|delete',
    description:
      'What a file deleted in Dropbox does to its object: `keep` reports it; `delete` deletes the object, only if this tool wrote it.',
    default: 'keep',
    parse: (text, flag) => parseChoice(text, flag, SOURCE_DELETE_MODES),
    commands: ['migrate'],
  },
  {
    name: 'retry-failed',
    value: 'class',
    description:
      'Make permanent failures pending again (all, or only those of one class such as `access_denied`) after fixing their cause.',
    optionalValue: true,
    commands: ['migrate'],
  },
  {
    name: 'deep',
    description: 'verify: re-read every object and re-hash it, not just its size and stored hash.',
    ...SWITCH,
    commands: ['verify'],
  },
  {
    name: 'requeue',
    description:
      'verify: mark every file that differs pending again, so the next migrate copies it.',
    ...SWITCH,
    commands: ['verify'],
  },
  {
    name: 'prices',
    value: 'file',
    description:
      'plan: a JSON file of S3 and GitHub Actions prices that replaces entries of the built-in table (see Plan the cost).',
    absent: '(built-in table)',
    commands: ['plan', 'action'],
  },
  {
    name: 'max-duration',
    value: 'duration',
    description:
      'Time budget of the chunk (e.g. `50m`): after it, nothing new starts, files in flight get the grace period, the ledger is saved.',
    absent: '(no limit)',
    actionDefault: '50m',
    parse: parseDuration,
    commands: ['migrate'],
  },
  {
    name: 'grace',
    value: 'duration',
    description: 'How long files in flight may finish after the deadline or a stop signal.',
    default: '5s',
    parse: parseDuration,
    commands: ['migrate'],
  },
  {
    name: 'batch-size',
    value: 'files',
    description: 'At most this many files per chunk (per shard).',
    absent: '(no limit)',
    parse: (text, flag) => parseInteger(text, flag, 1, 10_000_000),
    commands: ['migrate'],
  },
  {
    name: 'max-bytes',
    value: 'size',
    description: 'At most this many bytes per chunk (e.g. `50GiB`).',
    absent: '(no limit)',
    parse: parsePositiveSize,
    commands: ['migrate'],
  },
  {
    name: 'concurrency',
    value: 'auto|N',
    description:
      '`auto` grows while transfers succeed and halves on rate limits and server errors; a number fixes it.',
    default: 'auto',
    parse: parseConcurrency,
    commands: ['migrate'],
  },
  {
    name: 'max-concurrency',
    value: 'N',
    description: 'Upper bound for automatic concurrency.',
    default: String(DEFAULT_CONCURRENCY.max),
    parse: (text, flag) => parseInteger(text, flag, 1, 256),
    commands: ['migrate'],
  },
  {
    name: 'max-memory',
    value: 'size',
    description: 'Cap on file bytes held in memory at once, across all transfers.',
    default: '256MiB',
    parse: parsePositiveSize,
    commands: ['migrate'],
  },
  {
    name: 'part-size',
    value: 'size',
    description:
      'Multipart part size (a multiple of 4 MiB, at least 8 MiB); files up to this size are sent in one PUT. Grown per file so 10,000 parts cover it.',
    default: '16MiB',
    parse: parsePartSize,
    commands: ['migrate'],
  },
  {
    name: 'max-attempts',
    value: 'N',
    description:
      'A retryable failure that persists over this many attempts (across chunks) becomes permanent.',
    default: '5',
    parse: (text, flag) => parseInteger(text, flag, 1, 100),
    commands: ['migrate'],
  },
  {
    name: 'shard',
    value: 'i/n',
    description:
      'Work on shard i of n (files are split by a hash of their Dropbox id); each shard has its own ledger.',
    default: '0/1',
    parse: parseShard,
    cliOnly: true,
    commands: ['migrate', 'status', 'verify'],
  },
  {
    name: 'ledger',
    value: 'dir',
    description:
      'Folder of the ledger, one subfolder per shard (what is done, the listing cursor, the pinned settings).',
    default: DEFAULT_LEDGER_DIR,
    commands: ['migrate', 'status', 'verify', 'plan'],
  },
  {
    name: 'reset-ledger',
    description:
      'Forget the ledger and start a new migration (objects already in S3 are found again, not copied twice).',
    ...SWITCH,
    commands: ['migrate'],
  },
  {
    name: 'json',
    description: 'Print the result as one JSON line on stdout.',
    ...SWITCH,
    cliOnly: true,
    commands: ['migrate', 'status', 'verify', 'plan'],
  },
  {
    name: 'dropbox-base-url',
    value: 'url',
    description:
      'Send Dropbox API calls to this server instead of Dropbox (the local emulator, for demos and tests).',
    absent: '(Dropbox)',
    parse: parseUrl,
    env: 'DROPBOX_BASE_URL',
    commands: DROPBOX_APP,
  },
  {
    name: 'dropbox-app-key',
    description: 'App key of your Dropbox app.',
    env: 'DROPBOX_APP_KEY',
    secret: true,
    commands: DROPBOX_APP,
  },
  {
    name: 'dropbox-app-secret',
    description: 'App secret; leave it out for refresh tokens from a PKCE flow.',
    env: 'DROPBOX_APP_SECRET',
    secret: true,
    commands: DROPBOX_APP,
  },
  {
    name: 'dropbox-refresh-token',
    description: 'Long-lived refresh token (with the app key, the way to run unattended).',
    env: 'DROPBOX_REFRESH_TOKEN',
    secret: true,
    commands: LISTING,
  },
  {
    name: 'dropbox-access-token',
    description:
      'A short-lived access token instead of a refresh token (it expires after 4 hours).',
    env: 'DROPBOX_ACCESS_TOKEN',
    secret: true,
    commands: LISTING,
  },
  {
    name: 'mode',
    value: 'migrate|plan|finalize',
    description:
      "What the action step does: `migrate` runs one chunk of one shard; `plan` lists the account and writes the cost plan to the job summary; `finalize` reads every shard's ledger, applies the lifecycle rule and writes the summary issue or the progress.",
    default: 'migrate',
    parse: (text, flag) => parseChoice(text, flag, ACTION_MODES),
    commands: ['action'],
  },
  {
    name: 'shard-index',
    value: 'i',
    description: "This job's shard, from 0 (in a matrix of shards, the matrix value).",
    default: '0',
    parse: (text, flag) => parseInteger(text, flag, 0, 255),
    commands: ['action'],
  },
  {
    name: 'shard-count',
    value: 'n',
    description: 'Number of shards the files are split into; keep it the same for every run.',
    default: '1',
    parse: (text, flag) => parseInteger(text, flag, 1, 256),
    commands: ['action'],
  },
  {
    name: 'ledger-store',
    value: 'cache|artifact|s3',
    description:
      "Where the shard's ledger is kept between runs: the Actions cache, a workflow artifact, or objects under --tool-prefix in the bucket (durable). See Use it as a GitHub Action.",
    default: 'cache',
    parse: (text, flag) => parseChoice(text, flag, LEDGER_STORES),
    commands: ['action'],
  },
  {
    name: 'disable-schedule-when-done',
    value: 'true|false',
    description:
      'finalize: when every shard is done, disable the workflow so its schedule stops (needs `actions: write`).',
    default: 'true',
    parse: parseBoolean,
    commands: ['action'],
  },
  {
    name: 'github-token',
    description:
      'Token for the GitHub API: finding the last ledger artifact (`actions: read`), pruning old ledger caches (`actions: write`).',
    runnerDefault: '${{ github.token }}',
    secret: true,
    commands: ['action'],
  },
  {
    name: 'migrate-result',
    value: 'result',
    description:
      "finalize: the result of the workflow's migrate jobs (`needs.migrate.result`). `failure` asks for attention even when no shard's ledger says why (a job that failed before its chunk could record anything: a missing secret, a lost runner).",
    absent: '(not known)',
    parse: (text, flag) => parseChoice(text, flag, JOB_RESULTS),
    commands: ['action'],
  },
  {
    name: 'aws-credentials-expiration',
    value: 'time',
    description:
      'When the AWS credentials expire (the `aws-expiration` output of aws-actions/configure-aws-credentials with `output-credentials: true`): a chunk that would outlive them is refused before it starts.',
    absent: "(the AWS SDK's, when it knows)",
    parse: parseExpiration,
    commands: ['action'],
  },
] as const satisfies readonly OptionSpec[];

export const OPTIONS: readonly OptionSpec[] = TABLE;

/**
 * Options renamed before the first release, by their old names: given the old name, a run stops
 * and names the new one, instead of ignoring a value (the action would otherwise only warn of an
 * unexpected input and carry on with the default).
 */
export const RENAMED_OPTIONS: Readonly<Record<string, string>> = {
  'manifest-prefix': 'tool-prefix',
};

/** The option given by an old name, with the fix, or undefined for any other name. */
export function renamedOption(name: string): string | undefined {
  const renamed = RENAMED_OPTIONS[name];
  return renamed === undefined
    ? undefined
    : `--${name} was renamed --${renamed} (the action input \`${renamed}\`); give it under that name.`;
}

type Entry = (typeof TABLE)[number];
/** The name of an option of the table: `buildConfig` reads options by these names only. */
export type OptionName = Entry['name'];
type EntryNamed<N extends OptionName> = Extract<Entry, { readonly name: N }>;
/** What `parseOption` gives for option N: its parser's type; undefined too when it has no default. */
export type OptionValue<N extends OptionName> =
  | (EntryNamed<N> extends { readonly parse: (text: string, flag: string) => infer T } ? T : string)
  | (EntryNamed<N> extends { readonly default: string } ? never : undefined);

const BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.map((option) => [option.name, option]),
);

export function optionNamed(name: string): OptionSpec | undefined {
  return BY_NAME.get(name);
}

/** How messages name an option: `--name`, or the bare input name for inputs only the action has. */
function flagOf(option: OptionSpec): string {
  return actionOnly(option) ? option.name : `--${option.name}`;
}

export function actionOnly(option: OptionSpec): boolean {
  return option.commands.every((surface) => surface === 'action');
}

/**
 * The typed value of option `name`: `text` read by the option's parser or, when the text is
 * absent, its default (the action's own for the action) read the same way; undefined when it has
 * none.
 */
export function parseOption<N extends OptionName>(
  name: N,
  text: string | undefined,
  front: FrontDoor = 'cli',
): OptionValue<N> {
  const option = BY_NAME.get(name);
  if (option === undefined) throw new Error(`no option ${name} in the table`);
  const given = text ?? (front === 'action' ? option.actionDefault : undefined) ?? option.default;
  if (given === undefined || option.parse === undefined) return given as OptionValue<N>;
  return option.parse(given, flagOf(option)) as OptionValue<N>;
}

/**
 * The default as help, README and action.yml show it: the value as written (in backticks), after
 * the environment variables read before it; or what leaving the option out means.
 */
export function defaultText(option: OptionSpec): string | undefined {
  if (option.runnerDefault !== undefined) return code(option.runnerDefault);
  const value = option.default === undefined ? option.absent : code(option.default);
  // The region's: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
  const variables = option.defaultEnv === undefined ? [] : [option.env, option.defaultEnv];
  const chain =
    value === undefined
      ? undefined
      : [...variables.flatMap((name) => (name === undefined ? [] : [code(name)])), value].join(
          ', else ',
        );
  if (option.actionDefault === undefined) return chain;
  return [chain, `the action: ${code(option.actionDefault)}`]
    .filter((part) => part !== undefined)
    .join('; ');
}

function code(text: string): string {
  return `\`${text}\``;
}

/** The action's inputs: every migrate option it takes, then those only the action has. */
export function actionInputs(): OptionSpec[] {
  return OPTIONS.filter(
    (option) =>
      (option.commands.includes('migrate') && option.cliOnly !== true) ||
      option.commands.includes('action'),
  );
}
