/**
 * The bad-input table: every invalid flag, value, environment variable and action input, and
 * what the README documents for it. One row each; test/reliability/bad-input.test.ts runs every
 * row against the testbed and writes the table with the actual outcome of each.
 *
 * Adding an option to src/config/options.ts? Add a row here with a bad value for it (the test
 * fails while an option that takes a value has none). CLI rows exit 2 when the input is refused
 * before any work, 1 when a service refuses it (a fatal error; the ledger is kept); action rows
 * fail the step (exit 1) with an `::error::` naming the input.
 */

/** The secrets a row must never echo back. */
export const FLAG_SECRET = 'flag-secret-value-0123';

export interface CliRow {
  readonly door: 'cli';
  /** What is wrong, as the table shows it. */
  readonly input: string;
  /** The command; migrate unless said. */
  readonly command?: 'migrate' | 'status' | 'verify';
  /** Flags changed from the testbed's: a value replaces, `null` removes, `true` is a bare switch. */
  readonly flags?: Readonly<Record<string, string | true | null>>;
  /** Arguments added after the flags, as typed (a flag twice, `--switch=value`, …). */
  readonly extra?: readonly string[];
  /** The whole argument list instead of a command with the testbed's flags. */
  readonly argv?: readonly string[];
  /** Environment changed from the testbed's: a value replaces, `undefined` removes. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly expected: Expected;
}

export interface ActionRow {
  readonly door: 'action';
  readonly input: string;
  /** Inputs changed from a good migrate step's: a value replaces, `null` removes. */
  readonly inputs: Readonly<Record<string, string | null>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly expected: Expected;
}

export type InputRow = CliRow | ActionRow;

export interface Expected {
  readonly code: number;
  /** The message (stderr for the CLI, the `::error::` line for the action) must match. */
  readonly message: RegExp;
  /** What the documented result is, in words, for the table. */
  readonly outcome: string;
}

const refused = (message: RegExp): Expected => ({
  code: 2,
  message,
  outcome: 'exit 2, nothing done',
});
const fatal = (message: RegExp): Expected => ({
  code: 1,
  message,
  outcome: 'exit 1 (fatal), ledger kept, nothing copied',
});
const stepFails = (message: RegExp): Expected => ({
  code: 1,
  message,
  outcome: 'step fails with ::error::',
});

const flag = (name: string, value: string, message: RegExp): CliRow => ({
  door: 'cli',
  input: `--${name} ${JSON.stringify(value)}`,
  flags: { [name]: value },
  expected: refused(message),
});

const switchWithValue = (name: string): CliRow => ({
  door: 'cli',
  input: `--${name}=yes (a switch takes no value)`,
  extra: [`--${name}=yes`],
  expected: refused(
    new RegExp(
      `option '--${name}' argument missing|does not take an argument|unknown option '--${name}=yes'`,
    ),
  ),
});

export const ROWS: readonly InputRow[] = [
  // --- CLI: each option with a bad value
  {
    door: 'cli',
    input: '--bucket missing',
    flags: { bucket: null },
    expected: refused(/--bucket is required/),
  },
  flag('bucket', 'My_Bucket', /--bucket "My_Bucket" is not a valid S3 bucket name/),
  flag('bucket', '10.0.0.1', /is not a valid S3 bucket name/),
  flag('bucket', 'ab', /is not a valid S3 bucket name/),
  {
    door: 'cli',
    input: '--bucket "no-such-bucket" (does not exist)',
    flags: { bucket: 'no-such-bucket' },
    expected: fatal(/stopped: .*no-such-bucket/),
  },
  flag('prefix', '_dropbox-to-s3/x', /keeps for its own files/),
  flag('prefix', 'a//b', /contains an empty segment/),
  flag('manifest-prefix', 'meta/', /--manifest-prefix was renamed --tool-prefix/),
  flag('prefix', 'p'.repeat(600), /--prefix is 600 bytes; keep it under 512/),
  flag('region', 'Europe', /--region "Europe" is not an AWS region name/),
  flag('s3-endpoint', 'not a url', /--s3-endpoint "not a url" is not a URL/),
  flag('s3-endpoint', 'ftp://127.0.0.1', /must be an http or https URL/),
  switchWithValue('s3-force-path-style'),
  flag('storage-class', 'COLD', /--storage-class "COLD" must be one of/),
  flag('lifecycle', 'COLD:30', /--lifecycle "COLD:30" is not CLASS:DAYS/),
  flag(
    'lifecycle',
    'DEEP_ARCHIVE:90,GLACIER:30',
    /each transition must go to a colder class on a later day than the one before/,
  ),
  {
    door: 'cli',
    input: '--lifecycle GLACIER:30 with --storage-class DEEP_ARCHIVE (conflicting)',
    flags: { lifecycle: 'GLACIER:30', 'storage-class': 'DEEP_ARCHIVE' },
    expected: refused(/--storage-class DEEP_ARCHIVE is already as cold/),
  },
  flag(
    'source-path',
    'Photos',
    /--source-path "Photos" must be a Dropbox folder path starting with \//,
  ),
  flag('source-path', '/a//b', /must be a Dropbox folder path/),
  flag('key-case', 'upper', /--key-case "upper" must be one of: display, lower/),
  flag('include', '[abc', /--include "\[abc" is not a valid glob/),
  flag('include', '!*.tmp', /negation with ! is not supported/),
  flag('exclude', '{a,b', /--exclude "\{a,b" is not a valid glob/),
  flag('exports', 'maybe', /--exports "maybe" must be one of: export, skip/),
  flag('export-format', 'PDF!', /--export-format "PDF!" is not a format name/),
  flag('compress', 'gzip', /--compress "gzip" must be one of: off, text/),
  switchWithValue('team-root'),
  flag('sse', 'AES128', /--sse "AES128" must be one of: AES256, aws:kms/),
  {
    door: 'cli',
    input: '--sse-kms-key-id without --sse aws:kms (conflicting)',
    flags: { 'sse-kms-key-id': 'alias/backup' },
    expected: refused(/--sse-kms-key-id needs --sse aws:kms/),
  },
  {
    door: 'cli',
    input: '--sse AES256 with --sse-kms-key-id (conflicting)',
    flags: { sse: 'AES256', 'sse-kms-key-id': 'alias/backup' },
    expected: refused(/--sse-kms-key-id needs --sse aws:kms/),
  },
  flag('expected-bucket-owner', '1234', /is not an AWS account id: it has 12 digits/),
  flag('tool-prefix', '/', /--tool-prefix "\/" must be a non-empty key prefix/),
  switchWithValue('keep-empty-folders'),
  flag('on-source-delete', 'purge', /--on-source-delete "purge" must be one of: keep, delete/),
  flag('retry-failed', 'Access Denied!', /--retry-failed "Access Denied!" is not a failure class/),
  flag(
    'retry-failed',
    'foo',
    /--retry-failed "foo" is not a failure class: .*one of rate_limited, /,
  ),
  {
    door: 'cli',
    input: '--deep on migrate (a verify flag)',
    extra: ['--deep'],
    expected: refused(/unknown option '--deep'/),
  },
  {
    door: 'cli',
    input: '--requeue on migrate (a verify flag)',
    extra: ['--requeue'],
    expected: refused(/unknown option '--requeue'/),
  },
  flag('max-duration', 'abc', /--max-duration "abc" is not a duration/),
  flag('max-duration', '10ms', /--max-duration must be at least 1s/),
  flag('grace', 'soon', /--grace "soon" is not a duration/),
  flag('batch-size', '0', /--batch-size "0" must be a whole number from 1/),
  flag('batch-size', '1.5', /--batch-size "1.5" must be a whole number/),
  flag('max-bytes', 'lots', /--max-bytes "lots" is not a size/),
  flag('max-bytes', '0', /--max-bytes must be more than 0/),
  flag('concurrency', 'fast', /--concurrency "fast" must be auto or a whole number/),
  flag('concurrency', '0', /--concurrency "0" must be a whole number from 1 to 256/),
  flag('concurrency', '300', /--concurrency "300" must be a whole number from 1 to 256/),
  flag('max-concurrency', '0', /--max-concurrency "0" must be a whole number from 1 to 256/),
  flag('max-memory', '8MiB', /--max-memory 8\.00 MiB is smaller than one part/),
  flag('max-memory', 'plenty', /--max-memory "plenty" is not a size/),
  flag('part-size', '10MiB', /--part-size 10MiB must be a multiple of 4 MiB from 8MiB to 5GiB/),
  flag('part-size', '4MiB', /must be a multiple of 4 MiB from 8MiB/),
  flag('part-size', '6GiB', /must be a multiple of 4 MiB from 8MiB to 5GiB/),
  flag('max-attempts', '0', /--max-attempts "0" must be a whole number from 1 to 100/),
  flag('max-attempts', '101', /--max-attempts "101" must be a whole number from 1 to 100/),
  flag('shard', '3/2', /--shard "3\/2" is out of range/),
  flag('shard', 'two', /--shard "two" is not of the form i\/n/),
  flag('shard', '0/0', /--shard "0\/0"/),
  // A file, not a folder (the project's own package.json: tests run from the project's root).
  flag(
    'ledger',
    'package.json',
    /the ledger folder package\.json\/shard-0-of-1 cannot be created \(ENOTDIR\)/,
  ),
  switchWithValue('reset-ledger'),
  switchWithValue('json'),
  flag('dropbox-base-url', 'nope', /--dropbox-base-url "nope" is not a URL/),
  {
    door: 'cli',
    input: 'plan --prices "/nonexistent/prices.json" (no such file)',
    argv: ['plan', '--prices', '/nonexistent/prices.json'],
    expected: refused(/--prices \/nonexistent\/prices\.json cannot be read/),
  },
  {
    door: 'cli',
    input: 'plan --prices "package.json" (not a price table)',
    argv: ['plan', '--prices', 'package.json'],
    expected: refused(/--prices package\.json: unknown key "name"/),
  },
  // --- CLI: the command line itself
  {
    door: 'cli',
    input: '--shard given twice',
    extra: ['--shard', '0/2', '--shard', '1/2'],
    expected: refused(/--shard may be given only once/),
  },
  {
    door: 'cli',
    input: 'unknown flag --colour',
    extra: ['--colour', 'blue'],
    expected: refused(/unknown option '--colour'/),
  },
  {
    door: 'cli',
    input: 'unknown command copy',
    argv: ['copy'],
    expected: refused(/unknown command 'copy'/),
  },
  {
    door: 'cli',
    input: '--ledger-store on the CLI (an action input)',
    extra: ['--ledger-store', 's3'],
    expected: refused(/unknown option '--ledger-store'/),
  },
  {
    door: 'cli',
    input: 'a secret as a flag: --dropbox-refresh-token',
    extra: ['--dropbox-refresh-token', FLAG_SECRET],
    expected: refused(/unknown option '--dropbox-refresh-token'/),
  },
  {
    door: 'cli',
    input: 'auth --bucket (not an auth flag)',
    argv: ['auth', '--bucket', 'x'],
    expected: refused(/unknown option '--bucket'/),
  },
  {
    door: 'cli',
    input: 'status --bucket (not a status flag)',
    argv: ['status', '--bucket', 'x'],
    expected: refused(/unknown option '--bucket'/),
  },
  {
    door: 'cli',
    input: 'verify with no ledger yet',
    command: 'verify',
    expected: refused(/there is nothing to verify/),
  },
  // --- CLI: environment
  {
    door: 'cli',
    input: 'no Dropbox credentials in the environment',
    env: {
      DROPBOX_APP_KEY: undefined,
      DROPBOX_APP_SECRET: undefined,
      DROPBOX_REFRESH_TOKEN: undefined,
    },
    expected: refused(/no Dropbox credentials: set DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN/),
  },
  {
    door: 'cli',
    input: 'DROPBOX_REFRESH_TOKEN without DROPBOX_APP_KEY',
    env: { DROPBOX_APP_KEY: undefined },
    expected: refused(/DROPBOX_REFRESH_TOKEN is set but DROPBOX_APP_KEY is not/),
  },
  {
    door: 'cli',
    input: 'DROPBOX_REFRESH_TOKEN wrong',
    env: { DROPBOX_REFRESH_TOKEN: 'wrong-refresh-token' },
    expected: fatal(/Dropbox refused the app key, secret or refresh token \(invalid_grant\)/),
  },
  {
    door: 'cli',
    input: 'DROPBOX_APP_SECRET wrong',
    env: { DROPBOX_APP_SECRET: 'wrong-app-secret' },
    expected: fatal(/Dropbox refused the app key, secret or refresh token \(invalid_client\)/),
  },
  {
    door: 'cli',
    input: 'DROPBOX_APP_KEY wrong',
    env: { DROPBOX_APP_KEY: 'wrong-app-key' },
    expected: fatal(/Dropbox refused the app key, secret or refresh token \(invalid_client\)/),
  },
  {
    door: 'cli',
    input: 'DROPBOX_ACCESS_TOKEN invalid, no refresh token',
    env: { DROPBOX_REFRESH_TOKEN: undefined, DROPBOX_ACCESS_TOKEN: 'sl.not-a-token' },
    expected: fatal(/Dropbox refused the credentials/),
  },
  {
    door: 'cli',
    input: 'AWS_ACCESS_KEY_ID unknown to S3',
    env: { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG0' },
    expected: fatal(/S3 answered AccessDenied/),
  },
  {
    door: 'cli',
    input: 'AWS_REGION not a region',
    env: { AWS_REGION: 'Europe' },
    expected: refused(/--region "Europe" is not an AWS region name/),
  },
  {
    door: 'cli',
    input: 'DROPBOX_BASE_URL not a URL',
    flags: { 'dropbox-base-url': null },
    env: { DROPBOX_BASE_URL: 'nope' },
    expected: refused(/--dropbox-base-url "nope" is not a URL/),
  },
  // --- the action's inputs
  {
    door: 'action',
    input: 'mode: sync',
    inputs: { mode: 'sync' },
    expected: stepFails(/mode "sync" must be one of: migrate, plan, finalize/),
  },
  {
    door: 'action',
    input: 'shard-index: 2 with shard-count: 2',
    inputs: { 'shard-index': '2', 'shard-count': '2' },
    expected: stepFails(/shard-index 2 is not below shard-count 2/),
  },
  {
    door: 'action',
    input: 'shard-count: 0',
    inputs: { 'shard-count': '0' },
    expected: stepFails(/shard-count "0" must be a whole number from 1 to 256/),
  },
  {
    door: 'action',
    input: 'shard-index: x',
    inputs: { 'shard-index': 'x' },
    expected: stepFails(/shard-index "x" must be a whole number/),
  },
  {
    door: 'action',
    input: 'ledger-store: disk',
    inputs: { 'ledger-store': 'disk' },
    expected: stepFails(/ledger-store "disk" must be one of: cache, artifact, s3/),
  },
  {
    door: 'action',
    input: 'disable-schedule-when-done: maybe (finalize)',
    inputs: { mode: 'finalize', 'disable-schedule-when-done': 'maybe' },
    expected: stepFails(/disable-schedule-when-done "maybe" must be true or false/),
  },
  {
    door: 'action',
    input: 'migrate-result: maybe (finalize)',
    inputs: { mode: 'finalize', 'migrate-result': 'maybe' },
    expected: stepFails(
      /migrate-result "maybe" must be one of: success, failure, cancelled, skipped/,
    ),
  },
  {
    door: 'action',
    input: 'aws-credentials-expiration: soon',
    inputs: { 'aws-credentials-expiration': 'soon' },
    expected: stepFails(/aws-credentials-expiration "soon" is not a time/),
  },
  {
    door: 'action',
    input: 's3-force-path-style: maybe',
    inputs: { 's3-force-path-style': 'maybe' },
    expected: stepFails(/s3-force-path-style "maybe" must be true or false/),
  },
  {
    door: 'action',
    input: 'bucket: (empty)',
    inputs: { bucket: '' },
    expected: stepFails(/bucket is required/),
  },
  {
    door: 'action',
    input: 'dropbox-refresh-token missing',
    inputs: { 'dropbox-refresh-token': null },
    expected: stepFails(/no Dropbox credentials/),
  },
  {
    door: 'action',
    input: 'include: a second line that is not a glob',
    inputs: { include: '*.pdf\n[abc' },
    expected: stepFails(/"\[abc" is not a valid glob/),
  },
  {
    door: 'action',
    input: 'max-duration: forever',
    inputs: { 'max-duration': 'forever' },
    expected: stepFails(/max-duration "forever" is not a duration/),
  },
  {
    door: 'action',
    input: 'max-duration: 50m with AWS credentials that expire in 10 minutes',
    inputs: {},
    env: {
      AWS_SESSION_TOKEN: 'session',
      AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() + 10 * 60_000).toISOString(),
    },
    expected: stepFails(/max-duration 50m00s is longer than the AWS credentials will live/),
  },
  {
    door: 'action',
    input: 'retry-failed: not a class!',
    inputs: { 'retry-failed': 'not a class!' },
    expected: stepFails(/retry-failed "not a class!" is not a failure class/),
  },
  {
    door: 'action',
    input: 'manifest-prefix: archive-meta/ (the old name of tool-prefix)',
    inputs: { 'manifest-prefix': 'archive-meta/' },
    expected: stepFails(/--manifest-prefix was renamed --tool-prefix/),
  },
];
