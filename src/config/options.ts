/**
 * Every option of every front door, in one table: the CLI's flags, the action's inputs and the
 * README's option table all come from here, so they cannot drift apart.
 */
export type Command = 'migrate' | 'status' | 'verify' | 'plan' | 'auth';
/** Where an option applies: a CLI command, or `action` for inputs only the GitHub Action has. */
export type Surface = Command | 'action';

export interface OptionSpec {
  /** The name in the raw settings handed to `buildConfig`, and the action input's name. */
  readonly name: string;
  /** Placeholder for the value on the command line; absent for on/off switches. */
  readonly value?: string;
  readonly description: string;
  /** The default as a person reads it; absent when there is none. */
  readonly defaultText?: string;
  readonly commands: readonly Surface[];
  /**
   * A migrate option the action does not take as an input (it derives it: `shard` from
   * `shard-index`/`shard-count`; `json` has no use there).
   */
  readonly cliOnly?: boolean;
  /** The action input's default in action.yml, when it differs from the CLI's (`max-duration`). */
  readonly actionDefault?: string;
  /** An environment variable that supplies the value when the flag is not given. */
  readonly env?: string;
  /** Secrets come only from the environment (or the action's secret inputs), never from flags. */
  readonly secret?: boolean;
  /** The flag may be given several times; the action input takes one value a line. */
  readonly repeatable?: boolean;
  /** The flag's value may be left out (`--retry-failed` alone means every class). */
  readonly optionalValue?: boolean;
}

const MIGRATE_VERIFY: readonly Command[] = ['migrate', 'verify'];
/** Options that shape what is listed and how keys are made: `plan` lists the account too. */
const LISTING: readonly Command[] = ['migrate', 'verify', 'plan'];
/** Options for talking to Dropbox: `auth` gets a refresh token with the app key (and secret). */
const DROPBOX_APP: readonly Command[] = ['migrate', 'verify', 'plan', 'auth'];

export const OPTIONS: readonly OptionSpec[] = [
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
    defaultText: '(none: keys are the Dropbox paths)',
    commands: LISTING,
  },
  {
    name: 'region',
    value: 'region',
    description: 'AWS region of the bucket.',
    defaultText: '`AWS_REGION`, else `us-east-1`',
    env: 'AWS_REGION',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 's3-endpoint',
    value: 'url',
    description: 'Endpoint of an S3-compatible store instead of AWS.',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 's3-force-path-style',
    description:
      'Address the bucket in the path (`endpoint/bucket/key`), as most S3-compatible stores need.',
    defaultText: 'off',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'storage-class',
    value: 'class',
    description:
      'Storage class of new objects (STANDARD, STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE, …).',
    defaultText: 'STANDARD',
    commands: ['migrate', 'plan'],
  },
  {
    name: 'lifecycle',
    value: 'transitions|none',
    description:
      'Lifecycle rule for the migrated objects: `CLASS:DAYS` transitions, comma-separated, or `none`. Applied once per migration (CLI: by shard 0; action: by `finalize`), keeping every other rule of the bucket. See Storage classes and lifecycle.',
    defaultText: '`GLACIER:30,DEEP_ARCHIVE:90`',
    commands: ['migrate', 'plan'],
  },
  {
    name: 'source-path',
    value: 'path',
    description: 'Dropbox folder to migrate; keys are made from paths below it.',
    defaultText: '(the whole account)',
    commands: LISTING,
  },
  {
    name: 'key-case',
    value: 'display|lower',
    description: 'Case of keys: as the user sees names in Dropbox, or all lower case.',
    defaultText: 'display',
    commands: LISTING,
  },
  {
    name: 'include',
    value: 'glob',
    description:
      'Migrate only Dropbox paths matching this gitignore-style glob (repeatable), below --source-path, ignoring case: `*.pdf` at any depth, `/Photos` or `Photos/**` one top-level folder. See Filters.',
    defaultText: '(everything)',
    repeatable: true,
    commands: LISTING,
  },
  {
    name: 'exclude',
    value: 'glob',
    description:
      'Leave out Dropbox paths matching this glob (repeatable; e.g. `.DS_Store`, `*.tmp`, `/Archive`); wins over --include.',
    defaultText: '(nothing)',
    repeatable: true,
    commands: LISTING,
  },
  {
    name: 'exports',
    value: 'export|skip',
    description:
      'Paper and Google documents cannot be downloaded as they are: `export` stores them converted (`Plan.paper` → `Plan.paper.md`), `skip` leaves them out.',
    defaultText: 'export',
    commands: LISTING,
  },
  {
    name: 'export-format',
    value: 'format',
    description:
      'Format for exported documents (e.g. `markdown`, `html`, `pdf`, `docx`, `xlsx`) instead of the one Dropbox suggests for each.',
    defaultText: "(Dropbox's suggestion)",
    commands: LISTING,
  },
  {
    name: 'compress',
    value: 'off|text',
    description:
      '`text` gzips text-like files (stored with `Content-Encoding: gzip`) when that saves at least 10%.',
    defaultText: 'off',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'team-root',
    description:
      "List and download from the team's root namespace, so team folders outside your home folder are included.",
    defaultText: 'off',
    commands: LISTING,
  },
  {
    name: 'sse',
    value: 'AES256|aws:kms',
    description: 'Server-side encryption of new objects.',
    defaultText: "(the bucket's default)",
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'sse-kms-key-id',
    value: 'key',
    description: 'KMS key (id or ARN) for `--sse aws:kms`.',
    defaultText: '(the AWS managed key)',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'expected-bucket-owner',
    value: 'account',
    description:
      'AWS account id that must own the bucket; every S3 call fails if another account owns it.',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'tool-prefix',
    value: 'prefix',
    description:
      'The tool prefix: where the tool keeps its own objects (manifests, and the ledger with `ledger-store: s3`); migrated keys never start with it.',
    defaultText: '`_dropbox-to-s3/`',
    commands: MIGRATE_VERIFY,
  },
  {
    name: 'keep-empty-folders',
    description: 'Also write a zero-byte `folder/` object for each empty Dropbox folder.',
    defaultText: 'off',
    commands: ['migrate'],
  },
  {
    name: 'on-source-delete',
    value: 'keep|delete',
    description:
      'What a file deleted in Dropbox does to its object: `keep` reports it; `delete` deletes the object, only if this tool wrote it.',
    defaultText: 'keep',
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
    defaultText: 'off',
    commands: ['verify'],
  },
  {
    name: 'requeue',
    description:
      'verify: mark every file that differs pending again, so the next migrate copies it.',
    defaultText: 'off',
    commands: ['verify'],
  },
  {
    name: 'prices',
    value: 'file',
    description:
      'plan: a JSON file of S3 and GitHub Actions prices that replaces entries of the built-in table (see Plan the cost).',
    defaultText: '(built-in table)',
    commands: ['plan', 'action'],
  },
  {
    name: 'max-duration',
    value: 'duration',
    description:
      'Time budget of the chunk (e.g. `50m`): after it, nothing new starts, files in flight get the grace period, the ledger is saved.',
    defaultText: '(no limit); the action: 50m',
    actionDefault: '50m',
    commands: ['migrate'],
  },
  {
    name: 'grace',
    value: 'duration',
    description: 'How long files in flight may finish after the deadline or a stop signal.',
    defaultText: '5s',
    commands: ['migrate'],
  },
  {
    name: 'batch-size',
    value: 'files',
    description: 'At most this many files per chunk (per shard).',
    defaultText: '(no limit)',
    commands: ['migrate'],
  },
  {
    name: 'max-bytes',
    value: 'size',
    description: 'At most this many bytes per chunk (e.g. `50GiB`).',
    defaultText: '(no limit)',
    commands: ['migrate'],
  },
  {
    name: 'concurrency',
    value: 'auto|N',
    description:
      '`auto` grows while transfers succeed and halves on rate limits and server errors; a number fixes it.',
    defaultText: 'auto',
    commands: ['migrate'],
  },
  {
    name: 'max-concurrency',
    value: 'N',
    description: 'Upper bound for automatic concurrency.',
    defaultText: '32',
    commands: ['migrate'],
  },
  {
    name: 'max-memory',
    value: 'size',
    description: 'Cap on file bytes held in memory at once, across all transfers.',
    defaultText: '256MiB',
    commands: ['migrate'],
  },
  {
    name: 'part-size',
    value: 'size',
    description:
      'Multipart part size (a multiple of 4 MiB, at least 8 MiB); files up to this size are sent in one PUT. Grown per file so 10,000 parts cover it.',
    defaultText: '16MiB',
    commands: ['migrate'],
  },
  {
    name: 'max-attempts',
    value: 'N',
    description:
      'A retryable failure that persists over this many attempts (across chunks) becomes permanent.',
    defaultText: '5',
    commands: ['migrate'],
  },
  {
    name: 'shard',
    value: 'i/n',
    description:
      'Work on shard i of n (files are split by a hash of their Dropbox id); each shard has its own ledger.',
    defaultText: '0/1',
    cliOnly: true,
    commands: ['migrate', 'status', 'verify'],
  },
  {
    name: 'ledger',
    value: 'dir',
    description: 'Folder of the ledger (what is done, the listing cursor, the pinned settings).',
    defaultText: '`.dropbox-to-s3/` (one subfolder per shard)',
    commands: ['migrate', 'status', 'verify', 'plan'],
  },
  {
    name: 'reset-ledger',
    description:
      'Forget the ledger and start a new migration (objects already in S3 are found again, not copied twice).',
    defaultText: 'off',
    commands: ['migrate'],
  },
  {
    name: 'json',
    description: 'Print the result as one JSON line on stdout.',
    defaultText: 'off',
    cliOnly: true,
    commands: ['migrate', 'status', 'verify', 'plan'],
  },
  {
    name: 'dropbox-base-url',
    value: 'url',
    description:
      'Send Dropbox API calls to this server instead of Dropbox (the local emulator, for demos and tests).',
    defaultText: '(Dropbox)',
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
    defaultText: 'migrate',
    actionDefault: 'migrate',
    commands: ['action'],
  },
  {
    name: 'shard-index',
    value: 'i',
    description: "This job's shard, from 0 (in a matrix of shards, the matrix value).",
    defaultText: '0',
    actionDefault: '0',
    commands: ['action'],
  },
  {
    name: 'shard-count',
    value: 'n',
    description: 'Number of shards the files are split into; keep it the same for every run.',
    defaultText: '1',
    actionDefault: '1',
    commands: ['action'],
  },
  {
    name: 'ledger-store',
    value: 'cache|artifact|s3',
    description:
      "Where the shard's ledger is kept between runs: the Actions cache, a workflow artifact, or objects under --tool-prefix in the bucket (durable). See Use it as a GitHub Action.",
    defaultText: 'cache',
    actionDefault: 'cache',
    commands: ['action'],
  },
  {
    name: 'disable-schedule-when-done',
    value: 'true|false',
    description:
      'finalize: when every shard is done, disable the workflow so its schedule stops (needs `actions: write`).',
    defaultText: 'true',
    actionDefault: 'true',
    commands: ['action'],
  },
  {
    name: 'github-token',
    description:
      'Token for the GitHub API: finding the last ledger artifact (`actions: read`), pruning old ledger caches (`actions: write`).',
    defaultText: '`${{ github.token }}`',
    actionDefault: '${{ github.token }}',
    secret: true,
    commands: ['action'],
  },
  {
    name: 'migrate-result',
    value: 'result',
    description:
      "finalize: the result of the workflow's migrate jobs (`needs.migrate.result`). `failure` asks for attention even when no shard's ledger says why (a job that failed before its chunk could record anything: a missing secret, a lost runner).",
    defaultText: '(not known)',
    commands: ['action'],
  },
  {
    name: 'aws-credentials-expiration',
    value: 'time',
    description:
      'When the AWS credentials expire (the `aws-expiration` output of aws-actions/configure-aws-credentials with `output-credentials: true`): a chunk that would outlive them is refused before it starts.',
    defaultText: "(the AWS SDK's, when it knows)",
    commands: ['action'],
  },
];

/** The action's inputs: every migrate option it takes, then those only the action has. */
export function actionInputs(): OptionSpec[] {
  return OPTIONS.filter(
    (option) =>
      (option.commands.includes('migrate') && option.cliOnly !== true) ||
      option.commands.includes('action'),
  );
}
