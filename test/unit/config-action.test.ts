import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/errors.ts';

const ENV = { DROPBOX_APP_KEY: 'key', DROPBOX_REFRESH_TOKEN: 'refresh' };

test('the action front door: its own inputs, defaults and shard', () => {
  const config = buildConfig(
    'migrate',
    { bucket: 'my-bucket', 'shard-index': '2', 'shard-count': '4', 'ledger-store': 's3' },
    ENV,
    'action',
  );
  assert.deepEqual(config.shard, { index: 2, count: 4 });
  assert.equal(config.ledgerDir, '.dropbox-to-s3/shard-2-of-4');
  assert.deepEqual(config.action, {
    mode: 'migrate',
    ledgerStore: 's3',
    githubToken: undefined,
    disableScheduleWhenDone: true,
    awsCredentialsExpiration: undefined,
    migrateResult: undefined,
  });
  assert.equal(config.budget.maxDurationMs, 50 * 60_000);
  const expiring = buildConfig(
    'migrate',
    { bucket: 'my-bucket', 'aws-credentials-expiration': '"2026-11-26T05:00:00.000Z"' },
    ENV,
    'action',
  );
  assert.equal(
    expiring.action?.awsCredentialsExpiration?.toISOString(),
    '2026-11-26T05:00:00.000Z',
  );
  const defaults = buildConfig('migrate', { bucket: 'my-bucket' }, ENV, 'action');
  assert.equal(defaults.action?.ledgerStore, 'cache');
  assert.deepEqual(defaults.shard, { index: 0, count: 1 });
  assert.equal(buildConfig('migrate', { bucket: 'my-bucket' }, ENV).action, undefined);
});

test('action inputs are refused by the CLI, and bad values name the input', () => {
  assert.throws(
    () => buildConfig('migrate', { bucket: 'my-bucket', 'ledger-store': 's3' }, ENV),
    /--ledger-store does not apply to `migrate`/,
  );
  const bad: [Record<string, string>, RegExp][] = [
    [{ 'shard-index': '4', 'shard-count': '4' }, /shard-index 4 is not below shard-count 4/],
    [{ 'shard-count': '0' }, /shard-count "0" must be a whole number from 1 to 256/],
    [{ mode: 'sync' }, /mode "sync" must be one of: migrate, plan, finalize/],
    [{ 'ledger-store': 'disk' }, /ledger-store "disk" must be one of: cache, artifact, s3/],
  ];
  for (const [raw, message] of bad) {
    assert.throws(
      () => buildConfig('migrate', { bucket: 'my-bucket', ...raw }, ENV, 'action'),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  }
});
