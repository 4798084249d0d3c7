/** Engine against the raw pipe on the same files: many small files, and a few large ones. */
import { join } from 'node:path';
import { largeFiles, MiB, smallFiles, type Account } from '../accounts.ts';
import type { Check, RunFigures, ScenarioResult } from '../report-types.ts';
import { engineRun, rawRun } from '../runs.ts';
import {
  ratioCheck,
  withEmulator,
  withS3,
  withWorkDir,
  type BenchContext,
  type Scenario,
} from './context.ts';

const MAX_RSS_MIB = 256;

interface Pair {
  readonly engine: RunFigures;
  readonly raw: RunFigures;
}

async function engineAndRaw(
  context: BenchContext,
  id: string,
  make: (root: string) => Promise<Account>,
  concurrency: number,
): Promise<Pair> {
  return withWorkDir(id, async (dir, root) => {
    context.say(`  generating the account…`);
    const account = await make(root);
    return withEmulator(root, async (emulator) => {
      context.say(`  engine (concurrency ${String(concurrency)})…`);
      const engine = await withS3(emulator, (servers) =>
        engineRun('engine', servers, {
          entry: context.entry,
          ledger: join(dir, 'ledger'),
          prefix: 'engine',
          flags: ['--concurrency', String(concurrency)],
        }),
      );
      if (engine.files !== account.paths.length) {
        throw new Error(
          `the engine migrated ${String(engine.files)} of ${String(account.paths.length)} files`,
        );
      }
      context.say(`  raw pipe (concurrency ${String(concurrency)})…`);
      const raw = await withS3(emulator, (servers) =>
        rawRun(servers, account.paths, { workDir: dir, concurrency, prefix: 'raw' }),
      );
      const { line: _line, ...engineFigures } = engine;
      return { engine: engineFigures, raw };
    });
  });
}

export const smallFilesScenario: Scenario = {
  ids: ['small-files'],
  run: async (context) => [await smallFilesRun(context)],
};

export const largeFilesScenario: Scenario = {
  ids: ['large-files'],
  run: async (context) => [await largeFilesRun(context)],
};

async function smallFilesRun(context: BenchContext): Promise<ScenarioResult> {
  const spec = context.profile.smallFiles;
  const pair = await engineAndRaw(
    context,
    'small-files',
    (root) => smallFiles(root, spec.count, spec.minBytes, spec.maxBytes),
    spec.concurrency,
  );
  const rate = (run: RunFigures): number => run.files / run.wallSeconds;
  const checks: Check[] = [
    ratioCheck('files/s, engine/raw', rate(pair.engine), rate(pair.raw), 0.85),
  ];
  return {
    id: 'small-files',
    title: `${spec.count.toLocaleString('en')} files, ${String(spec.minBytes / 1024)}–${String(spec.maxBytes / 1024)} KiB`,
    setup: `engine and raw pipe at concurrency ${String(spec.concurrency)}; files/s over the whole program run`,
    runs: [pair.engine, pair.raw],
    checks,
    notes: [`files/s: engine ${rate(pair.engine).toFixed(1)}, raw ${rate(pair.raw).toFixed(1)}`],
  };
}

async function largeFilesRun(context: BenchContext): Promise<ScenarioResult> {
  const spec = context.profile.largeFiles;
  const pair = await engineAndRaw(
    context,
    'large-files',
    (root) => largeFiles(root, spec.sizes),
    spec.concurrency,
  );
  const rate = (run: RunFigures): number => run.bytes / MiB / run.wallSeconds;
  const checks: Check[] = [
    ratioCheck('MB/s, engine/raw', rate(pair.engine), rate(pair.raw), 0.85),
    {
      figure: 'engine peak RSS',
      value: pair.engine.peakRssMiB,
      measured: `${pair.engine.peakRssMiB.toFixed(0)} MiB`,
      target: `≤ ${String(MAX_RSS_MIB)} MiB`,
      met: pair.engine.peakRssMiB <= MAX_RSS_MIB,
    },
  ];
  const counts = new Map<number, number>();
  for (const size of spec.sizes) counts.set(size, (counts.get(size) ?? 0) + 1);
  const title = [...counts]
    .map(([size, n]) => `${String(n)} × ${String(size / MiB)} MiB`)
    .join(' + ');
  return {
    id: 'large-files',
    title,
    setup: `engine and raw pipe at concurrency ${String(spec.concurrency)}, 16 MiB parts, 2 part uploads in flight per file`,
    runs: [pair.engine, pair.raw],
    checks,
    notes: [`MiB/s: engine ${rate(pair.engine).toFixed(1)}, raw ${rate(pair.raw).toFixed(1)}`],
  };
}
