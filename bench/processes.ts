import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('./usage-probe.js', import.meta.url));

let ticksPerSecond: number | undefined;

/** Node flags for every measured program (`--cpu-prof-dir` of the bench sets them). */
const nodeFlags: string[] = [];

/** Writes a V8 CPU profile of every measured program (engine, raw pipe) into `dir`. */
export function profileMeasuredPrograms(dir: string): void {
  nodeFlags.push('--cpu-prof', '--cpu-prof-dir', dir);
}

/** CPU seconds (user + system) a running process has used so far, from /proc/PID/stat. */
export function cpuSecondsOf(pid: number): number {
  ticksPerSecond ??=
    Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return (user + system) / ticksPerSecond;
}

/** CPU a server process spends between start() and the returned function's call. */
export function cpuMeter(pid: number): () => number {
  const before = cpuSecondsOf(pid);
  return () => cpuSecondsOf(pid) - before;
}

export interface MeasuredRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  /** Seconds from the start to the first stderr line matching `mark`, if asked and seen. */
  readonly markSeconds: number | undefined;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** A stderr line to time (e.g. the CLI's "Chunk plan:" line). */
  readonly mark?: RegExp;
}

/** Runs a Node 24 program in its own process and measures its wall time, CPU and peak RSS. */
export async function runMeasured(
  script: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<MeasuredRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-usage-'));
  const usageFile = join(dir, 'usage.json');
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, '--import', PROBE, script, ...args], {
    env: { ...process.env, ...options.env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markSeconds: number | undefined;
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (markSeconds === undefined && options.mark?.test(text) === true) {
      markSeconds = (performance.now() - started) / 1000;
    }
    stderr += text;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  const wallSeconds = (performance.now() - started) / 1000;
  try {
    const usage = JSON.parse(await readFile(usageFile, 'utf8')) as {
      cpuSeconds: number;
      maxRssBytes: number;
    };
    return { code, stdout, stderr, wallSeconds, ...usage, markSeconds };
  } catch {
    throw new Error(
      `${script} exited (${String(code)}) without reporting its resource use; stderr:\n${stderr}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
