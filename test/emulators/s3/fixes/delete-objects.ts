import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { FilesystemStore, KoaContext, Next } from 's3rver';
import { hasQuery, headerValue, readBody, targetOf } from '../request.ts';
import { malformedXml, notImplemented, s3Error } from '../s3-error.ts';
import { decodeXmlText, elementsOf, firstText } from '../xml.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';
import { S3_XMLNS, serve } from './serve.ts';

// WHY: stock s3rver parses the DeleteObjects document with type coercion, so a key that looks
// like a number ("2021", "007") becomes a number and the request fails with 500 (or deletes "7").
// It also ignores the body checksum that S3 requires and verifies (the AWS SDK always sends one,
// x-amz-checksum-crc32 by default). This handler reads keys as text and verifies the checksum.

const MAX_OBJECTS = 1000;

function base64Digest(algorithm: string, body: Buffer): string {
  return createHash(algorithm).update(body).digest('base64');
}

function crc32Base64(body: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(body));
  return value.toString('base64');
}

const CHECKSUMS: Record<string, (body: Buffer) => string> = {
  'content-md5': (body) => base64Digest('md5', body),
  'x-amz-checksum-crc32': crc32Base64,
  'x-amz-checksum-sha1': (body) => base64Digest('sha1', body),
  'x-amz-checksum-sha256': (body) => base64Digest('sha256', body),
};

/** Verifies every checksum header of a small request body (as S3 does for XML documents). */
export function verifyChecksums(ctx: KoaContext, body: Buffer): void {
  for (const name of Object.keys(ctx.headers)) {
    const compute = CHECKSUMS[name];
    if (compute === undefined) {
      if (name.startsWith('x-amz-checksum-')) {
        throw notImplemented(`Checksum ${name}`, 'Use CRC32, SHA1, SHA256 or Content-MD5.');
      }
      continue;
    }
    if (compute(body) !== headerValue(ctx, name)) {
      throw s3Error(
        'BadDigest',
        `The ${name} you specified did not match the calculated checksum.`,
      );
    }
  }
}

async function deleteObjects(ctx: KoaContext, store: FilesystemStore): Promise<void> {
  const body = await readBody(ctx);
  verifyChecksums(ctx, body);
  const xml = body.toString('utf8');
  if (!/<Delete[\s>]/.test(xml)) throw malformedXml();
  const keys = elementsOf(xml, 'Object').map((object) => {
    const [key] = elementsOf(object, 'Key');
    if (key === undefined) throw malformedXml();
    return decodeXmlText(key);
  });
  if (keys.length === 0 || keys.length > MAX_OBJECTS) throw malformedXml();
  const quiet = firstText(xml, 'Quiet') === 'true';
  const bucket = targetOf(ctx)?.bucket ?? '';
  const deleted: { Key: string }[] = [];
  const failed: { Key: string; Code: string; Message: string }[] = [];
  for (const key of keys) {
    try {
      await store.deleteObject(bucket, key);
      deleted.push({ Key: key });
    } catch (error) {
      failed.push({ Key: key, Code: 'InternalError', Message: String(error) });
    }
  }
  ctx.body = {
    DeleteResult: {
      '@': { xmlns: S3_XMLNS },
      Deleted: quiet ? [] : deleted,
      Error: failed,
    },
  };
}

function deleteObjectsRoute(store: FilesystemStore) {
  return async function deleteObjectsHandler(ctx: KoaContext, next: Next): Promise<void> {
    const target = targetOf(ctx);
    if (target === undefined || target.key !== undefined) return next();
    if (ctx.method !== 'POST' || !hasQuery(ctx, 'delete')) return next();
    return serve(ctx, store, target, () => deleteObjects(ctx, store));
  };
}

export const deleteObjectsFix: HarnessFix = {
  name: 'delete-objects',
  install(server) {
    useBeforeRouter(server, deleteObjectsRoute(server.store));
  },
};
