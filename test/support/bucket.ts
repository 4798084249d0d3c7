import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Testbed } from './testbed.ts';

const CLI = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));

export function sha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes each file (path relative to the account root, "/" separated), making its folders. */
export async function writeTree(root: string, files: Record<string, Uint8Array>): Promise<void> {
  for (const [path, data] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, data);
  }
}

/** Distinct, recognisable bytes for a file. */
export function bytesFor(name: string, size = 200): Buffer {
  const seed = Buffer.from(`${name}|`);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) out[i] = (seed[i % seed.length] ?? 0) ^ (i & 0xff);
  return out;
}

export async function objectBytes(bed: Testbed, key: string): Promise<Buffer> {
  const result = await bed.s3
    .client()
    .send(new GetObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
  return Buffer.from(await (result.Body?.transformToByteArray() ?? new Uint8Array()));
}

/** Where the tool keeps its own objects (the manifest) by default. */
export const DEFAULT_TOOL_PREFIX = '_dropbox-to-s3/';

/**
 * Every key in the test bucket (below `prefix`), sorted by UTF-8 bytes. The tool's own objects
 * under the tool prefix are left out unless `prefix` asks for them.
 */
export async function listKeys(bed: Testbed, prefix = ''): Promise<string[]> {
  const own = prefix.startsWith(DEFAULT_TOOL_PREFIX);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await bed.s3.client().send(
      new ListObjectsV2Command({
        Bucket: bed.s3.bucket,
        Prefix: prefix,
        ContinuationToken: token,
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || (!own && object.Key.startsWith(DEFAULT_TOOL_PREFIX)))
        continue;
      keys.push(object.Key);
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Keys sorted the same way as `listKeys`, for comparing. */
export function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Runs chunks until one reports done; fails the test after `limit` chunks or on a fatal error. */
export async function migrateAll(
  bed: Testbed,
  flags: Parameters<Testbed['chunk']>[0] = {},
  limit = 5,
): Promise<Awaited<ReturnType<Testbed['chunk']>>[]> {
  const results = [];
  for (let i = 0; i < limit; i += 1) {
    const result = await bed.chunk(flags);
    if (result.fatal !== undefined) throw result.fatal;
    results.push(result);
    if (result.done) return results;
  }
  throw new Error(`not done after ${String(limit)} chunks`);
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI (from source) as a child process with exactly `env` plus PATH and HOME. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, stdout, stderr };
}
