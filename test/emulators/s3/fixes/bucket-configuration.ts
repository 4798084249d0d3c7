import type { FilesystemStore, KoaContext, Next } from 's3rver';
import { hasQuery, headerValue, readBody, targetOf } from '../request.ts';
import { malformedXml, s3Error } from '../s3-error.ts';
import { elementsOf, firstText } from '../xml.ts';
import { verifyChecksums } from './delete-objects.ts';
import { useBeforeRouter, type HarnessFix } from './fix.ts';
import { S3_XMLNS, serve } from './serve.ts';
import type { HarnessSettings } from './settings.ts';

// WHY: s3rver has no bucket lifecycle configuration and no versioning (501 NotImplemented), and
// the product reads and writes both once per migration. These handlers keep each bucket's
// lifecycle document as the client sent it (in memory, for the server's life) and answer it back
// with `x-amz-transition-default-minimum-object-size`, so a read-merge-write can be tested end to
// end. They check what S3 checks that matters here: a body checksum (Content-MD5 or
// x-amz-checksum-*, verified), at least one rule, unique rule IDs, Enabled/Disabled status, an
// action in every rule, no AbortIncompleteMultipartUpload in a rule filtered by tags, and the two
// default-size values. They do not run the rules: no object ever changes class here.
// `deniedActions` (server flag --deny) refuses a call with 403 AccessDenied, as a policy without
// the permission would.

const MINIMUM_SIZE_HEADER = 'x-amz-transition-default-minimum-object-size';
const MINIMUM_SIZES = ['all_storage_classes_128K', 'varies_by_storage_class'];
const MAX_RULES = 1000;

interface StoredLifecycle {
  xml: string;
  minimumObjectSize: string;
}

function denyUnless(settings: HarnessSettings, action: string): void {
  if (settings.deniedActions.includes(action)) {
    throw s3Error('AccessDenied', `User is not authorized to perform: ${action}`);
  }
}

function invalidRequest(message: string) {
  return s3Error('InvalidRequest', message, {}, 400);
}

function checkRules(xml: string): void {
  if (!/<LifecycleConfiguration[\s>]/.test(xml)) throw malformedXml();
  const rules = elementsOf(xml, 'Rule');
  if (rules.length === 0 || rules.length > MAX_RULES) throw malformedXml();
  const ids = new Set<string>();
  for (const rule of rules) {
    const id = firstText(rule, 'ID') ?? '';
    if (id.length > 255)
      throw s3Error('InvalidArgument', 'ID length should not exceed allowed limit of 255');
    if (id !== '' && ids.has(id)) {
      throw s3Error(
        'InvalidArgument',
        'Rule ID must be unique. Found same ID for more than one rule',
      );
    }
    ids.add(id);
    const status = firstText(rule, 'Status');
    if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
    const actions = [
      'Transition',
      'Expiration',
      'NoncurrentVersionTransition',
      'NoncurrentVersionExpiration',
      'AbortIncompleteMultipartUpload',
    ];
    if (!actions.some((action) => elementsOf(rule, action).length > 0)) {
      throw invalidRequest('At least one action needs to be specified in a rule');
    }
    const tagged = elementsOf(rule, 'Filter').some(
      (filter) => elementsOf(filter, 'Tag').length > 0,
    );
    if (tagged && elementsOf(rule, 'AbortIncompleteMultipartUpload').length > 0) {
      throw invalidRequest('AbortIncompleteMultipartUpload cannot be specified with Tags.');
    }
  }
}

async function putLifecycle(ctx: KoaContext, stored: Map<string, StoredLifecycle>, bucket: string) {
  const body = await readBody(ctx);
  const sums = Object.keys(ctx.headers).filter(
    (name) => name === 'content-md5' || name.startsWith('x-amz-checksum-'),
  );
  if (sums.length === 0) {
    throw invalidRequest('Missing required header for this request: Content-MD5');
  }
  verifyChecksums(ctx, body);
  const minimumObjectSize = headerValue(ctx, MINIMUM_SIZE_HEADER) ?? 'all_storage_classes_128K';
  if (!MINIMUM_SIZES.includes(minimumObjectSize)) {
    throw invalidRequest(`Invalid ${MINIMUM_SIZE_HEADER}: ${minimumObjectSize}`);
  }
  const xml = body.toString('utf8');
  checkRules(xml);
  stored.set(bucket, { xml, minimumObjectSize });
  ctx.set(MINIMUM_SIZE_HEADER, minimumObjectSize);
  ctx.status = 200;
  ctx.body = '';
}

function lifecycleRoute(store: FilesystemStore, settings: HarnessSettings) {
  const stored = new Map<string, StoredLifecycle>();
  return async function bucketLifecycle(ctx: KoaContext, next: Next): Promise<void> {
    const target = targetOf(ctx);
    if (target === undefined || target.key !== undefined || !hasQuery(ctx, 'lifecycle')) {
      return next();
    }
    const bucket = target.bucket;
    return serve(ctx, store, target, async () => {
      if (ctx.method === 'GET') {
        denyUnless(settings, 's3:GetLifecycleConfiguration');
        const current = stored.get(bucket);
        if (current === undefined) {
          throw s3Error(
            'NoSuchLifecycleConfiguration',
            'The lifecycle configuration does not exist',
            {
              BucketName: bucket,
            },
            404,
          );
        }
        ctx.set(MINIMUM_SIZE_HEADER, current.minimumObjectSize);
        ctx.type = 'application/xml';
        ctx.body = current.xml;
      } else if (ctx.method === 'PUT') {
        denyUnless(settings, 's3:PutLifecycleConfiguration');
        await putLifecycle(ctx, stored, bucket);
      } else if (ctx.method === 'DELETE') {
        // DeleteBucketLifecycle is authorised as s3:PutLifecycleConfiguration.
        denyUnless(settings, 's3:PutLifecycleConfiguration');
        stored.delete(bucket);
        ctx.status = 204;
      } else {
        await next();
      }
    });
  };
}

function versioningRoute(store: FilesystemStore, settings: HarnessSettings) {
  const status = new Map<string, string>();
  return async function bucketVersioning(ctx: KoaContext, next: Next): Promise<void> {
    const target = targetOf(ctx);
    if (target === undefined || target.key !== undefined || !hasQuery(ctx, 'versioning')) {
      return next();
    }
    const bucket = target.bucket;
    return serve(ctx, store, target, async () => {
      if (ctx.method === 'GET') {
        denyUnless(settings, 's3:GetBucketVersioning');
        const current = status.get(bucket);
        ctx.body = {
          VersioningConfiguration: {
            '@': { xmlns: S3_XMLNS },
            ...(current === undefined ? {} : { Status: current }),
          },
        };
      } else if (ctx.method === 'PUT') {
        denyUnless(settings, 's3:PutBucketVersioning');
        const value = firstText((await readBody(ctx)).toString('utf8'), 'Status');
        if (value !== 'Enabled' && value !== 'Suspended') throw malformedXml();
        // Once on, versioning can only be suspended, as on S3; this harness stores no versions.
        status.set(bucket, value);
        ctx.status = 200;
        ctx.body = '';
      } else {
        await next();
      }
    });
  };
}

export const bucketLifecycle: HarnessFix = {
  name: 'bucket-lifecycle',
  install(server, settings) {
    useBeforeRouter(server, lifecycleRoute(server.store, settings));
  },
};

export const bucketVersioning: HarnessFix = {
  name: 'bucket-versioning',
  install(server, settings) {
    useBeforeRouter(server, versioningRoute(server.store, settings));
  },
};
