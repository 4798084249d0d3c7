import { readFile } from 'node:fs/promises';
import type { RecordedRequest } from '../emulators/s3/fixes/expected-bucket-owner.ts';

interface Statement {
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
}

/** The least-privilege bucket policy the README gives, with BUCKET and PREFIX filled in. */
export async function readmeBucketPolicy(bucket: string, prefix: string): Promise<Statement[]> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const policy = blocks.find((block) => block.includes('arn:aws:s3:::BUCKET'));
  if (policy === undefined)
    throw new Error('README has no bucket policy (a json block with arn:aws:s3:::BUCKET)');
  const filled = policy.replaceAll('BUCKET', bucket).replaceAll('PREFIX', prefix);
  return (JSON.parse(filled) as { Statement: Statement[] }).Statement;
}

/**
 * The IAM actions and resource S3 authorises a request against (the REST operation's documented
 * permission: HeadBucket needs s3:ListBucket, HeadObject s3:GetObject, every multipart step but
 * Abort and ListParts s3:PutObject, an upload with `x-amz-tagging` s3:PutObjectTagging as well,
 * DeleteBucketLifecycle s3:PutLifecycleConfiguration).
 */
export function permissionsOf(request: RecordedRequest): { action: string; resource: string }[] {
  const primary = permissionOf(request);
  const tagged = request.tagging !== null && primary.action === 's3:PutObject';
  return tagged ? [primary, { ...primary, action: 's3:PutObjectTagging' }] : [primary];
}

function permissionOf(request: RecordedRequest): { action: string; resource: string } {
  const { method, bucket, key, query } = request;
  const has = (name: string): boolean => query.includes(name);
  if (bucket === null) throw new Error(`a request without a bucket: ${method}`);
  if (key === null) {
    const resource = `arn:aws:s3:::${bucket}`;
    if (has('lifecycle')) {
      const action =
        method === 'GET' ? 's3:GetLifecycleConfiguration' : 's3:PutLifecycleConfiguration';
      return { action, resource };
    }
    if (has('versioning') && method === 'GET')
      return { action: 's3:GetBucketVersioning', resource };
    if (method === 'GET' && has('uploads'))
      return { action: 's3:ListBucketMultipartUploads', resource: `arn:aws:s3:::${bucket}` };
    if (method === 'GET' || method === 'HEAD')
      return { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` };
    throw new Error(`a bucket operation the policy does not know: ${method} ?${query.join('&')}`);
  }
  const resource = `arn:aws:s3:::${bucket}/${key}`;
  if (method === 'DELETE') {
    return { action: has('uploadId') ? 's3:AbortMultipartUpload' : 's3:DeleteObject', resource };
  }
  if (method === 'GET' && has('uploadId'))
    return { action: 's3:ListMultipartUploadParts', resource };
  if (method === 'GET' || method === 'HEAD') return { action: 's3:GetObject', resource };
  if (method === 'PUT' || method === 'POST') return { action: 's3:PutObject', resource };
  throw new Error(`an object operation the policy does not know: ${method} ?${query.join('&')}`);
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${escaped}$`);
}

function list(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

/** Whether an Allow statement of the policy grants the action on the resource. */
export function allows(policy: readonly Statement[], action: string, resource: string): boolean {
  return policy.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      list(statement.Action).some((pattern) => wildcard(pattern).test(action)) &&
      list(statement.Resource).some((pattern) => wildcard(pattern).test(resource)),
  );
}

/** Every action the policy grants. */
export function grantedActions(policy: readonly Statement[]): Set<string> {
  return new Set(policy.flatMap((statement) => list(statement.Action)));
}
