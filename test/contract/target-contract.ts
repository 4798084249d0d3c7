/**
 * What every `Target` promises the engine, as tests any implementation must pass: S3Target against
 * the S3 harness (s3rver with its fixes) and MemoryTarget (test/support/memory-target.ts) both run
 * it (see target-contract.test.ts), so the fake the engine's unit tests use cannot drift from the
 * adapter. Each test works under its own key prefix, so one bucket can serve them all.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, test, type TestContext } from 'node:test';
import type { ObjectMetadata, Target } from '../../src/engine/target.ts';
import { deterministicBytes } from '../emulators/s3/data.ts';
import { assertFailsAs, readAll } from '../support/assertions.ts';

export interface TargetUnderTest {
  readonly target: Target;
  /**
   * The source's modification time stored with an object (`ObjectMetadata.modified`), read the
   * way a person would (S3: the `mtime` metadata rclone reads); the Target interface has no use
   * for it, so it is read past the interface.
   */
  readonly storedModified: (key: string) => Promise<string | undefined>;
}

export type TargetFactory = (t: TestContext) => Promise<TargetUnderTest>;

const SIGNAL = new AbortController().signal;

function metadataFor(body: Uint8Array, fields: Partial<ObjectMetadata> = {}): ObjectMetadata {
  return {
    contentHash: 'a'.repeat(64),
    sourceId: 'id:a4ayc_80_OEAAAAAAAAAXw',
    rev: '015f1e4e3c5b4d2000000021a4e1b40',
    size: body.length,
    modified: '2026-02-28T12:34:56Z',
    ...fields,
  };
}

/** Registers the contract's tests for one implementation. */
export function targetContract(name: string, start: TargetFactory): void {
  describe(`Target contract: ${name}`, () => {
    test('check passes on a bucket it may use', async (t) => {
      const { target } = await start(t);
      await target.check();
    });

    test('put, head and read round-trip the bytes and the metadata', async (t) => {
      const { target, storedModified } = await start(t);
      const body = deterministicBytes(10_000, 'photo');
      const metadata = metadataFor(body);
      await target.put('meta/Photos/Été.jpg', body, metadata, SIGNAL);
      const expected = {
        size: body.length,
        contentHash: metadata.contentHash,
        rev: metadata.rev,
        sourceId: metadata.sourceId,
        originalSize: body.length,
        contentEncoding: undefined,
        exportFormat: undefined,
      };
      assert.deepEqual(await target.head('meta/Photos/Été.jpg'), expected);
      const stored = await target.read('meta/Photos/Été.jpg', SIGNAL);
      assert.ok(stored !== undefined);
      assert.deepEqual(stored.head, expected);
      assert.ok((await readAll(stored.body)).equals(body));
      const modified = await storedModified('meta/Photos/Été.jpg');
      assert.equal(Date.parse(modified ?? ''), Date.parse(metadata.modified));
    });

    test('a gzipped object keeps the original size and says its encoding; an export says its format', async (t) => {
      const { target } = await start(t);
      const text = Buffer.from('line of text\n'.repeat(500));
      const gzipped = gzipSync(text);
      await target.put(
        'meta/notes.txt',
        gzipped,
        metadataFor(text, { contentEncoding: 'gzip' }),
        SIGNAL,
      );
      const head = await target.head('meta/notes.txt');
      assert.equal(head?.size, gzipped.length, 'the bytes stored');
      assert.equal(head.originalSize, text.length, 'the bytes of the file');
      assert.equal(head.contentEncoding, 'gzip');
      const stored = await target.read('meta/notes.txt', SIGNAL);
      assert.ok(stored !== undefined);
      assert.ok((await readAll(stored.body)).equals(gzipped), 'read as stored, still encoded');

      const doc = Buffer.from('# Plan\n');
      await target.put(
        'meta/Plan.paper.md',
        doc,
        metadataFor(doc, { exportFormat: 'markdown' }),
        SIGNAL,
      );
      assert.equal((await target.head('meta/Plan.paper.md'))?.exportFormat, 'markdown');
    });

    test('head and read of a key without an object are undefined; deleting it is no error', async (t) => {
      const { target } = await start(t);
      assert.equal(await target.head('absent/key'), undefined);
      assert.equal(await target.read('absent/key', SIGNAL), undefined);
      await target.delete('absent/key');
    });

    test('a put replaces an object; a delete removes it', async (t) => {
      const { target } = await start(t);
      const first = Buffer.from('first');
      const second = Buffer.from('second, longer');
      await target.put('replace/a.txt', first, metadataFor(first, { rev: 'r1' }), SIGNAL);
      await target.put('replace/a.txt', second, metadataFor(second, { rev: 'r2' }), SIGNAL);
      const head = await target.head('replace/a.txt');
      assert.deepEqual([head?.size, head?.rev], [second.length, 'r2']);
      await target.delete('replace/a.txt');
      assert.equal(await target.head('replace/a.txt'), undefined);
      assert.deepEqual(await keysUnder(target, 'replace/'), []);
    });

    test('a listing yields each key under the prefix once, with its size, in UTF-8 byte order', async (t) => {
      const { target } = await start(t);
      const keys = [
        'order/b',
        'order/a/x',
        'order/\uFFFD',
        'order/\u{1F600}',
        'order/A',
        'order/a b',
      ];
      for (const [index, key] of keys.entries()) {
        const body = Buffer.alloc(index + 1, index);
        await target.put(key, body, metadataFor(body), SIGNAL);
      }
      await target.put('orderly', Buffer.from('x'), metadataFor(Buffer.from('x')), SIGNAL);
      const listed: { key: string; size: number }[] = [];
      for await (const object of target.list('order/')) listed.push(object);
      // U+1F600 sorts before U+FFFD in UTF-16 but after it in UTF-8, as S3 sorts.
      assert.deepEqual(listed, [
        { key: 'order/A', size: 5 },
        { key: 'order/a b', size: 6 },
        { key: 'order/a/x', size: 2 },
        { key: 'order/b', size: 1 },
        { key: 'order/\uFFFD', size: 3 },
        { key: 'order/\u{1F600}', size: 4 },
      ]);
    });

    test('multipart: parts are listed with their ETags; Complete makes one object with the metadata given at the start', async (t) => {
      const { target } = await start(t);
      const key = 'multipart/big.bin';
      const first = deterministicBytes(target.limits.minPartBytes, 'part 1');
      const last = deterministicBytes(1000, 'part 2');
      const metadata = metadataFor(Buffer.concat([first, last]));
      const uploadId = await target.createMultipart(key, metadata);
      const etag1 = await target.uploadPart(key, uploadId, 1, first, SIGNAL);
      const etag2 = await target.uploadPart(key, uploadId, 2, last, SIGNAL);
      assert.deepEqual(await target.listParts(key, uploadId), [
        { partNumber: 1, etag: etag1 },
        { partNumber: 2, etag: etag2 },
      ]);
      assert.deepEqual(await unfinished(target, 'multipart/'), [{ key, uploadId }]);
      assert.equal(await target.head(key), undefined, 'invisible until completed');

      await target.completeMultipart(key, uploadId, [
        { partNumber: 1, etag: etag1 },
        { partNumber: 2, etag: etag2 },
      ]);
      const head = await target.head(key);
      assert.deepEqual(
        [head?.size, head?.contentHash, head?.rev, head?.sourceId, head?.originalSize],
        [metadata.size, metadata.contentHash, metadata.rev, metadata.sourceId, metadata.size],
      );
      const stored = await target.read(key, SIGNAL);
      assert.ok(stored !== undefined);
      assert.ok((await readAll(stored.body)).equals(Buffer.concat([first, last])));
      assert.equal(await target.listParts(key, uploadId), undefined, 'the upload is gone');
      assert.deepEqual(await unfinished(target, 'multipart/'), []);
    });

    test('an aborted upload is gone: no parts, not unfinished, later parts and Complete fail as upload_lost', async (t) => {
      const { target } = await start(t);
      const key = 'aborted/big.bin';
      const part = Buffer.from('a part');
      const uploadId = await target.createMultipart(key, metadataFor(part));
      const etag = await target.uploadPart(key, uploadId, 1, part, SIGNAL);
      await target.abortMultipart(key, uploadId);
      assert.equal(await target.listParts(key, uploadId), undefined);
      assert.deepEqual(await unfinished(target, 'aborted/'), []);
      await assertFailsAs(
        target.uploadPart(key, uploadId, 2, part, SIGNAL),
        'retryable',
        'upload_lost',
      );
      await assertFailsAs(
        target.completeMultipart(key, uploadId, [{ partNumber: 1, etag }]),
        'retryable',
        'upload_lost',
      );
      await target.abortMultipart(key, uploadId);
      assert.equal(await target.head(key), undefined);
    });

    test('Complete refuses, for good, a part under the minimum but the last, a wrong ETag, parts out of order', async (t) => {
      const { target } = await start(t);
      const key = 'refused/big.bin';
      const small = Buffer.from('too small to be a first part');
      const uploadId = await target.createMultipart(key, metadataFor(small));
      const etag1 = await target.uploadPart(key, uploadId, 1, small, SIGNAL);
      const etag2 = await target.uploadPart(key, uploadId, 2, small, SIGNAL);
      const complete = (parts: { partNumber: number; etag: string }[]) =>
        assertFailsAs(target.completeMultipart(key, uploadId, parts), 'permanent', 'unknown');
      await complete([
        { partNumber: 1, etag: etag1 },
        { partNumber: 2, etag: etag2 },
      ]);
      await complete([{ partNumber: 1, etag: '"00000000000000000000000000000000"' }]);
      await complete([
        { partNumber: 2, etag: etag2 },
        { partNumber: 1, etag: etag1 },
      ]);
      assert.deepEqual(await unfinished(target, 'refused/'), [{ key, uploadId }], 'still there');
      await target.abortMultipart(key, uploadId);
    });

    test('unfinished uploads are those under the prefix, by key', async (t) => {
      const { target } = await start(t);
      const meta = metadataFor(Buffer.alloc(0));
      const b = await target.createMultipart('open/b.bin', meta);
      const a = await target.createMultipart('open/a.bin', meta);
      const other = await target.createMultipart('elsewhere/c.bin', meta);
      assert.deepEqual(await unfinished(target, 'open/'), [
        { key: 'open/a.bin', uploadId: a },
        { key: 'open/b.bin', uploadId: b },
      ]);
      for (const [key, uploadId] of [
        ['open/a.bin', a],
        ['open/b.bin', b],
        ['elsewhere/c.bin', other],
      ] as const) {
        await target.abortMultipart(key, uploadId);
      }
    });

    test('keys longer than limits.maxKeyBytes (in UTF-8) are refused as key_too_long; the longest allowed is stored', async (t) => {
      const { target } = await start(t);
      const max = target.limits.maxKeyBytes;
      // Two-byte characters: the limit is in bytes, not characters.
      const room = max - 'long/'.length;
      const longest = `long/${'é'.repeat(Math.floor(room / 2))}${'x'.repeat(room % 2)}`;
      assert.equal(Buffer.byteLength(longest), max);
      const tooLong = `${longest}x`;
      const body = Buffer.from('x');
      await target.put(longest, body, metadataFor(body), SIGNAL);
      assert.equal((await target.head(longest))?.size, 1);
      await assertFailsAs(
        target.put(tooLong, body, metadataFor(body), SIGNAL),
        'permanent',
        'key_too_long',
      );
      await assertFailsAs(
        target.createMultipart(tooLong, metadataFor(body)),
        'permanent',
        'key_too_long',
      );
      await assertFailsAs(
        target.putStream(tooLong, [body], 'text/plain'),
        'permanent',
        'key_too_long',
      );
      await assertFailsAs(target.read(tooLong, SIGNAL), 'permanent', 'key_too_long');
      await assertFailsAs(target.delete(tooLong), 'permanent', 'key_too_long');
      // A HEAD's error has no body to name it: the refusal is permanent, of no class.
      await assertFailsAs(target.head(tooLong), 'permanent', 'unknown');
      assert.deepEqual(await keysUnder(target, 'long/'), [longest]);
    });

    test('putStream stores the pieces of a stream of unknown length, without migration metadata', async (t) => {
      const { target } = await start(t);
      const pieces = [Buffer.from('{"a":1}\n'), Buffer.from('{"b":2}\n'), Buffer.from('')];
      await target.putStream('tool/manifest.jsonl', pieces, 'application/x-ndjson');
      const stored = await target.read('tool/manifest.jsonl', SIGNAL);
      assert.ok(stored !== undefined);
      assert.equal((await readAll(stored.body)).toString(), '{"a":1}\n{"b":2}\n');
      assert.deepEqual(
        [stored.head.contentHash, stored.head.sourceId, stored.head.rev, stored.head.originalSize],
        [undefined, undefined, undefined, undefined],
      );
    });
  });
}

async function keysUnder(target: Target, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of target.list(prefix)) keys.push(object.key);
  return keys;
}

async function unfinished(
  target: Target,
  prefix: string,
): Promise<{ key: string; uploadId: string }[]> {
  const uploads: { key: string; uploadId: string }[] = [];
  for await (const upload of target.unfinishedUploads(prefix)) uploads.push({ ...upload });
  return uploads;
}
