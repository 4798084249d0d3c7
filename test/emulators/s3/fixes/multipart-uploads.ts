import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FilesystemStore, KoaContext, Next, StoredMetadata } from 's3rver';
import S3Object from 's3rver/lib/models/object.js';
import { uploadLockName, withLock } from '../key-lock.ts';
import { hasQuery, integerQuery, queryValue, readBody, targetOf } from '../request.ts';
import {
  isErrnoException,
  malformedXml,
  noSuchUpload,
  notImplemented,
  s3Error,
} from '../s3-error.ts';
import { elementsOf, firstText } from '../xml.ts';
import { writeObject } from './durable-objects.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';
import { OWNER, S3_XMLNS, compareKeys, serve } from './serve.ts';

// WHY: stock s3rver has no AbortMultipartUpload, ListParts or ListMultipartUploads (405/501), so
// code that finds and aborts orphaned uploads cannot be tested. Its CompleteMultipartUpload
// ignores the part ETags, accepts parts of any size in any order, answers before the object is
// whole, and returns a plain MD5 ETag. Real S3 rejects wrong ETags (InvalidPart), out-of-order
// lists (InvalidPartOrder) and non-final parts under 5 MiB (EntityTooSmall), and gives multipart
// objects the ETag md5(concatenated binary part MD5s) + "-<part count>". This module answers the
// whole multipart API itself, on s3rver's on-disk layout (`<bucket>/._S3rver_uploads/<id>/`).

const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;
const UPLOAD_ID = /^[0-9a-f]{32}$/;

interface Upload {
  uploadId: string;
  key: string;
  metadata: StoredMetadata;
  initiated: Date;
  dir: string;
}

interface Part {
  number: number;
  etag: string;
  size: number;
  lastModified: Date;
  path: string;
}

function uploadsRoot(store: FilesystemStore, bucket: string): string {
  return store.getResourcePath(bucket, undefined, 'uploads');
}

function parseMetadata(text: string): StoredMetadata {
  const parsed: unknown = JSON.parse(text);
  const metadata: StoredMetadata = {};
  if (typeof parsed === 'object' && parsed !== null) {
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'string') metadata[name] = value;
    }
  }
  return metadata;
}

async function readUpload(
  store: FilesystemStore,
  bucket: string,
  uploadId: string,
): Promise<Upload | undefined> {
  if (!UPLOAD_ID.test(uploadId)) return undefined;
  const dir = join(uploadsRoot(store, bucket), uploadId);
  try {
    const [key, metadata, initiated] = await Promise.all(
      ['key', 'metadata', 'initiated'].map((name) => readFile(join(dir, name), 'utf8')),
    );
    if (key === undefined || metadata === undefined || initiated === undefined) return undefined;
    return {
      uploadId,
      key,
      metadata: parseMetadata(metadata),
      initiated: new Date(initiated),
      dir,
    };
  } catch (error) {
    if (isErrnoException(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** What an upload was created with (Content-Type, metadata, encryption), if it exists. */
export async function uploadMetadata(
  store: FilesystemStore,
  bucket: string,
  uploadId: string,
): Promise<StoredMetadata | undefined> {
  return (await readUpload(store, bucket, uploadId))?.metadata;
}

/** The upload named by the request, which must belong to the request's key. */
async function requireUpload(
  store: FilesystemStore,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<Upload> {
  const upload = await readUpload(store, bucket, uploadId);
  if (upload?.key !== key) throw noSuchUpload(uploadId);
  return upload;
}

async function partsOf(upload: Upload): Promise<Part[]> {
  const parts: Part[] = [];
  for (const name of await readdir(upload.dir)) {
    if (!/^\d+$/.test(name)) continue;
    const path = join(upload.dir, name);
    try {
      const [info, etag] = await Promise.all([stat(path), readFile(`${path}.md5`, 'utf8')]);
      parts.push({ number: Number(name), etag, size: info.size, lastModified: info.mtime, path });
    } catch (error) {
      if (!isErrnoException(error, 'ENOENT')) throw error;
    }
  }
  return parts.sort((a, b) => a.number - b.number);
}

function partNumberOf(ctx: KoaContext): number {
  const raw = queryValue(ctx, 'partNumber') ?? '';
  const number = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(number) || number < 1 || number > MAX_PART_NUMBER) {
    throw s3Error(
      'InvalidArgument',
      'Part number must be an integer between 1 and 10000, inclusive',
      {
        ArgumentName: 'partNumber',
        ArgumentValue: raw,
      },
    );
  }
  return number;
}

async function createUpload(ctx: KoaContext, store: FilesystemStore, bucket: string, key: string) {
  // S3Object keeps what S3 stores (Content-Type, user metadata, storage class...) and rejects an
  // unknown storage class, as S3 does when the upload is created.
  const { metadata } = new S3Object(bucket, key, null, ctx.headers);
  const uploadId = randomBytes(16).toString('hex');
  const dir = join(uploadsRoot(store, bucket), uploadId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'metadata'), JSON.stringify(metadata));
  await writeFile(join(dir, 'initiated'), new Date().toISOString());
  await writeFile(join(dir, 'key'), key);
  ctx.body = {
    InitiateMultipartUploadResult: {
      '@': { xmlns: S3_XMLNS },
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
    },
  };
}

async function uploadPart(
  ctx: KoaContext,
  store: FilesystemStore,
  bucket: string,
  key: string,
  uploadId: string,
) {
  const partNumber = partNumberOf(ctx);
  if (ctx.headers['x-amz-copy-source'] !== undefined) {
    throw notImplemented('UploadPartCopy', 'Upload the part bytes with UploadPart.');
  }
  await requireUpload(store, bucket, key, uploadId);
  const { md5 } = await store.putPart(bucket, uploadId, partNumber, ctx.req);
  ctx.etag = md5;
  ctx.body = '';
}

async function listParts(
  ctx: KoaContext,
  store: FilesystemStore,
  bucket: string,
  key: string,
  uploadId: string,
) {
  const maxParts = Math.min(1000, integerQuery(ctx, 'max-parts', 1000, 0, 2 ** 31 - 1));
  const marker = integerQuery(ctx, 'part-number-marker', 0, 0, 2 ** 31 - 1);
  const upload = await requireUpload(store, bucket, key, uploadId);
  const parts = await withLock(uploadLockName(bucket, uploadId), () => partsOf(upload));
  const after = parts.filter((part) => part.number > marker);
  const page = after.slice(0, maxParts);
  ctx.body = {
    ListPartsResult: {
      '@': { xmlns: S3_XMLNS },
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      Initiator: OWNER,
      Owner: OWNER,
      StorageClass: upload.metadata['x-amz-storage-class'] ?? 'STANDARD',
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1)?.number ?? marker,
      MaxParts: maxParts,
      IsTruncated: after.length > page.length,
      Part: page.map((part) => ({
        PartNumber: part.number,
        LastModified: part.lastModified.toISOString(),
        ETag: JSON.stringify(part.etag),
        Size: part.size,
      })),
    },
  };
}

interface RequestedPart {
  number: number;
  etag: string;
}

function requestedParts(xml: string): RequestedPart[] {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) throw malformedXml();
  const parts = elementsOf(xml, 'Part').map((part) => ({
    number: Number(firstText(part, 'PartNumber')),
    etag: (firstText(part, 'ETag') ?? '').replaceAll('"', ''),
  }));
  if (parts.length === 0 || parts.some((part) => !Number.isInteger(part.number))) {
    throw malformedXml();
  }
  return parts;
}

/** The stored parts a Complete request names, checked the way S3 checks them. */
function checkedParts(uploadId: string, requested: RequestedPart[], stored: Part[]): Part[] {
  requested.forEach((part, index) => {
    const previous = requested[index - 1];
    if (previous !== undefined && part.number <= previous.number) {
      throw s3Error(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
        { UploadId: uploadId, PartNumber: part.number },
      );
    }
  });
  const byNumber = new Map(stored.map((part) => [part.number, part]));
  const chosen = requested.map((part) => {
    const found = byNumber.get(part.number);
    if (found?.etag !== part.etag) {
      throw s3Error(
        'InvalidPart',
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { UploadId: uploadId, PartNumber: part.number, ETag: part.etag },
      );
    }
    return found;
  });
  chosen.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_SIZE) {
      throw s3Error(
        'EntityTooSmall',
        'Your proposed upload is smaller than the minimum allowed size',
        {
          ProposedSize: part.size,
          MinSizeAllowed: MIN_PART_SIZE,
          PartNumber: part.number,
          ETag: part.etag,
        },
      );
    }
  });
  return chosen;
}

/** S3's multipart ETag: MD5 of the parts' binary MD5s, then `-<number of parts>`. */
export function multipartETag(partMd5Hex: readonly string[]): string {
  const digest = createHash('md5');
  for (const md5 of partMd5Hex) digest.update(Buffer.from(md5, 'hex'));
  return `${digest.digest('hex')}-${partMd5Hex.length}`;
}

async function* concatenated(parts: readonly Part[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    for await (const chunk of createReadStream(part.path)) yield chunk as Buffer;
  }
}

async function completeUpload(
  ctx: KoaContext,
  store: FilesystemStore,
  bucket: string,
  key: string,
  uploadId: string,
) {
  const requested = requestedParts((await readBody(ctx)).toString('utf8'));
  const etag = await withLock(uploadLockName(bucket, uploadId), async () => {
    const upload = await requireUpload(store, bucket, key, uploadId);
    const parts = checkedParts(uploadId, requested, await partsOf(upload));
    const objectETag = multipartETag(parts.map((part) => part.etag));
    await writeObject(store, {
      bucket,
      key,
      source: Readable.from(concatenated(parts)),
      metadata: upload.metadata,
      etag: objectETag,
    });
    await rm(upload.dir, { recursive: true, force: true });
    return objectETag;
  });
  ctx.body = {
    CompleteMultipartUploadResult: {
      '@': { xmlns: S3_XMLNS },
      Location: ctx.href.split('?')[0],
      Bucket: bucket,
      Key: key,
      ETag: JSON.stringify(etag),
    },
  };
}

async function abortUpload(
  ctx: KoaContext,
  store: FilesystemStore,
  bucket: string,
  key: string,
  uploadId: string,
) {
  await withLock(uploadLockName(bucket, uploadId), async () => {
    const upload = await requireUpload(store, bucket, key, uploadId);
    await rm(upload.dir, { recursive: true, force: true });
  });
  ctx.status = 204;
}

async function allUploads(store: FilesystemStore, bucket: string): Promise<Upload[]> {
  let ids: string[];
  try {
    ids = await readdir(uploadsRoot(store, bucket));
  } catch (error) {
    if (isErrnoException(error, 'ENOENT')) return [];
    throw error;
  }
  const uploads = await Promise.all(ids.map((id) => readUpload(store, bucket, id)));
  return uploads
    .filter((upload) => upload !== undefined)
    .sort((a, b) => compareKeys(a.key, b.key) || compareKeys(a.uploadId, b.uploadId));
}

async function listUploads(ctx: KoaContext, store: FilesystemStore, bucket: string) {
  const prefix = queryValue(ctx, 'prefix') ?? '';
  const delimiter = queryValue(ctx, 'delimiter') ?? '';
  const keyMarker = queryValue(ctx, 'key-marker') ?? '';
  const uploadIdMarker = queryValue(ctx, 'upload-id-marker') ?? '';
  const maxUploads = Math.min(1000, integerQuery(ctx, 'max-uploads', 1000, 1, 2 ** 31 - 1));
  // S3: after key-marker; uploads of key-marker itself only if their ID sorts after
  // upload-id-marker. Uploads of one key are ordered by ID here so that paging is consistent.
  const afterMarkers = (upload: Upload): boolean => {
    if (keyMarker === '') return true;
    const order = compareKeys(upload.key, keyMarker);
    if (order !== 0) return order > 0;
    return uploadIdMarker !== '' && upload.uploadId > uploadIdMarker;
  };
  const candidates = (await allUploads(store, bucket)).filter(
    (upload) => upload.key.startsWith(prefix) && afterMarkers(upload),
  );
  const uploads: Upload[] = [];
  const commonPrefixes: string[] = [];
  let truncated = false;
  for (const upload of candidates) {
    const cut = delimiter === '' ? -1 : upload.key.indexOf(delimiter, prefix.length);
    const rollup = cut === -1 ? undefined : upload.key.slice(0, cut + delimiter.length);
    if (rollup !== undefined && (rollup === commonPrefixes.at(-1) || rollup === keyMarker))
      continue;
    if (uploads.length + commonPrefixes.length === maxUploads) {
      truncated = true;
      break;
    }
    if (rollup === undefined) uploads.push(upload);
    else commonPrefixes.push(rollup);
  }
  const lastUpload = uploads.at(-1);
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: S3_XMLNS },
      Bucket: bucket,
      KeyMarker: keyMarker,
      UploadIdMarker: uploadIdMarker,
      NextKeyMarker: truncated ? lastUpload?.key : undefined,
      NextUploadIdMarker: truncated ? lastUpload?.uploadId : undefined,
      Delimiter: delimiter === '' ? undefined : delimiter,
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      Upload: uploads.map((upload) => ({
        Key: upload.key,
        UploadId: upload.uploadId,
        Initiator: OWNER,
        Owner: OWNER,
        StorageClass: upload.metadata['x-amz-storage-class'] ?? 'STANDARD',
        Initiated: upload.initiated.toISOString(),
      })),
      CommonPrefixes: commonPrefixes.map((common) => ({ Prefix: common })),
    },
  };
}

function multipartRoutes(store: FilesystemStore) {
  return async function multipartUploads(ctx: KoaContext, next: Next): Promise<void> {
    const target = targetOf(ctx);
    if (target === undefined) return next();
    const { bucket, key } = target;
    if (key === undefined) {
      if (ctx.method !== 'GET' || !hasQuery(ctx, 'uploads')) return next();
      return serve(ctx, store, target, () => listUploads(ctx, store, bucket));
    }
    if (ctx.method === 'POST' && hasQuery(ctx, 'uploads')) {
      return serve(ctx, store, target, () => createUpload(ctx, store, bucket, key));
    }
    if (!hasQuery(ctx, 'uploadId')) return next();
    const uploadId = queryValue(ctx, 'uploadId') ?? '';
    const handlers: Record<string, typeof listParts | undefined> = {
      PUT: uploadPart,
      GET: listParts,
      POST: completeUpload,
      DELETE: abortUpload,
    };
    const handler = handlers[ctx.method];
    if (handler === undefined) return next();
    return serve(ctx, store, target, () => handler(ctx, store, bucket, key, uploadId));
  };
}

export const multipartUploads: HarnessFix = {
  name: 'multipart-uploads',
  install(server) {
    useBeforeRouter(server, multipartRoutes(server.store));
  },
};
