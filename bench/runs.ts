/** How the engine (the real CLI) and the raw pipe are run against the servers, and measured. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundles.ts';
import { cpuMeter, runMeasured, type MeasuredRun } from './processes.ts';
import type { RunFigures } from './report-types.ts';
import {
  ENGINE_ENV,
  RAW_TOKEN,
  s3Requests,
  type EmulatorProcess,
  type S3Harness,
} from './servers.ts';

const MiB = 1024 * 1024;

/**
 * Which CLI the engine runs as: `bundle` (default) is src/ bundled as dist/ is, so the figures are
 * those of the code as it ships and as it is now; `src` runs the TypeScript directly (slower start,
 * more memory: Node strips the types); `dist` is the committed bundle.
 */
export type EngineEntry = 'bundle' | 'src' | 'dist';
export const ENGINE_ENTRIES: readonly EngineEntry[] = ['bundle', 'src', 'dist'];

export async function engineScript(entry: EngineEntry): Promise<string> {
  if (entry === 'bundle') return bundle('../src/cli/index.ts');
  const path = entry === 'src' ? '../src/cli/index.ts' : '../dist/cli/index.js';
  return fileURLToPath(new URL(path, import.meta.url));
}

export interface Servers {
  readonly emulator: EmulatorProcess;
  readonly s3: S3Harness;
}

/** The `--json` line of `migrate`. */
export interface ChunkLine {
  readonly chunk: {
    readonly migrated: number;
    readonly failed: number;
    readonly bytes: number;
    readonly durationMs: number;
  };
  readonly total: { readonly pending: number };
  readonly done: boolean;
  readonly error?: string;
}

/** What the servers did while a piece of work ran, with the work's result. */
interface ServersDuring<T> {
  readonly result: T;
  readonly emulatorCpu: number;
  readonly s3Cpu: number;
  readonly dropbox: Record<string, number>;
  readonly rateLimited: number;
  readonly s3: Record<string, number>;
}

/** Measures what the servers do while `work` runs: CPU, Dropbox requests, S3 requests. */
export async function measureServers<T>(
  servers: Servers,
  work: () => Promise<T>,
): Promise<ServersDuring<T>> {
  await servers.emulator.resetStats();
  await servers.s3.clearRequests();
  const emulatorCpu = cpuMeter(servers.emulator.pid);
  const s3Cpu = cpuMeter(servers.s3.pid);
  const result = await work();
  const cpu = { emulatorCpu: emulatorCpu(), s3Cpu: s3Cpu() };
  const stats = await servers.emulator.stats();
  return {
    result,
    ...cpu,
    dropbox: stats.requests,
    rateLimited: stats.rateLimited,
    s3: await s3Requests(servers.s3),
  };
}

export interface EngineRunOptions {
  /** The CLI script (see engineScript). */
  readonly entry: string;
  readonly ledger: string;
  readonly prefix: string;
  /** More `migrate` flags, e.g. ['--concurrency', '8']. */
  readonly flags?: readonly string[];
}

export function engineArgs(servers: Servers, options: EngineRunOptions): string[] {
  return [
    'migrate',
    '--bucket',
    servers.s3.bucket,
    '--prefix',
    options.prefix,
    '--s3-endpoint',
    servers.s3.endpoint,
    '--s3-force-path-style',
    '--dropbox-base-url',
    servers.emulator.url,
    '--ledger',
    options.ledger,
    '--json',
    ...(options.flags ?? []),
  ];
}

export function runEngineProcess(
  servers: Servers,
  options: EngineRunOptions,
): Promise<MeasuredRun> {
  return runMeasured(options.entry, engineArgs(servers, options), {
    env: ENGINE_ENV,
    mark: /^Chunk plan:/m,
  });
}

export function chunkLineOf(run: MeasuredRun): ChunkLine {
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  let parsed: ChunkLine;
  try {
    parsed = JSON.parse(line) as ChunkLine;
  } catch {
    throw new Error(
      `migrate printed no JSON line (exit ${String(run.code)}); stderr:\n${run.stderr}`,
    );
  }
  if (parsed.error !== undefined) throw new Error(`migrate stopped: ${parsed.error}`);
  return parsed;
}

/** One engine chunk, measured with the servers around it. */
export async function engineRun(
  label: string,
  servers: Servers,
  options: EngineRunOptions,
): Promise<RunFigures & { line: ChunkLine }> {
  const measured = await measureServers(servers, () => runEngineProcess(servers, options));
  const run = measured.result;
  const line = chunkLineOf(run);
  return {
    ...figuresOf(label, line.chunk.migrated, line.chunk.bytes, measured),
    ...(run.markSeconds === undefined ? {} : { planSeconds: run.markSeconds }),
    line,
  };
}

let rawPipe: Promise<string> | undefined;

/** The raw pipe over the same files, measured the same way. */
export async function rawRun(
  servers: Servers,
  paths: readonly string[],
  options: { readonly workDir: string; readonly concurrency: number; readonly prefix: string },
): Promise<RunFigures> {
  const list = join(options.workDir, 'raw-files.json');
  await writeFile(list, JSON.stringify(paths));
  const args = [
    '--dropbox',
    servers.emulator.url,
    '--token',
    RAW_TOKEN,
    '--endpoint',
    servers.s3.endpoint,
    '--bucket',
    servers.s3.bucket,
    '--prefix',
    options.prefix,
    '--concurrency',
    String(options.concurrency),
    '--files',
    list,
  ];
  rawPipe ??= bundle('../bench/raw-pipe.ts');
  const script = await rawPipe;
  const measured = await measureServers(servers, () => runMeasured(script, args));
  const run = measured.result;
  if (run.code !== 0)
    throw new Error(`the raw pipe failed (exit ${String(run.code)}):\n${run.stderr}`);
  const report = JSON.parse(run.stdout.trim()) as { files: number; bytes: number };
  return figuresOf('raw pipe', report.files, report.bytes, measured);
}

/** One measured program run, beside what the servers did meanwhile, as the report shows it. */
function figuresOf(
  label: string,
  files: number,
  bytes: number,
  measured: ServersDuring<MeasuredRun>,
): RunFigures {
  const run = measured.result;
  return {
    label,
    files,
    bytes,
    wallSeconds: run.wallSeconds,
    cpu: { program: run.cpuSeconds, emulator: measured.emulatorCpu, s3: measured.s3Cpu },
    peakRssMiB: run.maxRssBytes / MiB,
    dropboxRequests: measured.dropbox,
    rateLimited: measured.rateLimited,
    s3Requests: measured.s3,
  };
}
