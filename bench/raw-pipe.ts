/**
 * The raw pipe: the floor the engine is measured against. The same files, downloaded from the
 * Dropbox emulator with a plain streaming fetch and uploaded to the same S3 server with
 * lib-storage, at the same concurrency — no ledger, no hashing, no scheduling, no retries.
 *
 *   node bench/raw-pipe.ts --dropbox URL --token T --endpoint URL --bucket B --prefix P \
 *     --concurrency N --part-size BYTES --files list.json
 *
 * Prints one JSON line: {"files": n, "bytes": n, "seconds": s}.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    dropbox: { type: 'string' },
    token: { type: 'string' },
    endpoint: { type: 'string' },
    bucket: { type: 'string' },
    prefix: { type: 'string', default: 'raw' },
    concurrency: { type: 'string', default: '4' },
    'part-size': { type: 'string', default: String(16 * 1024 * 1024) },
    files: { type: 'string' },
  },
  strict: true,
});

function required(name: string, value: string | undefined): string {
  if (value === undefined) throw new Error(`raw-pipe: --${name} is required`);
  return value;
}

const dropbox = required('dropbox', values.dropbox);
const token = required('token', values.token);
const bucket = required('bucket', values.bucket);
const paths = JSON.parse(await readFile(required('files', values.files), 'utf8')) as string[];
const client = new S3Client({
  endpoint: required('endpoint', values.endpoint),
  region: 'us-east-1',
  forcePathStyle: true,
  // s3rver's fixed public keys (the harness's S3RVER_CREDENTIALS; that module is not bundled here).
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const partSize = Number(values['part-size']);

async function copy(path: string): Promise<number> {
  const response = await fetch(`${dropbox}/2/files/download`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Dropbox-API-Arg': JSON.stringify({ path }),
    },
  });
  if (!response.ok || response.body === null) {
    throw new Error(`download ${path}: HTTP ${String(response.status)}`);
  }
  const length = Number(response.headers.get('content-length'));
  const upload = new Upload({
    client,
    params: {
      Bucket: bucket,
      Key: `${values.prefix}${path}`,
      Body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    },
    partSize,
    // As the engine: two parts of one file uploading while the next one downloads.
    queueSize: 2,
  });
  await upload.done();
  return length;
}

const started = performance.now();
let next = 0;
let bytes = 0;
const worker = async (): Promise<void> => {
  for (let path = paths[next++]; path !== undefined; path = paths[next++]) {
    const copied = await copy(path);
    bytes += copied;
  }
};
await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ files: paths.length, bytes, seconds })}\n`);
client.destroy();
