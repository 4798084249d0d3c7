import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FilesystemStore, StoredMetadata, StoredObject } from 's3rver';
import S3Object from 's3rver/lib/models/object.js';
import { objectLockName, uploadLockName, withLock } from '../key-lock.ts';
import { isErrnoException, noSuchUpload, s3Error } from '../s3-error.ts';
import type { HarnessFix } from './fix.ts';

// WHY: stock s3rver answers PutObject and UploadPart when its hashing Transform has seen the last
// byte, not when the file is written, so an immediate GET can read a short or empty object. It
// also writes in place: a client killed mid-upload leaves a truncated object that HEAD reports as
// present, and an overwrite is visible half-written. Real S3 stores an object whole or not at all.
// Here a body goes to a temporary file, is checked (length, Content-MD5, signed SHA-256) and is
// renamed into place only then; data, ETag and metadata change together under a per-key lock that
// reads and deletes take too. No fsync: read-after-write needs the page cache, not the platter.

interface BodyExpectations {
  length?: number;
  md5Base64?: string;
  sha256Hex?: string;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** What an upload's own request headers promise about its body. */
function expectationsOf(source: Readable): BodyExpectations {
  if (!(source instanceof IncomingMessage)) return {};
  const expectations: BodyExpectations = {};
  const length = single(source.headers['content-length']);
  if (length !== undefined && source.headers['transfer-encoding'] === undefined) {
    expectations.length = Number(length);
  }
  const md5 = single(source.headers['content-md5']);
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16) {
      throw s3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', {
        'Content-MD5': md5,
      });
    }
    expectations.md5Base64 = md5;
  }
  const sha256 = single(source.headers['x-amz-content-sha256']);
  if (sha256 !== undefined && /^[0-9a-f]{64}$/i.test(sha256)) {
    expectations.sha256Hex = sha256.toLowerCase();
  }
  return expectations;
}

interface ReceivedBody {
  file: string;
  md5Hex: string;
  size: number;
}

function checkBody(
  expected: BodyExpectations,
  size: number,
  md5: Buffer,
  sha256Hex: string | undefined,
): void {
  if (expected.length !== undefined && size !== expected.length) {
    throw s3Error(
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    );
  }
  if (expected.md5Base64 !== undefined && md5.toString('base64') !== expected.md5Base64) {
    throw s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
      ExpectedDigest: expected.md5Base64,
      CalculatedDigest: md5.toString('base64'),
    });
  }
  if (expected.sha256Hex !== undefined && sha256Hex !== expected.sha256Hex) {
    throw s3Error(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      { ClientComputedContentSHA256: expected.sha256Hex, S3ComputedContentSHA256: sha256Hex ?? '' },
      400,
    );
  }
}

/** Streams `source` into a fresh file in the bucket's scratch directory and checks it. */
async function receive(
  store: FilesystemStore,
  bucket: string,
  source: Readable,
): Promise<ReceivedBody> {
  const expected = expectationsOf(source);
  const scratch = store.getResourcePath(bucket, undefined, 'tmp');
  await mkdir(scratch, { recursive: true });
  const file = join(scratch, randomBytes(12).toString('hex'));
  const md5 = createHash('md5');
  const sha256 = expected.sha256Hex === undefined ? undefined : createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      sha256?.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    // pipeline settles after the file stream has finished writing (or on any error, including
    // a client that disconnects before sending Content-Length bytes).
    await pipeline(source, meter, createWriteStream(file));
    const md5Digest = md5.digest();
    checkBody(expected, size, md5Digest, sha256?.digest('hex'));
    return { file, md5Hex: md5Digest.toString('hex'), size };
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

/** Renames `file` to `target`, creating the directory when needed (again if a delete pruned it). */
async function moveInto(file: string, target: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rename(file, target);
      return;
    } catch (error) {
      if (!isErrnoException(error, 'ENOENT') || attempt === 3) throw error;
    }
    await mkdir(dirname(target), { recursive: true });
  }
}

export interface ObjectWrite {
  bucket: string;
  key: string;
  source: Readable | Buffer;
  metadata: StoredMetadata;
  /** ETag to record instead of the body's MD5 (multipart objects). */
  etag?: string;
}

/** Stores a whole object atomically; returns its ETag (unquoted) and size. */
export async function writeObject(
  store: FilesystemStore,
  write: ObjectWrite,
): Promise<{ md5: string; size: number }> {
  const source = Buffer.isBuffer(write.source) ? Readable.from([write.source]) : write.source;
  const body = await receive(store, write.bucket, source);
  const etag = write.etag ?? body.md5Hex;
  const objectPath = store.getResourcePath(write.bucket, write.key, 'object');
  await withLock(objectLockName(write.bucket, write.key), async () => {
    await moveInto(body.file, objectPath);
    await Promise.all([
      writeFile(`${objectPath}.md5`, etag),
      store.putMetadata(write.bucket, write.key, write.metadata),
      rm(store.getResourcePath(write.bucket, write.key, 'tagging.xml'), { force: true }),
    ]);
  });
  return { md5: etag, size: body.size };
}

async function openAt(path: string, range?: { start: number; end: number }): Promise<Readable> {
  const stream = createReadStream(path, range);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => {
      resolve();
    });
    stream.once('error', reject);
  });
  return stream;
}

/**
 * GetObject/HeadObject under the key's lock, so data, ETag and metadata come from one version.
 * Also fixes stock range handling, which served the whole object for `bytes=0-0`.
 */
async function readObject(
  store: FilesystemStore,
  bucket: string,
  key: string,
  options?: { start?: number; end?: number },
): Promise<StoredObject | null> {
  return withLock(objectLockName(bucket, key), async () => {
    let metadata: StoredMetadata;
    try {
      metadata = await store.getMetadata(bucket, key);
    } catch (error) {
      if (isErrnoException(error, 'ENOENT')) return null;
      throw error;
    }
    const objectPath = store.getResourcePath(bucket, key, 'object');
    if (options?.start === undefined && options?.end === undefined) {
      return new S3Object(bucket, key, await openAt(objectPath), metadata);
    }
    const size = Number(metadata['content-length']);
    const start = options.start ?? 0;
    const end = Math.min(options.end ?? size - 1, size - 1);
    const satisfiable = Number.isInteger(start) && start < size && start <= end;
    const object = new S3Object(
      bucket,
      key,
      satisfiable ? await openAt(objectPath, { start, end }) : null,
      metadata,
    );
    object.range = { start, end };
    return object;
  });
}

async function deleteObject(store: FilesystemStore, bucket: string, key: string): Promise<void> {
  await withLock(objectLockName(bucket, key), async () => {
    const objectPath = store.getResourcePath(bucket, key, 'object');
    for (const resource of ['object', 'object.md5', 'metadata.json', 'tagging.xml']) {
      await rm(store.getResourcePath(bucket, key, resource), { force: true });
    }
    // Prune now-empty directories up to the bucket; rmdir refuses non-empty ones atomically.
    const bucketPath = store.getBucketPath(bucket);
    for (let dir = dirname(objectPath); dir.startsWith(`${bucketPath}/`); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
  });
}

async function copyObject(
  store: FilesystemStore,
  source: { bucket: string; key: string },
  target: { bucket: string; key: string },
  replacementMetadata: StoredMetadata | null,
): Promise<StoredMetadata> {
  const original = await readObject(store, source.bucket, source.key);
  if (original === null || original.content === null) {
    throw s3Error('NoSuchKey', 'The specified key does not exist.', { Key: source.key });
  }
  await writeObject(store, {
    bucket: target.bucket,
    key: target.key,
    source: original.content,
    metadata: replacementMetadata ?? original.metadata,
  });
  return store.getMetadata(target.bucket, target.key);
}

function uploadDirectory(store: FilesystemStore, bucket: string, uploadId: string): string {
  return join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
}

/** UploadPart: the same whole-or-nothing write, committed only while the upload still exists. */
async function writePart(
  store: FilesystemStore,
  bucket: string,
  uploadId: string,
  partNumber: number,
  content: Readable,
): Promise<{ md5: string; size: number }> {
  // Upload IDs are 32 hex digits (s3rver's and ours); anything else must not become a path.
  if (!/^[0-9a-f]{32}$/.test(uploadId)) throw noSuchUpload(uploadId);
  const body = await receive(store, bucket, content);
  const uploadDir = uploadDirectory(store, bucket, uploadId);
  await withLock(uploadLockName(bucket, uploadId), async () => {
    const exists = await stat(uploadDir).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await rm(body.file, { force: true });
      throw noSuchUpload(uploadId);
    }
    const partPath = join(uploadDir, String(partNumber));
    await rename(body.file, partPath);
    await writeFile(`${partPath}.md5`, body.md5Hex);
  });
  return { md5: body.md5Hex, size: body.size };
}

export const durableObjects: HarnessFix = {
  name: 'durable-objects',
  install(server) {
    const store = server.store;
    store.putObject = async (object) => {
      if (object.content === null) throw new Error('s3rver passed an object without content');
      return writeObject(store, {
        bucket: object.bucket,
        key: object.key,
        source: object.content,
        metadata: object.metadata,
      });
    };
    store.getObject = (bucket, key, options) => readObject(store, bucket, key, options);
    store.deleteObject = (bucket, key) => deleteObject(store, bucket, key);
    store.copyObject = (srcBucket, srcKey, destBucket, destKey, replacementMetadata) =>
      copyObject(
        store,
        { bucket: srcBucket, key: srcKey },
        { bucket: destBucket, key: destKey },
        replacementMetadata,
      );
    store.putPart = (bucket, uploadId, partNumber, content) =>
      writePart(store, bucket, uploadId, Number(partNumber), content);
  },
};
