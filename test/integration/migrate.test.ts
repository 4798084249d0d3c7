import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestbed, type Testbed } from '../support/testbed.ts';

async function objectBytes(bed: Testbed, key: string): Promise<Buffer> {
  const result = await bed.s3
    .client()
    .send(new GetObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
  return Buffer.from(await (result.Body?.transformToByteArray() ?? new Uint8Array()));
}

function sha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

test('chunks resume to done and every object equals its source', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 12; i += 1) {
    const folder = i % 2 === 0 ? 'Photos/Summer' : 'Docs';
    await mkdir(join(bed.root, folder), { recursive: true });
    const data = Buffer.alloc(1000 * (i + 1), i);
    files[`${folder}/file-${String(i)}.bin`] = data;
    await writeFile(join(bed.root, folder, `file-${String(i)}.bin`), data);
  }
  const big = Buffer.alloc(20 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  files['Big/large.bin'] = big;
  await mkdir(join(bed.root, 'Big'));
  await writeFile(join(bed.root, 'Big/large.bin'), big);

  let chunks = 0;
  for (;;) {
    chunks += 1;
    const result = await bed.chunk({ 'batch-size': '5', prefix: 'backup', 'part-size': '8MiB' });
    assert.equal(result.fatal, undefined);
    if (result.done) break;
    assert.ok(chunks < 10, 'too many chunks');
  }
  assert.equal(chunks, 3);
  for (const [path, data] of Object.entries(files)) {
    const stored = await objectBytes(bed, `backup/${path}`);
    assert.equal(sha(stored), sha(data), path);
  }
  const head = await bed.s3
    .client()
    .send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: 'backup/Big/large.bin' }));
  assert.match(head.ETag ?? '', /-3"$/);
  assert.equal(head.Metadata?.['dropbox-size'], String(big.length));
  assert.ok(await readFile(join(bed.ledger, 'shard-0-of-1', 'snapshot.jsonl'), 'utf8'));
});
