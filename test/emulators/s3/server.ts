// The S3 test server: stock s3rver plus the harness fixes, in its own process so that benchmarks
// can measure it apart from the migrator and a kill test can kill the migrator alone.
//
//   ./node_modules/.bin/node test/emulators/s3/server.ts --dir /tmp/s3 --port 4568 --bucket demo
//
// prints one JSON line ({"endpoint": …, "port": …, "buckets": […], …}) once it accepts requests,
// and stops on SIGTERM or SIGINT. Credentials are s3rver's fixed S3RVER / S3RVER, region
// us-east-1, path-style addressing only. Clients must use requestChecksumCalculation and
// responseChecksumValidation 'WHEN_REQUIRED' (see harness.ts).
//
// Environment: S3_HARNESS_LOG=1 turns on s3rver's request log (stdout);
// S3_HARNESS_DISABLE_FIXES=name,… runs without the named fixes (to show a test catches the bug).

import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import S3rver from 's3rver';
import { FIX_NAMES, installFixes } from './fixes/index.ts';
import { DEFAULT_OWNER_ACCOUNT_ID } from './fixes/settings.ts';

export interface ServerOptions {
  directory: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  buckets: readonly string[];
  /** s3rver's request log, on stdout. */
  log: boolean;
  disabledFixes: readonly string[];
  /** The account that owns every bucket (checked against x-amz-expected-bucket-owner). */
  ownerAccountId?: string;
  /** KMS keys that exist; empty: any key id is accepted. */
  kmsKeys?: readonly string[];
  /** IAM actions refused with 403 AccessDenied (see HarnessSettings.deniedActions). */
  deniedActions?: readonly string[];
}

export interface RunningServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    directory: options.directory,
    address: options.host,
    port: options.port,
    silent: !options.log,
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  installFixes(server, options.disabledFixes, {
    ownerAccountId: options.ownerAccountId ?? DEFAULT_OWNER_ACCOUNT_ID,
    kmsKeys: options.kmsKeys ?? [],
    deniedActions: options.deniedActions ?? [],
  });
  const address = await server.run();
  return {
    endpoint: `http://${options.host}:${address.port}`,
    port: address.port,
    async close() {
      const closing = server.close();
      // SDK clients keep idle connections open; without this, close waits for them forever.
      server.httpServer?.closeAllConnections();
      await closing;
    },
  };
}

const USAGE = `usage: node test/emulators/s3/server.ts --dir DIR [--port N] [--host H] [--bucket B]... [--log]
  --dir DIR          where objects are stored (created if missing)
  --port N           port to listen on (default 0: a free port)
  --host H           address to bind (default 127.0.0.1)
  --bucket B         bucket to create (repeatable; default test-bucket)
  --log              s3rver request log on stdout (or S3_HARNESS_LOG=1)
  --disable-fixes L  comma-separated fix names to leave out (or S3_HARNESS_DISABLE_FIXES)
  --exit-with-stdin  stop when stdin closes (used by the test harness)
  --owner ID         AWS account id that owns the buckets (default ${DEFAULT_OWNER_ACCOUNT_ID})
  --kms-key K        a KMS key id or ARN that exists (repeatable; default: any key id is accepted)
  --deny ACTION      an IAM action the caller lacks, e.g. s3:PutLifecycleConfiguration (repeatable)
fixes: ${FIX_NAMES.join(', ')}`;

function optionsFromArgs(): { options: ServerOptions; exitWithStdin: boolean } | undefined {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      bucket: { type: 'string', multiple: true },
      log: { type: 'boolean', default: false },
      'disable-fixes': { type: 'string' },
      'exit-with-stdin': { type: 'boolean', default: false },
      owner: { type: 'string', default: DEFAULT_OWNER_ACCOUNT_ID },
      'kms-key': { type: 'string', multiple: true },
      deny: { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (values.help || values.dir === undefined || !Number.isInteger(port) || port < 0)
    return undefined;
  const disabled = values['disable-fixes'] ?? process.env.S3_HARNESS_DISABLE_FIXES ?? '';
  return {
    options: {
      directory: values.dir,
      host: values.host,
      port,
      buckets: values.bucket ?? ['test-bucket'],
      log: values.log || process.env.S3_HARNESS_LOG === '1',
      disabledFixes: disabled.split(',').filter((name) => name !== ''),
      ownerAccountId: values.owner,
      kmsKeys: values['kms-key'] ?? [],
      deniedActions: values.deny ?? [],
    },
    exitWithStdin: values['exit-with-stdin'],
  };
}

async function main(): Promise<void> {
  const parsed = optionsFromArgs();
  if (parsed === undefined) {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const { options, exitWithStdin } = parsed;
  const running = await startServer(options);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`s3 harness server: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (exitWithStdin) {
    // The harness holds our stdin open; if it dies without stopping us, we go too.
    process.stdin.once('end', stop).once('close', stop).resume();
  }
  process.stdout.write(
    `${JSON.stringify({
      endpoint: running.endpoint,
      port: running.port,
      region: 'us-east-1',
      buckets: options.buckets,
      dir: options.directory,
      pid: process.pid,
      disabledFixes: options.disabledFixes,
      ownerAccountId: options.ownerAccountId,
    })}\n`,
  );
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`s3 harness server failed to start: ${String(error)}\n`);
    process.exit(1);
  });
}
