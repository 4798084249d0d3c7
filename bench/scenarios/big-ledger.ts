/**
 * A 124,000-file account whose ledger already exists (written directly, see ledger-fixture.ts):
 * `resume` times loading it and planning a chunk; `second-chunk` counts the listing calls a
 * chunk makes after 100 files changed.
 */
import { join } from 'node:path';
import { changeFiles, tinyFiles } from '../accounts.ts';
import { bundle } from '../bundles.ts';
import { listAccount, writeLedger } from '../ledger-fixture.ts';
import { runMeasured } from '../processes.ts';
import type { ScenarioResult } from '../report-types.ts';
import { engineRun, type Servers } from '../runs.ts';
import { withEmulator, withS3, withWorkDir, type BenchContext, type Scenario } from './context.ts';

const PLAN_SECONDS = 2;
const RESUME_RSS_MIB = 300;
const LIST_CALLS = 3;
const PREFIX = 'tree';

export const bigLedgerScenarios: Scenario = {
  ids: ['resume', 'second-chunk'],
  run: (context, wanted) =>
    withWorkDir('ledger', async (dir, root) => {
      const spec = context.profile.bigLedger;
      context.say(`  writing ${spec.files.toLocaleString('en')} tiny files…`);
      const account = await tinyFiles(root, spec.files);
      context.say('  starting the emulator (it scans and hashes the account)…');
      return withEmulator(root, (emulator) =>
        withS3(emulator, async (servers) => {
          context.say('  listing the account and writing the ledgers…');
          const listing = await listAccount(emulator.url, servers.s3);
          const ledger = (name: string) => ({
            dropboxUrl: emulator.url,
            s3: servers.s3,
            ledger: join(dir, name),
            prefix: PREFIX,
          });
          await writeLedger(listing, ledger('half-done'), Math.floor(listing.files.length / 2));
          await writeLedger(listing, ledger('all-done'), listing.files.length);
          const results: ScenarioResult[] = [];
          if (wanted.has('resume')) {
            results.push(await resume(context, servers, join(dir, 'half-done')));
          }
          if (wanted.has('second-chunk')) {
            await changeFiles(root, account.paths, spec.changes);
            results.push(await secondChunk(context, servers, join(dir, 'all-done')));
          }
          return results;
        }),
      );
    }),
};

async function resume(
  context: BenchContext,
  servers: Servers,
  ledger: string,
): Promise<ScenarioResult> {
  const spec = context.profile.bigLedger;
  context.say(`  resume: a chunk of ${String(spec.batch)} files on the half-done ledger…`);
  const run = await engineRun('engine', servers, {
    entry: context.entry,
    ledger,
    prefix: PREFIX,
    flags: ['--batch-size', String(spec.batch), '--concurrency', '8'],
  });
  const { line: _line, ...figures } = run;
  const plan = run.planSeconds ?? Number.NaN;
  const load = await loadAlone(ledger);
  return {
    id: 'resume',
    title: `resume with a ${spec.files.toLocaleString('en')}-entry ledger`,
    setup: `ledger half migrated, half pending, listing complete; a chunk of --batch-size ${String(spec.batch)}; plan = process start to the "Chunk plan" line (ledger loaded, delta listed, pending chosen), which includes the emulator's answer to the delta call: it rescans its folder on disk for that (Dropbox answers from an index); "alone" = a process that only loads the ledger with the engine's code and chooses the pending files`,
    runs: [figures],
    checks: [
      {
        figure: 'time to load and plan',
        value: plan,
        measured: `${plan.toFixed(2)} s`,
        target: `≤ ${String(PLAN_SECONDS)} s`,
        met: plan <= PLAN_SECONDS,
      },
      {
        figure: 'ledger load and plan alone (no Dropbox call)',
        value: load.wallSeconds,
        measured: `${load.wallSeconds.toFixed(2)} s (${load.seconds.toFixed(2)} s after start), ${load.rssMiB.toFixed(0)} MiB`,
        target: `≤ ${String(PLAN_SECONDS)} s`,
        met: load.wallSeconds <= PLAN_SECONDS,
      },
      {
        figure: 'engine peak RSS',
        value: run.peakRssMiB,
        measured: `${run.peakRssMiB.toFixed(0)} MiB`,
        target: `≤ ${String(RESUME_RSS_MIB)} MiB`,
        met: run.peakRssMiB <= RESUME_RSS_MIB,
      },
    ],
    notes: [`whole chunk: ${run.wallSeconds.toFixed(2)} s for ${String(run.files)} files`],
  };
}

/** The ledger loaded and the pending files chosen, by the engine's code in its own process. */
async function loadAlone(
  ledger: string,
): Promise<{ seconds: number; wallSeconds: number; rssMiB: number }> {
  const run = await runMeasured(await bundle('../bench/ledger-load.ts'), [
    join(ledger, 'shard-0-of-1'),
  ]);
  if (run.code !== 0) throw new Error(`ledger-load failed:\n${run.stderr}`);
  const report = JSON.parse(run.stdout) as { seconds: number };
  return {
    seconds: report.seconds,
    wallSeconds: run.wallSeconds,
    rssMiB: run.maxRssBytes / 2 ** 20,
  };
}

async function secondChunk(
  context: BenchContext,
  servers: Servers,
  ledger: string,
): Promise<ScenarioResult> {
  const spec = context.profile.bigLedger;
  context.say(`  second chunk after ${String(spec.changes)} changes…`);
  const run = await engineRun('engine', servers, {
    entry: context.entry,
    ledger,
    prefix: PREFIX,
    flags: ['--concurrency', '8'],
  });
  const { line: _line, ...figures } = run;
  const requests = run.dropboxRequests ?? {};
  const listCalls =
    (requests['files/list_folder'] ?? 0) + (requests['files/list_folder/continue'] ?? 0);
  return {
    id: 'second-chunk',
    title: `second chunk after ${String(spec.changes)} changes in ${spec.files.toLocaleString('en')} files`,
    setup:
      'ledger fully migrated with a complete cursor; list calls = files/list_folder + list_folder/continue counted by the emulator',
    runs: [figures],
    checks: [
      {
        figure: 'list calls',
        value: listCalls,
        measured: String(listCalls),
        target: `≤ ${String(LIST_CALLS)}`,
        met: listCalls <= LIST_CALLS,
      },
    ],
    notes: [`migrated ${String(run.files)} changed files in ${run.wallSeconds.toFixed(2)} s`],
  };
}
