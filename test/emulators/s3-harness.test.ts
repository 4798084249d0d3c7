// The S3 harness's fixes and fences. Each test here fails against stock s3rver 3.7.1: run this file
// with S3_HARNESS_DISABLE_FIXES=<fix name> to see the test named after that fix fail.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectTaggingCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type LifecycleRule,
  type ListObjectsCommandInput,
  type ListObjectsV2CommandInput,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { deterministicBytes, startS3, type S3Harness } from './s3/index.ts';

const MiB = 1024 * 1024;

let s3: S3Harness;
let client: S3Client;
let Bucket: string;

before(async () => {
  s3 = await startS3();
  client = s3.client();
  Bucket = s3.bucket;
});

after(async () => {
  await s3.stop();
});

// ---- helpers -------------------------------------------------------------------------------

async function put(Key: string, Body: string | Buffer, extra: Partial<PutObjectCommandInput> = {}) {
  return client.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));
}

async function getBytes(Key: string, Range?: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket, Key, Range }));
  assert.ok(response.Body, `GET ${Key} has a body`);
  return Buffer.from(await response.Body.transformToByteArray());
}

async function rejectsWith(
  pending: Promise<unknown>,
  name: string,
  status: number,
): Promise<S3ServiceException> {
  try {
    await pending;
  } catch (error) {
    assert.ok(
      error instanceof S3ServiceException,
      `expected S3 error ${name}, got ${String(error)}`,
    );
    assert.equal(error.name, name, error.message);
    assert.equal(error.$metadata.httpStatusCode, status);
    return error;
  }
  return assert.fail(`expected S3 error ${name}, but the request succeeded`);
}

async function isAbsent(Key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket, Key }));
    return false;
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'NotFound') return true;
    throw error;
  }
}

/** An unsigned request (s3rver accepts anonymous ones): for checking raw XML and odd inputs. */
async function raw(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${s3.endpoint}${path}`, { method, ...init });
  return { status: response.status, text: await response.text() };
}

function md5(data: Uint8Array): Buffer {
  return createHash('md5').update(data).digest();
}

/** S3's multipart ETag, computed here independently of the harness. */
function expectedMultipartETag(parts: readonly Buffer[]): string {
  const ofParts = createHash('md5')
    .update(Buffer.concat(parts.map((part) => md5(part))))
    .digest('hex');
  return `"${ofParts}-${parts.length}"`;
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<unknown>,
) {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(work));
  }
}

async function listV2(input: Omit<ListObjectsV2CommandInput, 'Bucket'>) {
  const entries: string[] = [];
  let ContinuationToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket, ...input, ContinuationToken }),
    );
    pages++;
    const keys = (page.Contents ?? []).map((object) => object.Key ?? '');
    const prefixes = (page.CommonPrefixes ?? []).map((common) => `${common.Prefix ?? ''} (prefix)`);
    assert.equal(page.KeyCount, keys.length + prefixes.length, 'KeyCount counts keys and prefixes');
    assert.ok(keys.length + prefixes.length <= (input.MaxKeys ?? 1000), 'page within MaxKeys');
    // With a delimiter, sorted order interleaves keys and prefixes; sort the page's entries back.
    entries.push(
      ...[...keys, ...prefixes].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    if (page.IsTruncated === true) assert.ok(ContinuationToken, 'truncated page has a token');
  } while (ContinuationToken !== undefined);
  return { entries, pages };
}

async function listV1(input: Omit<ListObjectsCommandInput, 'Bucket'>) {
  const entries: string[] = [];
  let Marker: string | undefined;
  for (;;) {
    const page = await client.send(new ListObjectsCommand({ Bucket, ...input, Marker }));
    const keys = (page.Contents ?? []).map((object) => object.Key ?? '');
    const prefixes = (page.CommonPrefixes ?? []).map((common) => `${common.Prefix ?? ''} (prefix)`);
    entries.push(
      ...[...keys, ...prefixes].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    if (page.IsTruncated !== true) return entries;
    // S3 gives NextMarker only with a delimiter; without one the last key is the marker.
    Marker = page.NextMarker ?? keys.at(-1);
    assert.ok(Marker !== undefined, 'truncated page says where to resume');
  }
}

const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

// ---- listing ---------------------------------------------------------------------------------

describe('ListObjects pages in S3 order (fix: sorted-listing)', () => {
  const prefix = 'list/';
  // 1,000 keys under a/ plus a.txt (sorts before a/ but is walked after it), a folder marker, and
  // two keys whose UTF-8 order differs from JavaScript's UTF-16 order.
  const keys = [
    ...Array.from({ length: 1000 }, (_unused, i) => `${prefix}a/${String(i).padStart(4, '0')}`),
    `${prefix}a.txt`,
    `${prefix}a/`,
    `${prefix}b`,
    `${prefix}\u{1F600}`,
    `${prefix}\uFFFD`,
  ];
  const sorted = [...keys].sort(byUtf8);

  before(async () => {
    // Raw unsigned PUTs: about twice as fast as the SDK here, and the listing is what is tested.
    await inBatches(keys, 32, async (key) => {
      const path = key.split('/').map(encodeURIComponent).join('/');
      const { status } = await raw('PUT', `/${Bucket}/${path}`, { body: key });
      assert.equal(status, 200);
    });
  });

  test('ListObjectsV2 with MaxKeys 1000 returns every key once, in UTF-8 byte order', async () => {
    assert.equal(sorted.at(-1), `${prefix}\u{1F600}`, 'emoji sorts after U+FFFD in UTF-8');
    const { entries, pages } = await listV2({ Prefix: prefix, MaxKeys: 1000 });
    assert.deepEqual(entries, sorted);
    assert.equal(pages, 2);
  });

  test('ListObjectsV2 with MaxKeys 7 returns every key once, in order', async () => {
    const { entries } = await listV2({ Prefix: prefix, MaxKeys: 7 });
    assert.deepEqual(entries, sorted);
  });

  test('ListObjects (v1) paged by marker returns every key once, in order', async () => {
    assert.deepEqual(await listV1({ Prefix: prefix, MaxKeys: 50 }), sorted);
  });

  test('a delimiter rolls a/ up into one CommonPrefix that counts against MaxKeys', async () => {
    const expected = [
      `${prefix}a.txt`,
      `${prefix}a/ (prefix)`,
      `${prefix}b`,
      `${prefix}\uFFFD`,
      `${prefix}\u{1F600}`,
    ];
    const v2 = await listV2({ Prefix: prefix, Delimiter: '/', MaxKeys: 1 });
    assert.deepEqual(v2.entries, expected);
    assert.equal(v2.pages, 5);
    assert.deepEqual(await listV1({ Prefix: prefix, Delimiter: '/', MaxKeys: 2 }), expected);
  });

  test('StartAfter resumes strictly after the given key', async () => {
    const { entries } = await listV2({ Prefix: prefix, StartAfter: `${prefix}a/0997`, MaxKeys: 3 });
    assert.deepEqual(entries, sorted.slice(sorted.indexOf(`${prefix}a/0997`) + 1));
  });
});

// ---- keys ------------------------------------------------------------------------------------

test('keys over 1024 UTF-8 bytes get 400 KeyTooLongError (fix: key-too-long)', async () => {
  const source = 'long/source';
  await put(source, 'x');
  for (const Key of ['k'.repeat(1025), `${'é'.repeat(512)}k`]) {
    assert.equal(Buffer.byteLength(Key), 1025);
    await rejectsWith(put(Key, 'x'), 'KeyTooLongError', 400);
    await rejectsWith(
      client.send(new CreateMultipartUploadCommand({ Bucket, Key })),
      'KeyTooLongError',
      400,
    );
    await rejectsWith(
      client.send(new CopyObjectCommand({ Bucket, Key, CopySource: `${Bucket}/${source}` })),
      'KeyTooLongError',
      400,
    );
  }
  const answer = await raw('PUT', `/${Bucket}/${'k'.repeat(1025)}`, { body: 'x' });
  assert.equal(answer.status, 400);
  assert.match(
    answer.text,
    /<Error><Code>KeyTooLongError<\/Code><Message>Your key is too long<\/Message><Size>1025<\/Size><MaxSizeAllowed>1024<\/MaxSizeAllowed>/,
  );
  const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: 'kkk' }));
  assert.equal(listed.KeyCount, 0);
});

test('1024-byte keys in one path segment are stored and listed (fix: safe-key-paths)', async () => {
  const keys = [`len/${'k'.repeat(1020)}`, `len/${'é'.repeat(510)}`, `len/${'日'.repeat(340)}`];
  for (const key of keys) {
    assert.equal(Buffer.byteLength(key), 1024);
    await put(key, key);
  }
  for (const key of keys) assert.equal((await getBytes(key)).toString(), key);
  const { entries } = await listV2({ Prefix: 'len/' });
  assert.deepEqual(entries, [...keys].sort(byUtf8));
});

test('keys that are not clean file paths stay distinct objects (fix: safe-key-paths)', async () => {
  const keys = [
    'odd/a//b',
    'odd/a/b',
    'odd/x/./c',
    'odd/x/c',
    'odd/%2E',
    'odd/100%',
    'odd/.hidden',
  ];
  for (const key of keys) await put(key, `content of ${key}`);
  for (const key of keys) assert.equal((await getBytes(key)).toString(), `content of ${key}`);
  const { entries } = await listV2({ Prefix: 'odd/' });
  assert.deepEqual(entries, [...keys].sort(byUtf8));
});

// ---- durable writes ---------------------------------------------------------------------------

describe('writes are whole before they are answered (fix: durable-objects)', () => {
  test('concurrent 1-8 MiB PUTs read back byte for byte right after each answer', async () => {
    const sizes = Array.from({ length: 16 }, (_unused, i) => (1 + (i % 8)) * MiB - i * 997);
    await Promise.all(
      sizes.map(async (size, i) => {
        const Key = `durable/${i}`;
        const body = deterministicBytes(size, Key);
        await put(Key, body);
        const read = await getBytes(Key);
        assert.equal(read.length, size, `${Key} length`);
        assert.ok(read.equals(body), `${Key} bytes`);
      }),
    );
  });

  test('a multipart object reads back whole right after CompleteMultipartUpload', async () => {
    const Key = 'durable/multipart';
    const parts = [5 * MiB, 5 * MiB, 3 * MiB + 17].map((size, i) =>
      deterministicBytes(size, `${Key}:${i}`),
    );
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const uploaded = await Promise.all(
      parts.map(async (Body, i) => {
        const { ETag } = await client.send(
          new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }),
        );
        return { ETag, PartNumber: i + 1 };
      }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
    assert.ok((await getBytes(Key)).equals(Buffer.concat(parts)));
  });

  test('a GET during an overwrite sees the old object whole, never part of the new one', async () => {
    const Key = 'overwrite/key';
    const original = deterministicBytes(4 * MiB, 'old');
    const replacement = deterministicBytes(4 * MiB, 'new');
    await put(Key, original);
    const slow = request(`${s3.endpoint}/${Bucket}/${Key}`, {
      method: 'PUT',
      headers: { 'content-length': String(replacement.length) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      slow.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      slow.on('error', reject);
    });
    await new Promise<void>((resolve) => {
      slow.write(replacement.subarray(0, 2 * MiB), () => {
        resolve();
      });
    });
    // Half the new body is in; stock s3rver has already truncated the file it writes in place.
    for (let read = 1; read <= 5; read++) {
      assert.ok((await getBytes(Key)).equals(original), `GET ${read} during the overwrite`);
    }
    slow.end(replacement.subarray(2 * MiB));
    assert.equal(await answered, 200);
    assert.ok((await getBytes(Key)).equals(replacement), 'the new object once answered');
  });

  test('a PUT cut off mid-body leaves no object and no damage behind', async () => {
    const existing = 'cut/existing';
    const original = deterministicBytes(MiB, 'original');
    await put(existing, original);
    for (const Key of ['cut/new', existing]) {
      await new Promise<void>((resolve) => {
        const cut = request(`${s3.endpoint}/${Bucket}/${Key}`, {
          method: 'PUT',
          headers: { 'content-length': String(4 * MiB) },
        });
        cut.on('error', () => {
          resolve();
        });
        cut.write(deterministicBytes(2 * MiB, 'partial'), () => {
          cut.destroy();
          resolve();
        });
      });
    }
    // Let the server handle more requests after the disconnects before looking.
    for (let i = 0; i < 4; i++) {
      await put(`cut/sentinel-${i}`, deterministicBytes(MiB, 'sentinel'));
      await getBytes(`cut/sentinel-${i}`);
    }
    assert.ok(await isAbsent('cut/new'), 'the cut-off upload left no object');
    assert.ok(
      (await getBytes(existing)).equals(original),
      'the object it would have replaced is intact',
    );
  });

  test('a body that does not match Content-MD5 or its signed SHA-256 is refused and not stored', async () => {
    const Key = 'digest/md5';
    const wrongMd5 = md5(Buffer.from('something else')).toString('base64');
    await rejectsWith(put(Key, 'hello', { ContentMD5: wrongMd5 }), 'BadDigest', 400);
    assert.ok(await isAbsent(Key));
    const good = await put(Key, 'hello', {
      ContentMD5: md5(Buffer.from('hello')).toString('base64'),
    });
    assert.equal(good.ETag, `"${md5(Buffer.from('hello')).toString('hex')}"`);
    const answer = await raw('PUT', `/${Bucket}/digest/sha`, {
      headers: { 'x-amz-content-sha256': createHash('sha256').update('other').digest('hex') },
      body: 'hello',
    });
    assert.equal(answer.status, 400);
    assert.match(answer.text, /<Code>XAmzContentSHA256Mismatch<\/Code>/);
    assert.ok(await isAbsent('digest/sha'));
  });
});

test('ranged GETs return exactly the bytes asked for (fixes: suffix-ranges, durable-objects)', async () => {
  const Key = 'range/digits';
  await put(Key, '0123456789');
  const ranged = async (Range: string) => {
    const response = await client.send(new GetObjectCommand({ Bucket, Key, Range }));
    assert.equal(response.$metadata.httpStatusCode, 206);
    return { body: await response.Body?.transformToString(), range: response.ContentRange };
  };
  assert.deepEqual(await ranged('bytes=0-0'), { body: '0', range: 'bytes 0-0/10' });
  assert.deepEqual(await ranged('bytes=-3'), { body: '789', range: 'bytes 7-9/10' });
  assert.deepEqual(await ranged('bytes=7-'), { body: '789', range: 'bytes 7-9/10' });
  assert.deepEqual(await ranged('bytes=2-4'), { body: '234', range: 'bytes 2-4/10' });
  await rejectsWith(getBytes(Key, 'bytes=10-'), 'InvalidRange', 416);
});

// ---- multipart uploads ---------------------------------------------------------------------

describe('multipart uploads (fix: multipart-uploads)', () => {
  test('AbortMultipartUpload removes the upload; later calls on it get NoSuchUpload', async () => {
    const Key = 'mpu/aborted';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const { ETag } = await client.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'part one' }),
    );
    const aborted = await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    assert.equal(aborted.$metadata.httpStatusCode, 204);
    const noSuchUpload = (pending: Promise<unknown>) => rejectsWith(pending, 'NoSuchUpload', 404);
    await noSuchUpload(client.send(new ListPartsCommand({ Bucket, Key, UploadId })));
    await noSuchUpload(
      client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'late' })),
    );
    await noSuchUpload(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
        }),
      ),
    );
    await noSuchUpload(client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })));
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }));
    assert.deepEqual(uploads.Uploads ?? [], []);
    assert.ok(await isAbsent(Key));
  });

  test('ListParts and ListMultipartUploads report the uploads, with paging and prefix', async () => {
    const create = async (Key: string) =>
      (await client.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId ?? '';
    const x = await create('mpu/list/x');
    const y = await create('mpu/list/y');
    const other = await create('mpu/other');
    const bodies = ['first part', 'second', 'third one'];
    for (const [i, Body] of bodies.entries()) {
      await client.send(
        new UploadPartCommand({ Bucket, Key: 'mpu/list/x', UploadId: x, PartNumber: i + 1, Body }),
      );
    }
    const first = await client.send(
      new ListPartsCommand({ Bucket, Key: 'mpu/list/x', UploadId: x, MaxParts: 2 }),
    );
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextPartNumberMarker, '2');
    const second = await client.send(
      new ListPartsCommand({
        Bucket,
        Key: 'mpu/list/x',
        UploadId: x,
        PartNumberMarker: first.NextPartNumberMarker,
      }),
    );
    assert.equal(second.IsTruncated, false);
    const parts = [...(first.Parts ?? []), ...(second.Parts ?? [])];
    assert.deepEqual(
      parts.map((part) => [part.PartNumber, part.ETag, part.Size]),
      bodies.map((body, i) => [i + 1, `"${md5(Buffer.from(body)).toString('hex')}"`, body.length]),
    );
    const listed = await client.send(
      new ListMultipartUploadsCommand({ Bucket, Prefix: 'mpu/list/' }),
    );
    assert.deepEqual(
      (listed.Uploads ?? []).map((upload) => [upload.Key, upload.UploadId]),
      [
        ['mpu/list/x', x],
        ['mpu/list/y', y],
      ],
    );
    for (const [Key, UploadId] of [
      ['mpu/list/x', x],
      ['mpu/list/y', y],
      ['mpu/other', other],
    ] as const) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    }
  });

  test("CompleteMultipartUpload enforces S3's part rules and returns the multipart ETag", async () => {
    const Key = 'mpu/rules';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const upload = async (PartNumber: number, Body: Buffer) => {
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body }),
      );
      return { PartNumber, ETag };
    };
    const complete = (Parts: { PartNumber: number; ETag?: string }[]) =>
      client.send(
        new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }),
      );
    const small = deterministicBytes(MiB, 'small');
    const big = deterministicBytes(5 * MiB, 'big');
    const tail = deterministicBytes(123, 'tail');

    const tooSmall = [await upload(1, small), await upload(2, tail)];
    const error = await rejectsWith(complete(tooSmall), 'EntityTooSmall', 400);
    assert.deepEqual(
      [
        String((error as unknown as Record<string, unknown>).ProposedSize),
        String((error as unknown as Record<string, unknown>).MinSizeAllowed),
      ],
      [String(MiB), String(5 * MiB)],
    );

    const first = await upload(1, big);
    const last = await upload(2, tail);
    const staleETag = `"${md5(small).toString('hex')}"`;
    await rejectsWith(complete([{ PartNumber: 1, ETag: staleETag }, last]), 'InvalidPart', 400);
    await rejectsWith(complete([last, first]), 'InvalidPartOrder', 400);
    await rejectsWith(complete([first, { PartNumber: 3, ETag: last.ETag }]), 'InvalidPart', 400);
    const parts = [first, last];

    const done = await complete(parts);
    const etag = expectedMultipartETag([big, tail]);
    assert.equal(done.ETag, etag);
    assert.equal((await client.send(new HeadObjectCommand({ Bucket, Key }))).ETag, etag);
    const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: Key }));
    assert.equal(listed.Contents?.[0]?.ETag, etag);
    assert.ok((await getBytes(Key)).equals(Buffer.concat([big, tail])));
  });
});

// ---- metadata --------------------------------------------------------------------------------

describe('user metadata limits (fix: metadata-limits)', () => {
  test('2 KiB of user metadata is accepted and one byte more is MetadataTooLarge', async () => {
    // S3 counts name (without x-amz-meta-) + value, in UTF-8 bytes.
    const fits = { a: 'x'.repeat(2047) };
    await put('meta/fits', 'x', { Metadata: fits });
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: 'meta/fits' }));
    assert.deepEqual(head.Metadata, fits);
    const error = await rejectsWith(
      put('meta/too-big', 'x', { Metadata: { a: 'x'.repeat(1000), bb: 'y'.repeat(1047) } }),
      'MetadataTooLarge',
      400,
    );
    assert.equal(String((error as unknown as Record<string, unknown>).Size), '2050');
    await rejectsWith(
      client.send(
        new CreateMultipartUploadCommand({
          Bucket,
          Key: 'meta/too-big',
          Metadata: { a: 'x'.repeat(2048) },
        }),
      ),
      'MetadataTooLarge',
      400,
    );
    assert.ok(await isAbsent('meta/too-big'));
  });

  test('non-ASCII and RFC 2047 metadata values are fenced with 501; ASCII round-trips', async () => {
    await rejectsWith(
      put('meta/latin1', 'x', { Metadata: { name: 'café' } }),
      'NotImplemented',
      501,
    );
    await rejectsWith(
      put('meta/rfc2047', 'x', { Metadata: { name: '=?UTF-8?B?Y2Fmw6k=?=' } }),
      'NotImplemented',
      501,
    );
    assert.ok(await isAbsent('meta/latin1'));
    const encoded = { name: encodeURIComponent('café/日本.txt') };
    await put('meta/ascii', 'x', { Metadata: encoded });
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: 'meta/ascii' }));
    assert.deepEqual(head.Metadata, encoded);
  });
});

// ---- fences ----------------------------------------------------------------------------------

describe('fences: what s3rver would silently get wrong answers 501 NotImplemented', () => {
  test('aws-chunked bodies (a client without WHEN_REQUIRED) are refused, not stored framed', async () => {
    const defaults = new S3Client({
      ...s3.clientConfig(),
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      responseChecksumValidation: 'WHEN_SUPPORTED',
    });
    try {
      const error = await rejectsWith(
        defaults.send(
          new PutObjectCommand({
            Bucket,
            Key: 'fence/chunked',
            Body: Readable.from([Buffer.from('hello')]),
            ContentLength: 5,
          }),
        ),
        'NotImplemented',
        501,
      );
      assert.match(error.message, /aws-chunked/);
    } finally {
      defaults.destroy();
    }
    assert.ok(await isAbsent('fence/chunked'));
  });

  test('conditional writes are refused and change nothing', async () => {
    const Key = 'fence/conditional';
    await put(Key, 'one');
    await rejectsWith(put(Key, 'two', { IfNoneMatch: '*' }), 'NotImplemented', 501);
    await rejectsWith(put(Key, 'two', { IfMatch: '"nope"' }), 'NotImplemented', 501);
    assert.equal((await getBytes(Key)).toString(), 'one');
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const { ETag } = await client.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'three' }),
    );
    await rejectsWith(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
        }),
      ),
      'NotImplemented',
      501,
    );
    assert.equal((await getBytes(Key)).toString(), 'one');
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
  });

  test('x-amz-checksum-* on uploads and checksum mode on reads are refused', async () => {
    await rejectsWith(
      put('fence/checksum', 'hello', { ChecksumAlgorithm: 'SHA256' }),
      'NotImplemented',
      501,
    );
    assert.ok(await isAbsent('fence/checksum'));
    await put('fence/checksum', 'hello');
    await rejectsWith(
      client.send(new GetObjectCommand({ Bucket, Key: 'fence/checksum', ChecksumMode: 'ENABLED' })),
      'NotImplemented',
      501,
    );
  });

  test('customer-key encryption and ACL headers on upload are refused', async () => {
    await rejectsWith(
      put('fence/sse-c', 'x', {
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: 'k'.repeat(32),
      }),
      'NotImplemented',
      501,
    );
    await rejectsWith(put('fence/acl', 'x', { ACL: 'public-read' }), 'NotImplemented', 501);
    for (const Key of ['fence/sse-c', 'fence/acl']) assert.ok(await isAbsent(Key));
  });
});

describe('tags given on upload are stored and answered (fix: object-tagging)', () => {
  async function tagsOf(Key: string): Promise<Record<string, string>> {
    const result = await client.send(new GetObjectTaggingCommand({ Bucket, Key }));
    const tags: Record<string, string> = {};
    for (const tag of result.TagSet ?? []) tags[tag.Key ?? ''] = tag.Value ?? '';
    return tags;
  }

  test('PutObject and CreateMultipartUpload keep x-amz-tagging; HEAD counts the tags', async () => {
    await put('tags/put', 'x', { Tagging: 'a=b&c=d%20e' });
    assert.deepEqual(await tagsOf('tags/put'), { a: 'b', c: 'd e' });
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: 'tags/put' }));
    assert.equal(head.TagCount, 2);

    const Key = 'tags/multipart';
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket, Key, Tagging: 'dropbox-to-s3=migrated' }),
    );
    const part = await client.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'only part' }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    assert.deepEqual(await tagsOf(Key), { 'dropbox-to-s3': 'migrated' });
  });

  test('more than 10 tags are refused', async () => {
    const eleven = Array.from({ length: 11 }, (_, index) => `k${String(index)}=v`).join('&');
    await rejectsWith(put('tags/eleven', 'x', { Tagging: eleven }), 'InvalidTag', 400);
    assert.ok(await isAbsent('tags/eleven'));
  });
});

describe('bucket lifecycle and versioning are kept as sent (fixes: bucket-lifecycle, bucket-versioning)', () => {
  const rule = {
    ID: 'r',
    Status: 'Enabled' as const,
    Filter: { Prefix: 'logs/' },
    Expiration: { Days: 1 },
  };

  test('no configuration, then the rules as written, the default-size setting, then none again', async () => {
    await rejectsWith(
      client.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
      'NoSuchLifecycleConfiguration',
      404,
    );
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: { Rules: [rule] },
        TransitionDefaultMinimumObjectSize: 'varies_by_storage_class',
      }),
    );
    const read = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    assert.deepEqual(read.Rules, [rule]);
    assert.equal(read.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');
    // Left out, S3 applies its default to the new configuration.
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: { Rules: [rule] },
      }),
    );
    const again = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    assert.equal(again.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
    await client.send(new DeleteBucketLifecycleCommand({ Bucket }));
    await rejectsWith(
      client.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
      'NoSuchLifecycleConfiguration',
      404,
    );
  });

  test('S3 refuses duplicate IDs and AbortIncompleteMultipartUpload in a tag-filtered rule', async () => {
    const write = (Rules: LifecycleRule[]) =>
      client.send(
        new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }),
      );
    await rejectsWith(write([rule, rule]), 'InvalidArgument', 400);
    await rejectsWith(
      write([
        {
          ID: 'tagged',
          Status: 'Enabled',
          Filter: { Tag: { Key: 'a', Value: 'b' } },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ]),
      'InvalidRequest',
      400,
    );
  });

  test('versioning: none until set; Enabled, then Suspended', async () => {
    const status = async () =>
      (await client.send(new GetBucketVersioningCommand({ Bucket }))).Status;
    assert.equal(await status(), undefined);
    const set = (Status: 'Enabled' | 'Suspended') =>
      client.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status } }));
    await set('Enabled');
    assert.equal(await status(), 'Enabled');
    await set('Suspended');
    assert.equal(await status(), 'Suspended');
  });

  test('an IAM action the caller lacks (--deny) is 403 AccessDenied', async () => {
    const denied = await startS3({
      deniedActions: ['s3:GetLifecycleConfiguration', 's3:PutObjectTagging'],
    });
    try {
      const other = denied.client();
      await rejectsWith(
        other.send(new GetBucketLifecycleConfigurationCommand({ Bucket: denied.bucket })),
        'AccessDenied',
        403,
      );
      await rejectsWith(
        other.send(
          new PutObjectCommand({ Bucket: denied.bucket, Key: 't', Body: 'x', Tagging: 'a=b' }),
        ),
        'AccessDenied',
        403,
      );
      await other.send(new PutObjectCommand({ Bucket: denied.bucket, Key: 't', Body: 'x' }));
    } finally {
      await denied.stop();
    }
  });
});

describe('server-side encryption is stored and answered as S3 does (fix: server-side-encryption)', () => {
  const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  async function encryption(Key: string) {
    const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
    return { sse: head.ServerSideEncryption, keyId: head.SSEKMSKeyId };
  }

  test('PutObject: the method and key asked for, else the bucket default (AES256)', async () => {
    const kms = await put('sse/kms', 'x', {
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KEY_ARN,
    });
    assert.equal(kms.ServerSideEncryption, 'aws:kms');
    assert.equal(kms.SSEKMSKeyId, KEY_ARN);
    assert.deepEqual(await encryption('sse/kms'), { sse: 'aws:kms', keyId: KEY_ARN });
    await put('sse/aes', 'x', { ServerSideEncryption: 'AES256' });
    assert.deepEqual(await encryption('sse/aes'), { sse: 'AES256', keyId: undefined });
    await put('sse/default', 'x');
    assert.deepEqual(await encryption('sse/default'), { sse: 'AES256', keyId: undefined });
    await put('sse/managed', 'x', { ServerSideEncryption: 'aws:kms' });
    assert.match((await encryption('sse/managed')).keyId ?? '', /:alias\/aws\/s3$/);
    const get = await client.send(new GetObjectCommand({ Bucket, Key: 'sse/kms' }));
    assert.equal(get.SSEKMSKeyId, KEY_ARN);
    await get.Body?.transformToByteArray();
  });

  test('a KMS key id without aws:kms is 400 InvalidArgument', async () => {
    await rejectsWith(
      put('sse/bad', 'x', { ServerSideEncryption: 'AES256', SSEKMSKeyId: KEY_ARN }),
      'InvalidArgument',
      400,
    );
    assert.ok(await isAbsent('sse/bad'));
  });

  test('multipart: chosen at CreateMultipartUpload, answered on every part and on Complete', async () => {
    const Key = 'sse/multipart';
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket,
        Key,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: KEY_ARN,
      }),
    );
    assert.equal(created.ServerSideEncryption, 'aws:kms');
    const UploadId = created.UploadId;
    const part = await client.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'only part' }),
    );
    assert.equal(part.ServerSideEncryption, 'aws:kms');
    assert.equal(part.SSEKMSKeyId, KEY_ARN);
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    assert.equal(done.ServerSideEncryption, 'aws:kms');
    assert.equal(done.SSEKMSKeyId, KEY_ARN);
    assert.deepEqual(await encryption(Key), { sse: 'aws:kms', keyId: KEY_ARN });
  });
});

test('x-amz-expected-bucket-owner must name the owner; requests are recorded (fix: expected-bucket-owner)', async () => {
  await s3.clearRequests();
  await put('owner/right', 'x', { ExpectedBucketOwner: s3.ownerAccountId });
  await rejectsWith(
    put('owner/wrong', 'x', { ExpectedBucketOwner: '999999999999' }),
    'AccessDenied',
    403,
  );
  // HEAD answers have no body: the SDK sees only the status.
  await assert.rejects(
    client.send(
      new HeadObjectCommand({ Bucket, Key: 'owner/right', ExpectedBucketOwner: '999999999999' }),
    ),
    (error: unknown) => (error as S3ServiceException).$metadata.httpStatusCode === 403,
  );
  assert.ok(await isAbsent('owner/wrong'));
  const seen = await s3.requests();
  assert.deepEqual(
    seen.slice(0, 3).map((r) => [r.method, r.key, r.expectedBucketOwner]),
    [
      ['PUT', 'owner/right', s3.ownerAccountId],
      ['PUT', 'owner/wrong', '999999999999'],
      ['HEAD', 'owner/right', '999999999999'],
    ],
  );
});

test('DeleteObjects takes keys as text and checks its body checksum (fix: delete-objects)', async () => {
  for (const Key of ['2021', '007', 'del/kept']) await put(Key, Key);
  const result = await client.send(
    new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: '2021' }, { Key: '007' }] } }),
  );
  assert.deepEqual(
    (result.Deleted ?? []).map((deleted) => deleted.Key),
    ['2021', '007'],
  );
  assert.ok(await isAbsent('2021'));
  assert.ok(await isAbsent('007'));
  const tampered = await raw('POST', `/${Bucket}?delete`, {
    headers: { 'content-type': 'application/xml', 'x-amz-checksum-crc32': 'AAAAAA==' },
    body: '<Delete><Object><Key>del/kept</Key></Object></Delete>',
  });
  assert.equal(tampered.status, 400);
  assert.match(tampered.text, /<Code>BadDigest<\/Code>/);
  assert.equal((await getBytes('del/kept')).toString(), 'del/kept');
});

test('storage classes behave as on S3 (fix: storage-classes)', async () => {
  await put('class/ir', 'x', { StorageClass: 'GLACIER_IR' });
  const ir = await client.send(new HeadObjectCommand({ Bucket, Key: 'class/ir' }));
  assert.equal(ir.StorageClass, 'GLACIER_IR');
  await put('class/deep', 'x', { StorageClass: 'DEEP_ARCHIVE' });
  const deep = await client.send(new HeadObjectCommand({ Bucket, Key: 'class/deep' }));
  assert.equal(deep.StorageClass, 'DEEP_ARCHIVE');
  await rejectsWith(getBytes('class/deep'), 'InvalidObjectState', 403);
  await put('class/standard', 'x', { StorageClass: 'STANDARD' });
  const standard = await client.send(new HeadObjectCommand({ Bucket, Key: 'class/standard' }));
  assert.equal(standard.StorageClass, undefined, 'S3 omits the header for STANDARD');
  const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: 'class/' }));
  assert.deepEqual(
    (listed.Contents ?? []).map((object) => [object.Key, object.StorageClass]),
    [
      ['class/deep', 'DEEP_ARCHIVE'],
      ['class/ir', 'GLACIER_IR'],
      ['class/standard', 'STANDARD'],
    ],
  );
});

test('the server is its own process; stop() ends it and removes its directory', async () => {
  const other = await startS3({ bucket: 'own-process' });
  assert.notEqual(other.pid, process.pid);
  process.kill(other.pid, 0); // alive
  await other.client().send(new PutObjectCommand({ Bucket: 'own-process', Key: 'k', Body: 'v' }));
  await other.stop();
  assert.throws(() => process.kill(other.pid, 0), { code: 'ESRCH' });
  await assert.rejects(access(other.dir), { code: 'ENOENT' });
});
