/**
 * `npm run demo`: the whole product on the local default, no accounts needed. It makes a sample
 * Dropbox account, serves it with the Dropbox emulator, starts a local S3 server, runs `migrate`
 * in short chunks until done (killing one mid-flight to show the resume), prints `status`, and
 * checks every object against its source.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startDropboxEmulator } from '../test/emulators/dropbox/index.ts';
import { LOCAL_ENV } from '../test/emulators/local-env.ts';
import { startS3 } from '../test/emulators/s3/index.ts';

const CLI = 'dist/cli/index.js';
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** A deterministic pseudo-random generator, so every demo account is the same. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function makeAccount(root: string): Promise<number> {
  const next = random(42);
  const folders = [
    'Photos/2024/Summer',
    'Photos/2025',
    'Documents/Taxes',
    'Documents/Reports',
    'Music',
    'Projects/dropbox-to-s3/src',
    'Ünïcödé/日本語',
    'Shared/Team Notes',
  ];
  let count = 0;
  for (let i = 0; i < 2400; i += 1) {
    const folder = folders[i % folders.length] ?? 'Misc';
    await mkdir(join(root, folder), { recursive: true });
    const size = Math.floor(next() * 64 * 1024);
    const name =
      i % 97 === 0 ? `résumé ${String(i)} (copy).txt` : `file-${String(i).padStart(4, '0')}.dat`;
    await writeFile(join(root, folder, name), Buffer.alloc(size, i % 251));
    count += 1;
  }
  for (let i = 0; i < 12; i += 1) {
    await writeFile(
      join(root, 'Music', `track-${String(i)}.mp3`),
      Buffer.alloc(1024 * 1024 * (1 + (i % 4)), i),
    );
    count += 1;
  }
  const big = Buffer.alloc(40 * 1024 * 1024);
  for (let offset = 0; offset < big.length; offset += 4) big.writeUInt32LE(offset, offset);
  await writeFile(join(root, 'Projects', 'backup-image.iso'), big);
  return count + 1;
}

interface ChunkLine {
  chunk: { migrated: number; failed: number; bytes: number; durationMs: number };
  total: { migrated: number; failed: number; pending: number };
  done: boolean;
}

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  killAfterMs?: number,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
    });
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

const base = await mkdtemp(join(tmpdir(), 'dropbox-to-s3-demo-'));
const root = join(base, 'dropbox');
await mkdir(root);
say(`Making a sample Dropbox account in ${root} …`);
const fileCount = await makeAccount(root);
say(`  ${String(fileCount)} files in nested folders, unicode names, one 40 MiB file (multipart).`);

const dropbox = await startDropboxEmulator({ root, warn: () => undefined });
const s3 = await startS3({ bucket: 'demo-bucket' });
say(`Dropbox emulator: ${dropbox.url}`);
say(`Local S3 server:  ${s3.endpoint} (bucket demo-bucket)`);

const env: NodeJS.ProcessEnv = { ...LOCAL_ENV };
const ledger = join(base, 'ledger');
const common = [
  '--bucket',
  'demo-bucket',
  '--prefix',
  'dropbox',
  '--s3-endpoint',
  s3.endpoint,
  '--s3-force-path-style',
  '--dropbox-base-url',
  dropbox.url,
  '--ledger',
  ledger,
];

let failures = 0;
try {
  for (let chunk = 1; chunk <= 50; chunk += 1) {
    const kill = chunk === 2;
    say(
      `\n--- chunk ${String(chunk)}${kill ? ' (will be killed with SIGKILL after 1.5 s, to show the resume)' : ''}`,
    );
    const result = await runCli(
      ['migrate', ...common, '--max-duration', '4s', '--json'],
      env,
      kill ? 1500 : undefined,
    );
    if (kill) {
      say(`  killed (exit ${String(result.code)}); the next chunk picks up from the ledger.`);
      continue;
    }
    if (result.code !== 0) throw new Error(`migrate exited with ${String(result.code)}`);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as ChunkLine;
    say(
      `  migrated ${String(line.chunk.migrated)} this chunk; total ${String(line.total.migrated)} migrated, ${String(line.total.pending)} pending, ${String(line.total.failed)} failed`,
    );
    if (line.done) break;
  }

  say('\n--- status');
  const status = await runCli(['status', '--ledger', ledger], env);
  process.stdout.write(status.stdout);

  say('\n--- verify --deep: every object read back and re-hashed against Dropbox');
  const verified = await runCli(['verify', ...common, '--deep'], env);
  process.stdout.write(verified.stdout);
  if (verified.code !== 0) {
    failures += 1;
    say(`  verify exited with ${String(verified.code)}`);
  }

  say('\n--- checking every object in S3 against its source, independently of the tool');
  const client = s3.client();
  let checked = 0;
  for await (const path of walk(root)) {
    const key = `dropbox/${relative(root, path)}`;
    const source = await readFile(path);
    const object = await client.send(new GetObjectCommand({ Bucket: 'demo-bucket', Key: key }));
    const stored = Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
    const same =
      createHash('sha256').update(source).digest('hex') ===
      createHash('sha256').update(stored).digest('hex');
    if (!same) {
      failures += 1;
      say(`  DIFFERENT: ${key}`);
    }
    checked += 1;
  }
  say(
    failures === 0
      ? `  all ${String(checked)} objects are byte-identical to their source.`
      : `  ${String(failures)} of ${String(checked)} objects differ.`,
  );
} finally {
  await dropbox.close();
  await s3.stop();
  await rm(base, { recursive: true, force: true });
}
process.exitCode = failures === 0 ? 0 : 1;
