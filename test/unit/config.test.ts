import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, type RawSettings } from '../../src/config/config.ts';
import { ConfigError } from '../../src/errors.ts';

const ENV = { DROPBOX_APP_KEY: 'key', DROPBOX_REFRESH_TOKEN: 'refresh' };
const GOOD: RawSettings = { bucket: 'my-bucket' };

test('defaults for a minimal migrate', () => {
  const config = buildConfig('migrate', GOOD, ENV);
  assert.equal(config.s3.bucket, 'my-bucket');
  assert.equal(config.s3.prefix, '');
  assert.equal(config.s3.region, 'us-east-1');
  assert.equal(config.s3.storageClass, 'STANDARD');
  assert.equal(config.keyCase, 'display');
  assert.equal(config.dropbox.sourcePath, '');
  assert.deepEqual(config.shard, { index: 0, count: 1 });
  assert.equal(config.ledgerDir, '.dropbox-to-s3/shard-0-of-1');
  assert.deepEqual(config.concurrency, { fixed: undefined, max: 32 });
  assert.equal(config.maxMemoryBytes, 256 * 1024 * 1024);
  assert.equal(config.partSizeBytes, 16 * 1024 * 1024);
  assert.equal(config.budget.maxDurationMs, undefined);
  assert.equal(config.budget.graceMs, 5000);
  assert.equal(config.maxAttempts, 5);
  assert.equal(config.dropbox.credentials.refreshToken, 'refresh');
});

test('values are parsed and normalised', () => {
  const config = buildConfig(
    'migrate',
    {
      bucket: 'b.example-1',
      prefix: '/backup/dropbox/',
      'source-path': '/Photos/',
      'max-duration': '1h30m',
      grace: '10s',
      'batch-size': '500',
      'max-bytes': '10GiB',
      concurrency: '8',
      'max-memory': '1GiB',
      'part-size': '64MiB',
      shard: '2/4',
      ledger: '/tmp/l',
      'key-case': 'lower',
      'storage-class': 'DEEP_ARCHIVE',
      's3-endpoint': 'http://127.0.0.1:9000/',
      's3-force-path-style': true,
      region: 'eu-west-1',
    },
    ENV,
  );
  assert.equal(config.s3.prefix, 'backup/dropbox');
  assert.equal(config.dropbox.sourcePath, '/Photos');
  assert.equal(config.budget.maxDurationMs, 5_400_000);
  assert.equal(config.budget.graceMs, 10_000);
  assert.equal(config.budget.batchSize, 500);
  assert.equal(config.budget.maxBytes, 10 * 1024 ** 3);
  assert.deepEqual(config.concurrency, { fixed: 8, max: 32 });
  assert.equal(config.partSizeBytes, 64 * 1024 ** 2);
  assert.deepEqual(config.shard, { index: 2, count: 4 });
  assert.equal(config.ledgerDir, '/tmp/l/shard-2-of-4');
  assert.equal(config.s3.endpoint, 'http://127.0.0.1:9000');
  assert.equal(config.s3.forcePathStyle, true);
  assert.equal(config.keyCase, 'lower');
});

const BAD: [string, RawSettings, NodeJS.ProcessEnv, RegExp][] = [
  ['missing bucket', {}, ENV, /--bucket is required/],
  [
    'bad bucket',
    { bucket: 'My_Bucket' },
    ENV,
    /--bucket "My_Bucket" is not a valid S3 bucket name/,
  ],
  ['ip bucket', { bucket: '10.0.0.1' }, ENV, /not a valid S3 bucket name/],
  ['shard out of range', { ...GOOD, shard: '3/2' }, ENV, /--shard "3\/2" is out of range/],
  ['shard not i/n', { ...GOOD, shard: 'two' }, ENV, /--shard "two" is not of the form i\/n/],
  ['duration', { ...GOOD, 'max-duration': 'abc' }, ENV, /--max-duration "abc" is not a duration/],
  ['tiny duration', { ...GOOD, 'max-duration': '10ms' }, ENV, /at least 1s/],
  ['size', { ...GOOD, 'max-bytes': 'lots' }, ENV, /--max-bytes "lots" is not a size/],
  ['zero size', { ...GOOD, 'max-bytes': '0' }, ENV, /--max-bytes must be more than 0/],
  ['batch', { ...GOOD, 'batch-size': '0' }, ENV, /--batch-size "0" must be a whole number from 1/],
  ['concurrency', { ...GOOD, concurrency: 'fast' }, ENV, /--concurrency "fast" must be auto or/],
  ['part size', { ...GOOD, 'part-size': '10MiB' }, ENV, /multiple of 4 MiB/],
  ['memory', { ...GOOD, 'max-memory': '8MiB' }, ENV, /smaller than one part/],
  [
    'key case',
    { ...GOOD, 'key-case': 'upper' },
    ENV,
    /--key-case "upper" must be one of: display, lower/,
  ],
  ['class', { ...GOOD, 'storage-class': 'COLD' }, ENV, /--storage-class "COLD" must be one of/],
  [
    'source',
    { ...GOOD, 'source-path': 'Photos' },
    ENV,
    /--source-path "Photos" must be a Dropbox folder path/,
  ],
  ['tool prefix', { ...GOOD, prefix: '_dropbox-to-s3/x' }, ENV, /keeps for its own files/],
  [
    'endpoint',
    { ...GOOD, 's3-endpoint': 'not a url' },
    ENV,
    /--s3-endpoint "not a url" is not a URL/,
  ],
  ['region', { ...GOOD, region: 'Europe' }, ENV, /--region "Europe" is not an AWS region/],
  [
    'no credentials',
    GOOD,
    {},
    /no Dropbox credentials: set DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN/,
  ],
  ['no app key', GOOD, { DROPBOX_REFRESH_TOKEN: 'r' }, /DROPBOX_APP_KEY is not/],
  ['unknown option', { ...GOOD, colour: 'blue' }, ENV, /unknown option --colour/],
  ['wrong command', { shard: '0/1', bucket: 'x-y-z' }, ENV, /--bucket does not apply to `status`/],
];

for (const [name, raw, env, message] of BAD) {
  test(`bad input is refused with a message naming the fix: ${name}`, () => {
    const command = name === 'wrong command' ? 'status' : 'migrate';
    assert.throws(
      () => buildConfig(command, raw, env),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  });
}

test('secrets are never echoed in configuration errors', () => {
  const env = { DROPBOX_REFRESH_TOKEN: 'sl.super-secret-token' };
  assert.throws(
    () => buildConfig('migrate', GOOD, env),
    (error: unknown) => error instanceof Error && !error.message.includes('super-secret'),
  );
});

test('verify needs Dropbox credentials (it lists Dropbox); status does not', () => {
  assert.throws(
    () => buildConfig('verify', GOOD, {}),
    (error: unknown) =>
      error instanceof ConfigError && /no Dropbox credentials/.test(error.message),
  );
  const verify = buildConfig('verify', { ...GOOD, deep: true, requeue: true }, ENV);
  assert.deepEqual(verify.verify, { deep: true, requeue: true });
  assert.equal(buildConfig('status', {}, {}).dropbox.credentials.refreshToken, undefined);
});

test('lifecycle: the default, explicit transitions, none, and the upload class', () => {
  const of = (raw: RawSettings) => buildConfig('migrate', { ...GOOD, ...raw }, ENV).lifecycle;
  assert.deepEqual(of({}), {
    transitions: [
      { storageClass: 'GLACIER', days: 30 },
      { storageClass: 'DEEP_ARCHIVE', days: 90 },
    ],
  });
  assert.deepEqual(of({ lifecycle: 'glacier_ir:0, deep_archive:180' }), {
    transitions: [
      { storageClass: 'GLACIER_IR', days: 0 },
      { storageClass: 'DEEP_ARCHIVE', days: 180 },
    ],
  });
  assert.equal(of({ lifecycle: 'none' }), undefined);
  // The default leaves out transitions the upload class already makes pointless.
  assert.deepEqual(of({ 'storage-class': 'GLACIER' }), {
    transitions: [{ storageClass: 'DEEP_ARCHIVE', days: 90 }],
  });
  assert.deepEqual(of({ 'storage-class': 'DEEP_ARCHIVE' }), { transitions: [] });
  for (const [lifecycle, words] of [
    ['GLACIER', /CLASS:DAYS/],
    ['STANDARD:30', /CLASS:DAYS/],
    ['STANDARD_IA:10', /30 days at the earliest/],
    ['DEEP_ARCHIVE:90,GLACIER:120', /colder class on a later day/],
    ['GLACIER:90,DEEP_ARCHIVE:30', /colder class on a later day/],
  ] as const) {
    assert.throws(
      () => of({ lifecycle }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, words);
        return true;
      },
    );
  }
  assert.throws(
    () => of({ lifecycle: 'GLACIER:30', 'storage-class': 'DEEP_ARCHIVE' }),
    /already as cold/,
  );
});

test('plan and auth need no bucket; auth needs no credentials', () => {
  assert.equal(buildConfig('plan', {}, ENV).s3.bucket, '');
  assert.throws(() => buildConfig('plan', {}, {}), /no Dropbox credentials/);
  const auth = buildConfig('auth', {}, {});
  assert.equal(auth.dropbox.credentials.appKey, undefined);
  assert.throws(() => buildConfig('auth', { bucket: 'b-b-b' }, {}), /does not apply to `auth`/);
});
