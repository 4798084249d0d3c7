import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { CONTROL_PATH, type RecordedRequest } from './fixes/expected-bucket-owner.ts';
import { DEFAULT_OWNER_ACCOUNT_ID } from './fixes/settings.ts';

const SERVER_SCRIPT = fileURLToPath(new URL('./server.ts', import.meta.url));
/** A guard against a server that never comes up, not a timing expectation. */
const READY_LIMIT_MS = 30_000;

/** s3rver's built-in account: public dummy values, not secrets. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3_REGION = 'us-east-1';

export interface StartS3Options {
  /** The bucket tests use; default `test-bucket`. */
  bucket?: string;
  /** More buckets to create. */
  buckets?: string[];
  /** Serve this directory (kept on stop) instead of a fresh temporary one (removed on stop). */
  dir?: string;
  /** s3rver's request log, written to this process's stderr; default: S3_HARNESS_LOG=1. */
  log?: boolean;
  /** Fixes to leave out: only to prove a test catches the stock s3rver behaviour. */
  disableFixes?: string[];
  /** The AWS account id owning the buckets (x-amz-expected-bucket-owner); default 111122223333. */
  ownerAccountId?: string;
  /** KMS keys that exist; another key id is KMS.NotFoundException. Default: any key id works. */
  kmsKeys?: string[];
  /** IAM actions the caller lacks: their requests are 403 AccessDenied (lifecycle, versioning, tagging). */
  deniedActions?: string[];
}

export interface S3Harness {
  endpoint: string;
  bucket: string;
  buckets: string[];
  dir: string;
  /** The server process (its own process: kill the code under test, not the server). */
  pid: number;
  /** The AWS account id that owns the buckets. */
  ownerAccountId: string;
  /** Every request the server saw since the start (or the last clearRequests), in order. */
  requests(): Promise<RecordedRequest[]>;
  clearRequests(): Promise<void>;
  /** AWS SDK v3 config for this server: path style, us-east-1, s3rver's keys, checksums off. */
  clientConfig(): S3ClientConfig;
  /** One shared client made from clientConfig(); destroyed by stop(). */
  client(): S3Client;
  /** Environment for `rclone` with a remote named `remote` (default `harness`) for this server. */
  rcloneEnv(remote?: string): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

type ServerProcess = ChildProcessByStdio<Writable, Readable, null>;

interface ReadyLine {
  endpoint: string;
}

function isReadyLine(value: unknown): value is ReadyLine {
  return (
    typeof value === 'object' &&
    value !== null &&
    'endpoint' in value &&
    typeof value.endpoint === 'string'
  );
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Resolves with the server's ready line; s3rver log lines (when on) are passed to stderr. */
async function readyLine(child: ServerProcess, log: boolean): Promise<ReadyLine> {
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(
      `S3 harness server exited before it was ready (code ${String(code)}, signal ${String(signal)}); see its stderr above`,
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`S3 harness server not ready after ${READY_LIMIT_MS} ms`));
    }, READY_LIMIT_MS);
  });
  const found = (async () => {
    for await (const line of lines) {
      const parsed = parseLine(line);
      if (isReadyLine(parsed)) return parsed;
      if (log) process.stderr.write(`${line}\n`);
    }
    throw new Error('S3 harness server closed stdout before it was ready');
  })();
  try {
    return await Promise.race([found, exited, timedOut]);
  } finally {
    clearTimeout(timer);
    lines.close();
    // Keep draining (or relaying) stdout so the server never blocks on a full pipe.
    if (log) child.stdout.pipe(process.stderr);
    else child.stdout.resume();
  }
}

/** Lets this process exit even if a test forgets stop(): the server then sees stdin close. */
function unrefProcess(child: ServerProcess): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout]) {
    if (stream instanceof Socket) stream.unref();
  }
}

function serverEnv(): NodeJS.ProcessEnv {
  // Not the test runner's context: the server is not a test file.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/**
 * Starts the S3 test server (s3rver with the harness fixes) in a child process on a free loopback
 * port, with the bucket(s) created. Call stop() in `after`.
 */
export async function startS3(options: StartS3Options = {}): Promise<S3Harness> {
  const ownDirectory = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 's3-harness-')));
  const buckets = [options.bucket ?? 'test-bucket', ...(options.buckets ?? [])];
  const log = options.log ?? process.env.S3_HARNESS_LOG === '1';
  const args = [
    SERVER_SCRIPT,
    '--dir',
    dir,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--exit-with-stdin',
  ];
  for (const bucket of buckets) args.push('--bucket', bucket);
  if (log) args.push('--log');
  const ownerAccountId = options.ownerAccountId ?? DEFAULT_OWNER_ACCOUNT_ID;
  args.push('--owner', ownerAccountId);
  for (const key of options.kmsKeys ?? []) args.push('--kms-key', key);
  for (const action of options.deniedActions ?? []) args.push('--deny', action);
  // Without the option the server reads S3_HARNESS_DISABLE_FIXES, so a whole test file can be
  // run against stock behaviour to show it catches a bug.
  if (options.disableFixes !== undefined) {
    args.push('--disable-fixes', options.disableFixes.join(','));
  }
  // process.execPath: the Node that runs the tests (24), not whatever `node` is on PATH.
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: serverEnv(),
  });
  child.stdin.on('error', () => undefined); // the server may be gone already

  let ready: ReadyLine;
  try {
    ready = await readyLine(child, log);
  } catch (error) {
    child.kill('SIGKILL');
    if (ownDirectory) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  unrefProcess(child);

  const pid = child.pid;
  if (pid === undefined) throw new Error('S3 harness server has no pid');
  const endpoint = ready.endpoint;
  let shared: S3Client | undefined;
  const clientConfig = (): S3ClientConfig => ({
    endpoint,
    region: S3_REGION,
    forcePathStyle: true,
    credentials: { ...S3RVER_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    endpoint,
    bucket: buckets[0] ?? 'test-bucket',
    buckets,
    dir,
    pid,
    ownerAccountId,
    async requests() {
      const response = await fetch(`${endpoint}${CONTROL_PATH}`);
      return (await response.json()) as RecordedRequest[];
    },
    async clearRequests() {
      await (await fetch(`${endpoint}${CONTROL_PATH}`, { method: 'DELETE' })).arrayBuffer();
    },
    clientConfig,
    client() {
      shared ??= new S3Client(clientConfig());
      return shared;
    },
    rcloneEnv(remote = 'harness') {
      // rclone would try to load AWS_CA_BUNDLE for an http:// endpoint and fail.
      const env = { ...process.env };
      delete env.AWS_CA_BUNDLE;
      const prefix = `RCLONE_CONFIG_${remote.toUpperCase()}_`;
      return {
        ...env,
        RCLONE_CONFIG: '/dev/null',
        [`${prefix}TYPE`]: 's3',
        [`${prefix}PROVIDER`]: 'Other',
        [`${prefix}ENDPOINT`]: endpoint,
        [`${prefix}REGION`]: S3_REGION,
        [`${prefix}ACCESS_KEY_ID`]: S3RVER_CREDENTIALS.accessKeyId,
        [`${prefix}SECRET_ACCESS_KEY`]: S3RVER_CREDENTIALS.secretAccessKey,
        [`${prefix}FORCE_PATH_STYLE`]: 'true',
      };
    },
    async stop() {
      shared?.destroy();
      shared = undefined;
      if (child.exitCode === null && child.signalCode === null) {
        child.ref();
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      if (ownDirectory) await rm(dir, { recursive: true, force: true });
    },
  };
}
