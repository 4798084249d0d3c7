import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../profiles.ts';
import type { ScenarioResult } from '../report-types.ts';
import type { Servers } from '../runs.ts';
import { startEmulator, startS3, type EmulatorProcess } from '../servers.ts';

export interface BenchContext {
  readonly profile: Profile;
  /** The engine's CLI script. */
  readonly entry: string;
  /** Progress lines for the person running the bench (stderr). */
  readonly say: (line: string) => void;
}

/** One or more scenarios of the table that share their (costly) setup. */
export interface Scenario {
  readonly ids: readonly string[];
  /** Runs those of its scenarios that are `wanted`. */
  run(context: BenchContext, wanted: ReadonlySet<string>): Promise<ScenarioResult[]>;
}

/** A scratch folder with an account folder in it, removed afterwards. */
export async function withWorkDir<T>(
  id: string,
  work: (dir: string, root: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `bench-${id}-`));
  const root = join(dir, 'dropbox');
  await mkdir(root);
  try {
    return await work(dir, root);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The emulator serving `root`, for the whole scenario (its scan of the account is setup). */
export async function withEmulator<T>(
  root: string,
  work: (emulator: EmulatorProcess) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator(root);
  try {
    return await work(emulator);
  } finally {
    await emulator.stop();
  }
}

/** A fresh, empty S3 server for one measured run, so each run starts from the same state. */
export async function withS3<T>(
  emulator: EmulatorProcess,
  work: (servers: Servers) => Promise<T>,
): Promise<T> {
  const s3 = await startS3({ bucket: 'bench' });
  try {
    return await work({ emulator, s3 });
  } finally {
    await s3.stop();
  }
}

export function ratioCheck(
  figure: string,
  engine: number,
  raw: number,
  minimum: number,
): {
  figure: string;
  value: number;
  measured: string;
  target: string;
  met: boolean;
} {
  const ratio = engine / raw;
  return {
    figure,
    value: ratio,
    measured: ratio.toFixed(2),
    target: `≥ ${minimum.toFixed(2)}`,
    met: ratio >= minimum,
  };
}
