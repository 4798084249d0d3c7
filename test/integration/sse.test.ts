import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RawSettings } from '../../src/config/config.ts';
import { DropboxSource } from '../../src/dropbox/source.ts';
import { runChunk, type ChunkResult } from '../../src/engine/chunk.ts';
import { S3Target } from '../../src/s3/target.ts';
import { startS3, type RecordedRequest } from '../emulators/s3/index.ts';
import { bytesFor, listKeys, objectBytes, sha, writeTree } from '../support/bucket.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MiB = 1024 * 1024;
const FILES = {
  'small.txt': bytesFor('small', 2000),
  // Two parts of --part-size 8MiB: CreateMultipartUpload, UploadPart ×2, Complete.
  'Video/big.bin': bytesFor('big', 8 * MiB + 5),
};

let bed: Testbed;
before(async () => {
  bed = await startTestbed();
  await writeTree(bed.root, FILES);
});
after(() => bed.close());

/**
 * One chunk with its own S3 client, as the product has: the target adds its request settings
 * (the owner header) to the client it is given, and the test's own client must stay without them.
 */
async function chunk(name: string, extra: RawSettings): Promise<ChunkResult> {
  const config = bed.config({
    prefix: name,
    ledger: join(bed.ledger, '..', `ledger-${name}`),
    'part-size': '8MiB',
    ...extra,
  });
  const client = new S3Client(bed.s3.clientConfig());
  try {
    return await runChunk(engineSettings(config), {
      source: new DropboxSource(config.dropbox),
      target: new S3Target(config.s3, client),
    });
  } finally {
    client.destroy();
  }
}

async function encryptionOf(key: string) {
  const head = await bed.s3
    .client()
    .send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
  return { sse: head.ServerSideEncryption, keyId: head.SSEKMSKeyId };
}

/** The requests that choose an object's encryption: PutObject and CreateMultipartUpload. */
function objectCreations(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter(
    (r) =>
      r.key !== null &&
      ((r.method === 'PUT' && !r.query.includes('uploadId')) ||
        (r.method === 'POST' && r.query.includes('uploads'))),
  );
}

async function assertMigrated(prefix: string): Promise<void> {
  assert.deepEqual(await listKeys(bed, `${prefix}/`), [
    `${prefix}/Video/big.bin`,
    `${prefix}/small.txt`,
  ]);
  for (const [path, data] of Object.entries(FILES)) {
    assert.equal(sha(await objectBytes(bed, `${prefix}/${path}`)), sha(data), path);
  }
}

test('--sse aws:kms --sse-kms-key-id: small and multipart objects are stored with that key', async () => {
  await bed.s3.clearRequests();
  const result = await chunk('kms', { sse: 'aws:kms', 'sse-kms-key-id': KEY_ARN });
  assert.equal(result.fatal, undefined);
  await assertMigrated('kms');
  for (const path of Object.keys(FILES)) {
    assert.deepEqual(await encryptionOf(`kms/${path}`), { sse: 'aws:kms', keyId: KEY_ARN }, path);
  }
  const creations = objectCreations(await bed.s3.requests());
  // The two files and the chunk's manifest: the tool's own objects are encrypted the same way.
  assert.equal(creations.length, 3);
  assert.ok(creations.some((r) => r.key?.startsWith('_dropbox-to-s3/') === true));
  for (const r of creations)
    assert.deepEqual([r.serverSideEncryption, r.kmsKeyId], ['aws:kms', KEY_ARN]);
});

test('--sse AES256: the header is sent on every object creation and stored', async () => {
  await bed.s3.clearRequests();
  const result = await chunk('aes', { sse: 'AES256' });
  assert.equal(result.fatal, undefined);
  await assertMigrated('aes');
  for (const path of Object.keys(FILES)) {
    assert.deepEqual(await encryptionOf(`aes/${path}`), { sse: 'AES256', keyId: undefined }, path);
  }
  // S3 encrypts with AES256 by default too: the requests show the tool asked for it.
  const creations = objectCreations(await bed.s3.requests());
  // The two files and the chunk's manifest: the tool's own objects are encrypted the same way.
  assert.equal(creations.length, 3);
  assert.ok(creations.some((r) => r.key?.startsWith('_dropbox-to-s3/') === true));
  for (const r of creations)
    assert.deepEqual([r.serverSideEncryption, r.kmsKeyId], ['AES256', null]);
});

test('--expected-bucket-owner of the owner: the migration works and every request carried it', async () => {
  await bed.s3.clearRequests();
  const result = await chunk('owned', { 'expected-bucket-owner': bed.s3.ownerAccountId });
  assert.equal(result.fatal, undefined);
  assert.ok(result.done);
  const requests = await bed.s3.requests();
  await assertMigrated('owned');
  const kinds = new Set(requests.map((r) => `${r.method} ${r.key === null ? 'bucket' : 'object'}`));
  for (const kind of ['HEAD bucket', 'GET bucket', 'PUT object', 'POST object']) {
    assert.ok(kinds.has(kind), `${kind} among ${[...kinds].join(', ')}`);
  }
  const without = requests.filter((r) => r.expectedBucketOwner !== bed.s3.ownerAccountId);
  assert.deepEqual(without, []);
});

test('--expected-bucket-owner of another account stops the chunk before any object is written', async () => {
  await bed.s3.clearRequests();
  const result = await chunk('foreign', { 'expected-bucket-owner': '444455556666' });
  assert.ok(result.fatal !== undefined);
  assert.equal(result.chunk.stoppedBy, 'fatal');
  assert.match(result.fatal.message, /--expected-bucket-owner 444455556666/);
  assert.deepEqual(await listKeys(bed, 'foreign/'), []);
  const writes = (await bed.s3.requests()).filter((r) => r.method === 'PUT' || r.method === 'POST');
  assert.deepEqual(writes, []);
});

test('a KMS key S3 cannot use stops the chunk with the flag and the permissions to check', async (t) => {
  const s3 = await startS3({ kmsKeys: [KEY_ARN] });
  t.after(() => s3.stop());
  const config = bed.config({
    's3-endpoint': s3.endpoint,
    bucket: s3.bucket,
    ledger: join(bed.ledger, '..', 'ledger-missing-key'),
    sse: 'aws:kms',
    'sse-kms-key-id': 'arn:aws:kms:us-east-1:111122223333:key/no-such-key',
  });
  const result = await runChunk(engineSettings(config), {
    source: new DropboxSource(config.dropbox),
    target: new S3Target(config.s3, s3.client()),
  });
  assert.ok(result.fatal !== undefined);
  assert.match(result.fatal.message, /KMS\.NotFoundException/);
  assert.match(result.fatal.message, /--sse-kms-key-id/);
  assert.match(result.fatal.message, /kms:GenerateDataKey/);
  assert.match(result.fatal.message, /kms:Decrypt/);
  assert.equal(result.chunk.migrated, 0);
});
