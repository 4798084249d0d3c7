/** Several shards at once against one shard, with fixed concurrency and request latency. */
import { join } from 'node:path';
import { KiB, smallFiles } from '../accounts.ts';
import { processesRun } from '../shard-runs.ts';
import type { RunFigures, ScenarioResult } from '../report-types.ts';
import { withEmulator, withS3, withWorkDir, type Scenario } from './context.ts';

const MIN_SPEED_UP = 3;

export const shardsScenario: Scenario = {
  ids: ['shards'],
  run: (context) =>
    withWorkDir('shards', async (dir, root) => {
      const spec = context.profile.shards;
      await smallFiles(root, spec.files, KiB, 16 * KiB);
      return withEmulator(root, async (emulator) => {
        await emulator.setFaults({ latencyMs: spec.latencyMs });
        const flags = ['--concurrency', String(spec.concurrency)];
        context.say(
          `  1 shard, concurrency ${String(spec.concurrency)}, latency ${String(spec.latencyMs)} ms…`,
        );
        const one = await withS3(emulator, (servers) =>
          processesRun('1 shard', servers, context.entry, join(dir, 'one'), flags, 1),
        );
        context.say(`  ${String(spec.count)} shards at once…`);
        const many = await withS3(emulator, (servers) =>
          processesRun(
            `${String(spec.count)} shards`,
            servers,
            context.entry,
            join(dir, 'many'),
            flags,
            spec.count,
          ),
        );
        const rate = (run: RunFigures): number => run.files / run.wallSeconds;
        const speedUp = rate(many) / rate(one);
        const result: ScenarioResult = {
          id: 'shards',
          title: `${String(spec.count)} shards at once vs 1, concurrency ${String(spec.concurrency)} each, emulator latency ${String(spec.latencyMs)} ms`,
          setup: `${String(spec.files)} files of 1–16 KiB, no rate limit; files/s from the first start to the last exit`,
          runs: [one, many],
          checks: [
            {
              figure: 'speed-up',
              value: speedUp,
              measured: `${speedUp.toFixed(2)}×`,
              target: `≥ ${String(MIN_SPEED_UP)}×`,
              met: speedUp >= MIN_SPEED_UP,
            },
          ],
          notes: [
            `files/s: 1 shard ${rate(one).toFixed(1)}, ${String(spec.count)} shards ${rate(many).toFixed(1)}; 429s: ${String(many.rateLimited ?? 0)}`,
          ],
        };
        return [result];
      });
    }),
};
