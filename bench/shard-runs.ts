/** Several engine processes at once (one per shard), measured together. */
import { join } from 'node:path';
import type { RunFigures } from './report-types.ts';
import { chunkLineOf, measureServers, runEngineProcess, type Servers } from './runs.ts';

const MiB = 1024 * 1024;

export async function processesRun(
  label: string,
  servers: Servers,
  entry: string,
  ledger: string,
  flags: readonly string[],
  shards: number,
): Promise<RunFigures> {
  let wallSeconds = 0;
  const measured = await measureServers(servers, async () => {
    const started = performance.now();
    const runs = await Promise.all(
      Array.from({ length: shards }, (_, index) =>
        runEngineProcess(servers, {
          entry,
          ledger: join(ledger, String(index)),
          prefix: 'shards',
          flags: [...flags, '--shard', `${String(index)}/${String(shards)}`],
        }),
      ),
    );
    wallSeconds = (performance.now() - started) / 1000;
    return runs;
  });
  const lines = measured.result.map(chunkLineOf);
  return {
    label,
    files: lines.reduce((sum, line) => sum + line.chunk.migrated, 0),
    bytes: lines.reduce((sum, line) => sum + line.chunk.bytes, 0),
    wallSeconds,
    cpu: {
      program: measured.result.reduce((sum, run) => sum + run.cpuSeconds, 0),
      emulator: measured.emulatorCpu,
      s3: measured.s3Cpu,
    },
    peakRssMiB: Math.max(...measured.result.map((run) => run.maxRssBytes)) / MiB,
    dropboxRequests: measured.dropbox,
    rateLimited: measured.rateLimited,
    s3Requests: measured.s3,
  };
}
