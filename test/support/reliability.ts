/**
 * Helpers for the reliability tests: a sample account on disk, an independent check of what landed
 * in S3 (SHA-256 of every object against the file on disk, no stray objects, no unfinished
 * multipart uploads), the ledger as a reader sees it, and the CLI as a child process.
 */
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LedgerView } from '../../src/ledger/ledger.ts';
import type { ChunkResult } from '../../src/engine/chunk.ts';
import type { RawSettings } from '../../src/config/config.ts';
import type { Target } from '../../src/engine/target.ts';
import { listedKeyDecoder } from '../../src/s3/listed-keys.ts';
import type { FileRecord } from '../../src/ledger/records.ts';
import { APP_SECRET, flagsToArgs, REFRESH_TOKEN, type Testbed } from './testbed.ts';
import { DEFAULT_TOOL_PREFIX } from './bucket.ts';

export const MiB = 1024 * 1024;
const CLI = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));

/** A deterministic pseudo-random generator, so a failing run repeats with the same sizes. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface AccountShape {
  /** Small files (0 – `smallMax` bytes, default 256 KiB). */
  small: number;
  smallMax?: number;
  /** Medium files (1 – 2 MiB): one PUT each, but many network reads. */
  medium?: number;
  /** Sizes of files that go multipart (above the part size). */
  large?: number[];
  seed?: number;
}

/**
 * Writes a sample account under `root`: nested folders, a unicode folder, an empty file, and
 * distinct random bytes in every file. Returns the relative paths ("Docs/a.bin") of its files.
 */
export async function makeAccount(root: string, shape: AccountShape): Promise<string[]> {
  const next = seeded(shape.seed ?? 7);
  const folders = ['Docs', 'Docs/Reports 2025', 'Photos/Summer', 'Ünïcödé/日本語', 'Music'];
  const paths: string[] = [];
  const write = async (folder: string, name: string, size: number): Promise<void> => {
    await mkdir(join(root, folder), { recursive: true });
    await writeFile(join(root, folder, name), randomBytes(size));
    paths.push(`${folder}/${name}`);
  };
  for (let i = 0; i < shape.small; i += 1) {
    const size = i === 0 ? 0 : Math.floor(next() * (shape.smallMax ?? 256 * 1024));
    await write(folders[i % folders.length] ?? 'Docs', `file-${String(i)}.bin`, size);
  }
  for (let i = 0; i < (shape.medium ?? 0); i += 1) {
    await write('Media', `clip-${String(i)}.mov`, MiB + Math.floor(next() * MiB));
  }
  for (const [i, size] of (shape.large ?? []).entries()) {
    await write('Large', `image-${String(i)}.iso`, size);
  }
  return paths;
}

/** Relative paths of every file under `root` now. */
export async function filesOnDisk(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function objectBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (result.Body?.transformToByteArray() ?? new Uint8Array()));
}

export async function listKeys(client: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    // URL-encoded: XML cannot carry every character a key may hold (a CR comes back as LF).
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, EncodingType: 'url' }),
    );
    for (const item of page.Contents ?? []) {
      const key =
        item.Key === undefined ? undefined : listedKeyDecoder(page.EncodingType)(item.Key);
      // The tool's own objects (the manifest) are not source files.
      if (key !== undefined && !key.startsWith(DEFAULT_TOOL_PREFIX)) keys.push(key);
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys.sort();
}

/** Unfinished multipart uploads in the bucket, as "key" strings. */
export async function listUploads(client: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    for (const upload of page.Uploads ?? []) keys.push(upload.Key ?? '?');
    if (page.IsTruncated !== true) return keys;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/**
 * What an honest reader of the bucket sees matches the account: one object per source file, no
 * other object, each one's SHA-256 equal to the file on disk, and no unfinished upload.
 */
export async function assertBucketMatches(
  bed: Testbed,
  prefix: string,
  check: (actual: unknown, expected: unknown, message?: string) => void,
): Promise<number> {
  const client = bed.s3.client();
  const paths = await filesOnDisk(bed.root);
  const expected = paths.map((path) => (prefix === '' ? path : `${prefix}/${path}`)).sort();
  check(
    await listKeys(client, bed.s3.bucket),
    expected,
    'the bucket holds exactly the source files',
  );
  for (const path of paths) {
    const key = prefix === '' ? path : `${prefix}/${path}`;
    const stored = await objectBytes(client, bed.s3.bucket, key);
    check(sha256(stored), sha256(await readFile(join(bed.root, path))), key);
  }
  check(await listUploads(client, bed.s3.bucket), [], 'no unfinished multipart uploads');
  return paths.length;
}

/**
 * How many times each key under `prefix` was written, from the S3 harness's record of requests
 * since it started (or since `clearRequests`): single PUTs and CompleteMultipartUpload calls. A
 * request that was cut off (the process killed mid-PUT) counts too: it is a copy that was started.
 */
export async function writesPerKey(bed: Testbed, prefix: string): Promise<Map<string, number>> {
  const writes = new Map<string, number>();
  for (const request of await bed.s3.requests()) {
    const key = request.key ?? '';
    if (request.bucket !== bed.s3.bucket || !key.startsWith(prefix)) continue;
    const single = request.method === 'PUT' && !request.query.includes('uploadId');
    const completed = request.method === 'POST' && request.query.includes('uploadId');
    if (single || completed) writes.set(key, (writes.get(key) ?? 0) + 1);
  }
  return writes;
}

/** Keys written more than once, and the writes beyond the first, from `writesPerKey`. */
export function copiedAgain(writes: ReadonlyMap<string, number>): { keys: number; extra: number } {
  let keys = 0;
  let extra = 0;
  for (const count of writes.values()) {
    if (count <= 1) continue;
    keys += 1;
    extra += count - 1;
  }
  return { keys, extra };
}

/** Runs chunks in this process until the ledger says done; no chunk may end on a fatal error. */
export async function chunksUntilDone(
  bed: Testbed,
  flags: RawSettings,
  limit: number,
  check: (value: unknown, message?: string) => void,
): Promise<ChunkResult[]> {
  const results: ChunkResult[] = [];
  for (;;) {
    const result = await bed.chunk(flags);
    results.push(result);
    check(result.fatal === undefined, result.fatal?.message);
    if (result.done) return results;
    check(results.length < limit, `not done after ${String(limit)} chunks`);
  }
}

/** The ledger of shard 0/1 as a reader sees it. */
export async function readLedger(bed: Testbed): Promise<LedgerView> {
  const view = await LedgerView.inspect(join(bed.ledger, 'shard-0-of-1'));
  if (view === undefined) throw new Error(`no ledger in ${bed.ledger}`);
  return view;
}

export async function recordAt(bed: Testbed, path: string): Promise<FileRecord> {
  const view = await readLedger(bed);
  const record = view.atPath(`/${path}`.toLowerCase());
  if (record === undefined) throw new Error(`no ledger record for /${path}`);
  return record;
}

/** The `--json` line of `migrate`. */
export interface ChunkLine {
  chunk: { migrated: number; failed: number; bytes: number; durationMs: number };
  total: { migrated: number; failed: number; pending: number; bytes: number };
  done: boolean;
  error?: string;
}

export interface CliRun {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when the process ended. */
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/**
 * Starts `dropbox-to-s3 <args>` from source with Node 24, against the testbed; `env` is added to
 * (and may override) the testbed's environment, an undefined value removes a variable.
 */
export function startCli(bed: Testbed, args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...bed.env(), ...env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) Reflect.deleteProperty(merged, name);
  }
  const child = spawn(process.execPath, [CLI, ...args], {
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    stdout,
    stderr,
  }));
  return { child, stderr: () => stderr, exited };
}

/** `migrate` flags for the testbed, as command-line arguments. */
export function migrateArgs(bed: Testbed, extra: Record<string, string | true> = {}): string[] {
  return ['migrate', ...flagsToArgs(bed.flags(extra))];
}

export function parseChunkLine(stdout: string): ChunkLine {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as ChunkLine;
  } catch {
    throw new Error(`migrate --json printed no JSON line; stdout was: ${JSON.stringify(stdout)}`);
  }
}

/** Polls `condition` every 25 ms until it holds; a guard, not a timing expectation. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 30_000,
): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A target that passes every call to `inner`, except those given in `overrides`. */
export function delegatingTarget(inner: Target, overrides: Partial<Target> = {}): Target {
  return {
    limits: inner.limits,
    check: () => inner.check(),
    head: (key) => inner.head(key),
    read: (key, signal) => inner.read(key, signal),
    list: (prefix) => inner.list(prefix),
    put: (key, body, metadata, signal) => inner.put(key, body, metadata, signal),
    createMultipart: (key, metadata) => inner.createMultipart(key, metadata),
    uploadPart: (key, uploadId, partNumber, body, signal) =>
      inner.uploadPart(key, uploadId, partNumber, body, signal),
    completeMultipart: (key, uploadId, parts) => inner.completeMultipart(key, uploadId, parts),
    abortMultipart: (key, uploadId) => inner.abortMultipart(key, uploadId),
    listParts: (key, uploadId) => inner.listParts(key, uploadId),
    unfinishedUploads: (prefix) => inner.unfinishedUploads(prefix),
    putStream: (key, body, contentType) => inner.putStream(key, body, contentType),
    delete: (key) => inner.delete(key),
    ...overrides,
  };
}

/**
 * No secret in what a run left behind: the ledger folder (failure reasons end up in reports) and
 * any output given. Access tokens are random, so the header that would carry one is looked for.
 */
export async function assertNoSecrets(
  bed: Testbed,
  check: (value: unknown, message?: string) => void,
  ...outputs: string[]
): Promise<void> {
  const texts = [...outputs];
  const entries = await readdir(bed.ledger, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (entry.isFile()) texts.push(await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  for (const text of texts) {
    for (const secret of [APP_SECRET, REFRESH_TOKEN, 'Bearer ', 'client_secret', 'access_token=']) {
      check(!text.includes(secret), `"${secret}" appears in the ledger or output`);
    }
  }
}
