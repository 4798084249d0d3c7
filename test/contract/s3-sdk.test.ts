// Contract: the real AWS SDK v3 (client-s3, lib-storage) against the S3 harness, changed only in
// endpoint and config (startS3().clientConfig()); rclone, an independent S3 client, cross-checks
// what landed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3ServiceException,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { requireTool } from '../support/tools.ts';
import {
  deterministicBytes,
  deterministicStream,
  sha256Hex,
  startS3,
  type S3Harness,
} from '../emulators/s3/index.ts';

const MiB = 1024 * 1024;
const run = promisify(execFile);

let s3: S3Harness;
let client: S3Client;
let Bucket: string;

before(async () => {
  s3 = await startS3({ bucket: 'contract' });
  client = s3.client();
  Bucket = s3.bucket;
});

after(async () => {
  await s3.stop();
});

async function getBytes(Key: string, Range?: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket, Key, Range }));
  assert.ok(response.Body);
  return Buffer.from(await response.Body.transformToByteArray());
}

async function openUploads(Prefix: string): Promise<string[]> {
  const listed = await client.send(new ListMultipartUploadsCommand({ Bucket, Prefix }));
  return (listed.Uploads ?? []).map((upload) => `${upload.Key ?? ''} ${upload.UploadId ?? ''}`);
}

/** S3's multipart ETag for `data` cut into `partSize` parts, computed independently. */
function multipartETagOf(data: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += partSize) {
    digests.push(
      createHash('md5')
        .update(data.subarray(offset, offset + partSize))
        .digest(),
    );
  }
  const combined = createHash('md5').update(Buffer.concat(digests)).digest('hex');
  return `"${combined}-${digests.length}"`;
}

async function rclone(...args: string[]): Promise<Buffer> {
  const binary = requireTool('rclone');
  const { stdout } = await run(binary, args, {
    env: s3.rcloneEnv(),
    encoding: 'buffer',
    maxBuffer: 64 * MiB,
  });
  return stdout;
}

describe('lib-storage Upload', () => {
  test('a non-seekable 21 MiB stream lands whole as a 5-part multipart object', async () => {
    const Key = 'upload/stream.bin';
    const size = 21 * MiB + 12_345;
    const upload = new Upload({
      client,
      params: {
        Bucket,
        Key,
        Body: deterministicStream(size, Key),
        ContentType: 'application/x-test',
      },
      partSize: 5 * MiB,
      queueSize: 2,
    });
    const result = await upload.done();
    const expected = deterministicBytes(size, Key);
    const etag = multipartETagOf(expected, 5 * MiB);
    assert.match(etag, /-5"$/);
    assert.equal(result.ETag, etag);
    const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
    assert.equal(head.ETag, etag);
    assert.equal(head.ContentLength, size);
    assert.equal(head.ContentType, 'application/x-test');
    assert.equal(sha256Hex(await getBytes(Key)), sha256Hex(expected));
    assert.deepEqual(await openUploads('upload/'), []);
    // An independent client reads the same bytes.
    assert.equal(sha256Hex(await rclone('cat', `harness:${Bucket}/${Key}`)), sha256Hex(expected));
  });

  test('a source stream that fails mid-way leaves neither an object nor an open upload', async () => {
    const Key = 'upload/broken.bin';
    function* failing(): Generator<Buffer> {
      yield deterministicBytes(6 * MiB, 'first');
      yield deterministicBytes(6 * MiB, 'second');
      throw new Error('source went away');
    }
    const upload = new Upload({
      client,
      params: { Bucket, Key, Body: Readable.from(failing()) },
      partSize: 5 * MiB,
      queueSize: 2,
    });
    await assert.rejects(upload.done(), /source went away/);
    await assert.rejects(client.send(new HeadObjectCommand({ Bucket, Key })), { name: 'NotFound' });
    assert.deepEqual(await openUploads(Key), []);
  });
});

describe('object metadata', () => {
  test('user metadata, Content-Type, StorageClass and other headers round-trip via HeadObject', async () => {
    const Key = 'meta/photo.jpg';
    const metadata = {
      'content-hash': createHash('sha256').update('photo').digest('hex'),
      'dropbox-id': 'id:a4ayc_80_OEAAAAAAAAAXw',
      rev: '015f1e4e3c5b4d2000000021a4e1b40',
      size: '123456',
      mtime: '2024-02-29T12:34:56Z',
      // Non-ASCII must be encoded by the caller (see below); percent-encoding round-trips exactly.
      path: encodeURIComponent('/Photos/Été 2024/日本.jpg'),
    };
    await client.send(
      new PutObjectCommand({
        Bucket,
        Key,
        Body: 'jpeg bytes',
        Metadata: { ...metadata, 'Mixed-Case': 'yes' },
        ContentType: 'image/jpeg',
        StorageClass: 'STANDARD_IA',
        CacheControl: 'no-cache',
        ContentDisposition: 'attachment',
      }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
    // S3 stores metadata names in lower case.
    assert.deepEqual(head.Metadata, { ...metadata, 'mixed-case': 'yes' });
    assert.equal(head.ContentType, 'image/jpeg');
    assert.equal(head.StorageClass, 'STANDARD_IA');
    assert.equal(head.CacheControl, 'no-cache');
    assert.equal(head.ContentDisposition, 'attachment');
    assert.equal(head.ContentLength, 'jpeg bytes'.length);
  });

  test('non-ASCII metadata values: the SDK cannot send most, the harness refuses the rest', async () => {
    // Node refuses header characters above U+00FF before anything is sent.
    await assert.rejects(
      client.send(
        new PutObjectCommand({ Bucket, Key: 'meta/cjk', Body: 'x', Metadata: { name: '日本' } }),
      ),
      { code: 'ERR_INVALID_CHAR' },
    );
    // Latin-1 characters would reach S3, which returns them RFC 2047-encoded, not as sent: the
    // harness answers 501 so no test can rely on a round trip S3 does not make.
    await assert.rejects(
      client.send(
        new PutObjectCommand({ Bucket, Key: 'meta/latin1', Body: 'x', Metadata: { name: 'Été' } }),
      ),
      (error: unknown) =>
        error instanceof S3ServiceException &&
        error.name === 'NotImplemented' &&
        error.$metadata.httpStatusCode === 501,
    );
  });
});

describe('listing 2,000+ keys', () => {
  const keys: string[] = [];
  for (let dir = 0; dir < 21; dir++) {
    for (let file = 0; file < 100; file++) {
      keys.push(
        `tree/dir-${String(dir).padStart(2, '0')}/file ${String(file).padStart(3, '0')}.txt`,
      );
    }
  }
  keys.push('tree/dir-00.txt', 'tree/Été/日本.txt', 'tree/z\u{1F600}.txt', 'tree/z\uFFFD.txt');
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

  before(async () => {
    // Unsigned PUTs (s3rver takes anonymous requests): twice as fast as the SDK for 2,104 small
    // objects; what this block tests is the listing.
    for (let start = 0; start < keys.length; start += 32) {
      await Promise.all(
        keys.slice(start, start + 32).map(async (Key) => {
          const path = Key.split('/').map(encodeURIComponent).join('/');
          const response = await fetch(`${s3.endpoint}/${Bucket}/${path}`, {
            method: 'PUT',
            body: `body of ${Key}`,
          });
          assert.equal(response.status, 200, await response.text());
        }),
      );
    }
  });

  test('paginateListObjectsV2 yields every key once, in S3 (UTF-8 byte) order', async () => {
    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2(
      { client, pageSize: 1000 },
      { Bucket, Prefix: 'tree/' },
    )) {
      pages++;
      for (const object of page.Contents ?? []) listed.push(object.Key ?? '');
    }
    assert.equal(listed.length, 2104);
    assert.deepEqual(listed, sorted);
    assert.equal(pages, 3);
  });

  test('rclone, an independent client, lists the same keys and reads the same bytes', async () => {
    const lsf = (await rclone('lsf', '-R', '--files-only', `harness:${Bucket}/tree`)).toString(
      'utf8',
    );
    const fromRclone = lsf
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => `tree/${line}`);
    assert.deepEqual([...fromRclone].sort(), [...keys].sort());

    const fastList = (
      await rclone('lsf', '-R', '--files-only', '--fast-list', `harness:${Bucket}/tree`)
    ).toString('utf8');
    assert.equal(fastList.split('\n').filter((line) => line !== '').length, keys.length);

    const Key = 'tree/Été/日本.txt';
    assert.equal(
      (await rclone('cat', `harness:${Bucket}/${Key}`)).toString('utf8'),
      `body of ${Key}`,
    );

    const md5sums = (await rclone('md5sum', `harness:${Bucket}/tree/dir-07`)).toString('utf8');
    const lines = md5sums.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 100);
    for (const line of lines) {
      const [hash, name] = line.split(/ {2}/);
      const body = `body of tree/dir-07/${name ?? ''}`;
      assert.equal(hash, createHash('md5').update(body).digest('hex'), `md5 of ${name ?? ''}`);
    }
  });
});

describe('single objects', () => {
  test('GetObject with Range returns the bytes asked for', async () => {
    const Key = 'range/data.bin';
    const data = deterministicBytes(100_000, Key);
    await client.send(new PutObjectCommand({ Bucket, Key, Body: data }));
    const response = await client.send(
      new GetObjectCommand({ Bucket, Key, Range: 'bytes=1000-1999' }),
    );
    assert.equal(response.$metadata.httpStatusCode, 206);
    assert.equal(response.ContentRange, 'bytes 1000-1999/100000');
    assert.equal(response.ContentLength, 1000);
    assert.ok(
      Buffer.from((await response.Body?.transformToByteArray()) ?? []).equals(
        data.subarray(1000, 2000),
      ),
    );
    assert.ok((await getBytes(Key, 'bytes=99990-')).equals(data.subarray(99_990)));
  });

  test('HeadObject of a missing key is a 404 NotFound, GetObject a 404 NoSuchKey', async () => {
    const notFound = (name: string) => (error: unknown) =>
      error instanceof S3ServiceException &&
      error.name === name &&
      error.$metadata.httpStatusCode === 404;
    await assert.rejects(
      client.send(new HeadObjectCommand({ Bucket, Key: 'missing/key' })),
      notFound('NotFound'),
    );
    await assert.rejects(
      client.send(new GetObjectCommand({ Bucket, Key: 'missing/key' })),
      notFound('NoSuchKey'),
    );
  });

  test('DeleteObject removes the object; deleting it again still answers 204', async () => {
    const Key = 'delete/me.txt';
    await client.send(new PutObjectCommand({ Bucket, Key, Body: 'bye' }));
    const deleted = await client.send(new DeleteObjectCommand({ Bucket, Key }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await assert.rejects(client.send(new HeadObjectCommand({ Bucket, Key })), { name: 'NotFound' });
    const again = await client.send(new DeleteObjectCommand({ Bucket, Key }));
    assert.equal(again.$metadata.httpStatusCode, 204);
  });
});
