import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, type Config, type RawSettings } from '../../src/config/config.ts';
import { runChunk, type ChunkResult } from '../../src/engine/chunk.ts';
import type { ProgressListener } from '../../src/engine/progress.ts';
import type { Source } from '../../src/engine/source.ts';
import type { Target } from '../../src/engine/target.ts';
import { openSource, openTarget } from '../../src/wiring/open.ts';
import { startDropboxEmulator, type DropboxEmulator } from '../emulators/dropbox/index.ts';
import type { DropboxEmulatorOptions } from '../emulators/dropbox/types.ts';
import { startS3, type S3Harness, type StartS3Options } from '../emulators/s3/index.ts';
import { engineSettings } from '../../src/config/engine-settings.ts';

export const APP_KEY = 'test-app-key';
export const APP_SECRET = 'test-app-secret';
export const REFRESH_TOKEN = 'test-refresh-token';

/** The Dropbox credentials the emulator accepts by default, as the environment gives them. */
const EMULATOR_ENV: NodeJS.ProcessEnv = {
  DROPBOX_APP_KEY: APP_KEY,
  DROPBOX_APP_SECRET: APP_SECRET,
  DROPBOX_REFRESH_TOKEN: REFRESH_TOKEN,
};

/** A Dropbox emulator on a fresh folder, an S3 server, and a ledger folder, for one test. */
export interface Testbed {
  readonly root: string;
  readonly ledger: string;
  readonly dropbox: DropboxEmulator;
  readonly s3: S3Harness;
  /** Environment for the CLI as a child process: credentials and endpoints of this testbed. */
  env(): NodeJS.ProcessEnv;
  /** CLI-style flags for this testbed, plus `extra`. */
  flags(extra?: RawSettings): RawSettings;
  config(extra?: RawSettings): Config;
  chunk(
    extra?: RawSettings,
    options?: { progress?: ProgressListener; stop?: AbortSignal },
  ): Promise<ChunkResult>;
  close(): Promise<void>;
}

export async function startTestbed(
  options: Partial<DropboxEmulatorOptions> = {},
  s3Options: StartS3Options = {},
): Promise<Testbed> {
  const base = await mkdtemp(join(tmpdir(), 'testbed-'));
  const root = join(base, 'dropbox');
  const ledger = join(base, 'ledger');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(root);
  const dropbox = await startDropboxEmulator({ root, warn: () => undefined, ...options });
  const s3 = await startS3(s3Options);
  const env = (): NodeJS.ProcessEnv => ({ ...EMULATOR_ENV });
  const flags = (extra: RawSettings = {}): RawSettings => ({
    bucket: s3.bucket,
    's3-endpoint': s3.endpoint,
    's3-force-path-style': true,
    'dropbox-base-url': dropbox.url,
    ledger,
    ...extra,
  });
  const config = (extra: RawSettings = {}): Config => buildConfig('migrate', flags(extra), env());
  return {
    root,
    ledger,
    dropbox,
    s3,
    env: () => ({
      ...env(),
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    }),
    flags,
    config,
    chunk: (extra = {}, chunkOptions = {}) => {
      const built = config(extra);
      return runChunk(engineSettings(built), {
        source: openSource(built),
        target: openTarget(built, s3.client()),
        ...chunkOptions,
      });
    },
    close: async () => {
      await dropbox.close();
      await s3.stop();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** DropboxSource for an emulator, built from a Config the way the front doors build it. */
export function emulatorSource(dropbox: DropboxEmulator): Source {
  const config = buildConfig(
    'migrate',
    { bucket: 'unused', 'dropbox-base-url': dropbox.url },
    EMULATOR_ENV,
  );
  return openSource(config);
}

/** S3Target for the harness's bucket, built from a Config the way the front doors build it. */
export function harnessTarget(s3: S3Harness): Target {
  const config = buildConfig(
    'migrate',
    { bucket: s3.bucket, 's3-endpoint': s3.endpoint, 's3-force-path-style': true },
    EMULATOR_ENV,
  );
  return openTarget(config, s3.client());
}

/** Raw settings as command-line arguments: a switch alone, a value after its flag, a list repeated. */
export function flagsToArgs(raw: RawSettings): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === true) args.push(`--${name}`);
    else if (typeof value === 'string') args.push(`--${name}`, value);
    else if (typeof value === 'object') for (const item of value) args.push(`--${name}`, item);
  }
  return args;
}
