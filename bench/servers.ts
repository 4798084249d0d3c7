import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EmulatorStats, Faults } from '../test/emulators/dropbox/index.ts';
import { LOCAL_ENV } from '../test/emulators/local-env.ts';
import { startS3, type S3Harness } from '../test/emulators/s3/index.ts';

const EMULATOR_CLI = fileURLToPath(new URL('../test/emulators/dropbox/cli.ts', import.meta.url));
/** A static access token of the emulator, for the raw pipe (no OAuth). Not a secret. */
export const RAW_TOKEN = 'bench-static-token';
/** The emulator's test credentials, as the engine uses them (public test values). */
export const ENGINE_ENV: NodeJS.ProcessEnv = LOCAL_ENV;

/** The Dropbox emulator as its own process, so its CPU is its own. */
export interface EmulatorProcess {
  readonly url: string;
  readonly pid: number;
  stats(): Promise<EmulatorStats>;
  resetStats(): Promise<void>;
  setFaults(faults: Partial<Faults>): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulator(root: string): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    [EMULATOR_CLI, '--root', root, '--access-token', RAW_TOKEN],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await listeningUrl(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('the Dropbox emulator has no pid');
  const control = async (path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`emulator ${path}: HTTP ${String(response.status)}`);
    return response.json();
  };
  return {
    url,
    pid,
    stats: async () => (await control('/__stats')) as EmulatorStats,
    resetStats: async () => {
      await control('/__reset-stats', {});
    },
    setFaults: async (faults) => {
      await control('/__faults', faults);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function listeningUrl(child: ChildProcess): Promise<string> {
  if (child.stdout === null) throw new Error('the Dropbox emulator has no stdout');
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const match = /listening on (\S+)/.exec(line);
    if (match?.[1] !== undefined) {
      lines.close();
      child.stdout.resume();
      return match[1];
    }
  }
  throw new Error('the Dropbox emulator stopped before it listened');
}

export { startS3, type S3Harness };

/** S3 requests a run made, by operation ("PUT", "PUT ?uploadId", "HEAD", …). */
export async function s3Requests(s3: S3Harness): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const request of await s3.requests()) {
    const query = request.query.filter((name) => name !== 'x-id').sort();
    const name = `${request.method}${request.key === null ? ' bucket' : ''}${query.length > 0 ? ` ?${query.join('&')}` : ''}`;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
