// The CLI's shard 0 sets up the bucket: our lifecycle rule merged into the bucket's configuration,
// migrated objects tagged when the prefix is empty, a warning for versioning and for a missing
// permission. The S3 harness keeps the lifecycle document as sent and checks a few of S3's rules
// (test/emulators/s3/fixes/bucket-configuration.ts); it does not run the rules, so no object
// changes class here: what S3 does with them is outside these tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetBucketLifecycleConfigurationCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import type { RawSettings } from '../../src/config/config.ts';
import {
  bytesFor,
  listKeys,
  DEFAULT_TOOL_PREFIX,
  runCli,
  writeTree,
  type CliRun,
} from '../support/bucket.ts';
import { flagsToArgs, startTestbed, type Testbed } from '../support/testbed.ts';

/** What shard 0's bucket set-up printed (stderr): its lines, and its warnings. */
interface Setup {
  lines: string[];
  warnings: string[];
}

async function migrate(bed: Testbed, extra: RawSettings = {}): Promise<CliRun & Setup> {
  const run = await runCli(['migrate', ...flagsToArgs(bed.flags(extra))], bed.env());
  assert.equal(run.code, 0, run.stderr);
  const notes = run.stderr.split('\n');
  return {
    ...run,
    lines: notes.filter((line) => /^Lifecycle rule |^No lifecycle rule /.test(line)),
    warnings: notes.filter((line) => line.startsWith('Warning: ')),
  };
}

async function rules(bed: Testbed): Promise<LifecycleRule[]> {
  const result = await bed.s3
    .client()
    .send(new GetBucketLifecycleConfigurationCommand({ Bucket: bed.s3.bucket }));
  return result.Rules ?? [];
}

test('empty prefix: tagged uploads, a tag rule and an uploads rule, foreign rule kept, second run unchanged', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'a.txt': bytesFor('a', 300), 'Docs/b.txt': bytesFor('b', 200) });
  const foreign: LifecycleRule = {
    ID: 'keep-me',
    Status: 'Enabled',
    Filter: { Prefix: 'other/' },
    Expiration: { Days: 5 },
  };
  const client = bed.s3.client();
  await client.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bed.s3.bucket,
      LifecycleConfiguration: { Rules: [foreign] },
      TransitionDefaultMinimumObjectSize: 'varies_by_storage_class',
    }),
  );

  const first = await migrate(bed);
  assert.deepEqual(first.warnings, []);
  assert.match(
    first.lines.join('\n'),
    /Lifecycle rule dropbox-to-s3:\(bucket\) and dropbox-to-s3:\(bucket\):abort-incomplete-uploads in test-bucket: written\./,
  );
  const written = await rules(bed);
  assert.deepEqual(written[0], foreign);
  assert.deepEqual(
    written.slice(1).map((rule) => [rule.ID, rule.Filter]),
    [
      ['dropbox-to-s3:(bucket)', { Tag: { Key: 'dropbox-to-s3', Value: 'migrated' } }],
      ['dropbox-to-s3:(bucket):abort-incomplete-uploads', { Prefix: '' }],
    ],
  );
  const settings = await client.send(
    new GetBucketLifecycleConfigurationCommand({ Bucket: bed.s3.bucket }),
  );
  assert.equal(settings.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');

  // Migrated objects carry the tag; the tool's own (manifest) do not.
  const keys = [...(await listKeys(bed)), ...(await listKeys(bed, DEFAULT_TOOL_PREFIX))];
  for (const Key of keys) {
    const { TagSet } = await client.send(
      new GetObjectTaggingCommand({ Bucket: bed.s3.bucket, Key }),
    );
    const tags = (TagSet ?? []).map((tag) => `${tag.Key ?? ''}=${tag.Value ?? ''}`);
    const own = Key.startsWith('_dropbox-to-s3/');
    assert.deepEqual(tags, own ? [] : ['dropbox-to-s3=migrated'], Key);
  }
  assert.ok(keys.includes('a.txt') && keys.some((key) => key.startsWith('_dropbox-to-s3/')));

  await bed.s3.clearRequests();
  const second = await migrate(bed);
  assert.match(second.lines.join('\n'), /: unchanged\./);
  const lifecycleCalls = (await bed.s3.requests()).filter((request) =>
    request.query.includes('lifecycle'),
  );
  assert.deepEqual(
    lifecycleCalls.map((request) => request.method),
    ['GET'],
  );

  // Only shard 0 sets up the bucket.
  const other = await migrate(bed, { shard: '1/2', ledger: `${bed.ledger}-s1` });
  assert.deepEqual([other.lines, other.warnings], [[], []]);

  // --lifecycle none removes ours and keeps the foreign rule.
  const none = await migrate(bed, { lifecycle: 'none' });
  assert.match(none.lines.join('\n'), /: removed\./);
  assert.deepEqual(await rules(bed), [foreign]);
});

test('with a prefix: one rule on the prefix, untagged objects, STANDARD for the tool’s own', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, { 'a.txt': bytesFor('a', 300) });
  const run = await migrate(bed, { prefix: 'photos', 'storage-class': 'GLACIER_IR' });
  assert.deepEqual(run.warnings, []);
  const [rule] = await rules(bed);
  assert.ok(rule !== undefined);
  assert.equal(rule.ID, 'dropbox-to-s3:photos/');
  assert.deepEqual(rule.Filter, { Prefix: 'photos/' });
  assert.deepEqual(rule.Transitions, [
    { Days: 30, StorageClass: 'GLACIER' },
    { Days: 90, StorageClass: 'DEEP_ARCHIVE' },
  ]);
  assert.deepEqual(rule.AbortIncompleteMultipartUpload, { DaysAfterInitiation: 7 });
  const uploads = (await bed.s3.requests()).filter(
    (request) => request.method === 'PUT' && request.key !== null,
  );
  assert.ok(uploads.length > 0);
  assert.ok(uploads.every((request) => request.tagging === null));
  const client = bed.s3.client();
  const head = await client.send(
    new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: 'photos/a.txt' }),
  );
  assert.equal(head.StorageClass, 'GLACIER_IR');
  const own = await listKeys(bed, DEFAULT_TOOL_PREFIX);
  assert.ok(own.length > 0);
  for (const Key of own) {
    const result = await client.send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key }));
    assert.equal(result.StorageClass, undefined, `${Key} stays STANDARD`);
  }
});

test('missing lifecycle permission and versioning: warnings naming them, the migration carries on', async (t) => {
  const bed = await startTestbed({}, { deniedActions: ['s3:PutLifecycleConfiguration'] });
  t.after(() => bed.close());
  await writeTree(bed.root, { 'a.txt': bytesFor('a', 300) });
  await bed.s3.client().send(
    new PutBucketVersioningCommand({
      Bucket: bed.s3.bucket,
      VersioningConfiguration: { Status: 'Enabled' },
    }),
  );
  const run = await migrate(bed, { prefix: 'p' });
  const warnings = run.warnings.join('\n');
  assert.match(warnings, /access denied\. Grant s3:PutLifecycleConfiguration/);
  assert.match(warnings, /versioning on: every object the migration writes again/);
  assert.match(run.stderr, /Warning: Could not write the lifecycle rule dropbox-to-s3:p\//);
  assert.deepEqual(await listKeys(bed, 'p/'), ['p/a.txt']);
});
