import type { FilesystemStore, KoaContext, Next } from 's3rver';
import S3Object from 's3rver/lib/models/object.js';
import { hasQuery, targetOf } from '../request.ts';
import { isErrnoException, s3Error } from '../s3-error.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';

// WHY: (1) s3rver's list of storage classes predates GLACIER_IR, so it rejects a class S3 accepts
// with 400 InvalidStorageClass. (2) It serves the bytes of GLACIER and DEEP_ARCHIVE objects, which
// S3 refuses with 403 InvalidObjectState until they are restored: a "read back to verify" step
// would pass here and fail on S3. (3) It reports `x-amz-storage-class: STANDARD` on HEAD when the
// upload named STANDARD; S3 omits the header for STANDARD objects.

const ADDED_CLASSES = ['GLACIER_IR', 'SNOW', 'EXPRESS_ONEZONE'];
/** Classes whose objects must be restored before GetObject (S3 InvalidObjectState). */
const ARCHIVED_CLASSES = ['GLACIER', 'DEEP_ARCHIVE'];

function archivedReads(store: FilesystemStore) {
  return async function refuseArchivedReads(ctx: KoaContext, next: Next): Promise<void> {
    const target = targetOf(ctx);
    const isGet = ctx.method === 'GET' && !hasQuery(ctx, 'tagging') && !hasQuery(ctx, 'acl');
    if (target?.key !== undefined && isGet && !hasQuery(ctx, 'uploadId')) {
      let storageClass: string | undefined;
      try {
        storageClass = (await store.getMetadata(target.bucket, target.key))['x-amz-storage-class'];
      } catch (error) {
        if (!isErrnoException(error, 'ENOENT')) throw error;
      }
      if (storageClass !== undefined && ARCHIVED_CLASSES.includes(storageClass)) {
        throw s3Error(
          'InvalidObjectState',
          "The operation is not valid for the object's storage class",
          {
            StorageClass: storageClass,
          },
        );
      }
    }
    await next();
  };
}

export const storageClasses: HarnessFix = {
  name: 'storage-classes',
  install(server) {
    const known = S3Object.STORAGE_CLASSES;
    known.push(...ADDED_CLASSES.filter((name) => !known.includes(name)));
    const store = server.store;
    const putMetadata = store.putMetadata.bind(store);
    store.putMetadata = (bucket, key, metadata, md5) => {
      const { 'x-amz-storage-class': storageClass, ...rest } = metadata;
      return putMetadata(bucket, key, storageClass === 'STANDARD' ? rest : metadata, md5);
    };
    useBeforeRouter(server, archivedReads(store));
  },
};
