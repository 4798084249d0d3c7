/** The emulator limits the account to N requests/s: how close does the engine get, and how politely. */
import { join } from 'node:path';
import { KiB, smallFiles } from '../accounts.ts';
import type { ScenarioResult } from '../report-types.ts';
import { engineRun } from '../runs.ts';
import { withEmulator, withS3, withWorkDir, type Scenario } from './context.ts';

const MIN_SHARE_OF_LIMIT = 0.9;
const MAX_429_SHARE = 0.05;

/** API routes (the rate limit applies to these; OAuth and control routes are not counted). */
function apiRequests(requests: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const [route, count] of Object.entries(requests)) {
    if (route.startsWith('files/') || route.startsWith('users/')) total += count;
  }
  return total;
}

export const rateLimitScenario: Scenario = {
  ids: ['rate-limit'],
  run: (context) =>
    withWorkDir('rate', async (dir, root) => {
      const spec = context.profile.rateLimit;
      await smallFiles(root, spec.files, KiB, 4 * KiB);
      return withEmulator(root, async (emulator) => {
        await emulator.setFaults({ rateLimitPerSecond: spec.perSecond });
        context.say(
          `  engine (automatic concurrency) against ${String(spec.perSecond)} requests/s…`,
        );
        const run = await withS3(emulator, (servers) =>
          engineRun('engine', servers, {
            entry: context.entry,
            ledger: join(dir, 'ledger'),
            prefix: 'rate',
          }),
        );
        const { line, ...figures } = run;
        const total = apiRequests(run.dropboxRequests ?? {});
        const limited = run.rateLimited ?? 0;
        const seconds = line.chunk.durationMs / 1000;
        const achieved = (total - limited) / seconds;
        const share = total === 0 ? 0 : limited / total;
        const result: ScenarioResult = {
          id: 'rate-limit',
          title: `emulator limited to ${String(spec.perSecond)} requests/s per account`,
          setup: `${String(spec.files)} files of 1–4 KiB (one download request each), automatic concurrency; rate = answered API requests / the chunk's duration`,
          runs: [figures],
          checks: [
            {
              figure: 'achieved rate, share of the limit',
              value: achieved / spec.perSecond,
              measured: `${achieved.toFixed(1)}/s = ${((achieved / spec.perSecond) * 100).toFixed(0)}%`,
              target: `≥ ${String(MIN_SHARE_OF_LIMIT * 100)}%`,
              met: achieved / spec.perSecond >= MIN_SHARE_OF_LIMIT,
            },
            {
              figure: 'share of 429s',
              value: share,
              measured: `${(share * 100).toFixed(1)}% (${String(limited)} of ${String(total)})`,
              target: `≤ ${String(MAX_429_SHARE * 100)}%`,
              met: share <= MAX_429_SHARE,
            },
          ],
          notes: [`chunk duration ${seconds.toFixed(1)} s, ${String(run.files)} files migrated`],
        };
        return [result];
      });
    }),
};
