/**
 * `npm run bench`: the engine's speed and memory on generated accounts, against the local Dropbox
 * emulator and S3 server (each its own process), beside a raw pipe measured in the same run.
 *
 *   npm run bench                          # every scenario at the issue's sizes
 *   npm run bench -- --quick               # smaller sizes, for development
 *   npm run bench -- --only small-files,rate-limit
 *   npm run bench -- --engine src          # run the CLI from source (default: bundled from src/)
 *   npm run bench -- --cpu-prof-dir DIR    # a V8 CPU profile of every engine and raw-pipe run
 *
 * Prints the tables, writes bench/results/<profile>[-partial].json, and (full profile, every scenario)
 * rewrites the generated section of BENCHMARKS.md.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { removeBundles } from './bundles.ts';
import { describeMachine, finishMachine } from './machine.ts';
import { profileMeasuredPrograms } from './processes.ts';
import { PROFILES } from './profiles.ts';
import { printable, updateBenchmarks, writeJson, type BenchReport } from './report.ts';
import type { ScenarioResult } from './report-types.ts';
import { ENGINE_ENTRIES, engineScript, type EngineEntry } from './runs.ts';
import { bigLedgerScenarios } from './scenarios/big-ledger.ts';
import type { BenchContext, Scenario } from './scenarios/context.ts';
import { rateLimitScenario } from './scenarios/rate-limit.ts';
import { shardsScenario } from './scenarios/shards.ts';
import { largeFilesScenario, smallFilesScenario } from './scenarios/throughput.ts';

const ENGINE_DESCRIPTIONS: Record<EngineEntry, string> = {
  bundle: 'the CLI bundled from src/ as dist/ is built',
  src: 'src/cli/index.ts run from source',
  dist: 'the committed dist/cli/index.js',
};

const SCENARIOS: readonly Scenario[] = [
  smallFilesScenario,
  largeFilesScenario,
  bigLedgerScenarios,
  rateLimitScenario,
  shardsScenario,
];
const ALL_IDS = SCENARIOS.flatMap((scenario) => scenario.ids);

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    engine: { type: 'string', default: 'bundle' },
    'cpu-prof-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

function usage(problem?: string): never {
  process.stderr.write(
    `${problem === undefined ? '' : `${problem}\n`}usage: npm run bench -- [--quick] [--only ${ALL_IDS.join(',')}] [--engine bundle|src|dist] [--cpu-prof-dir DIR]\n`,
  );
  process.exit(problem === undefined ? 0 : 2);
}

if (values.help) usage();
const wanted = new Set(values.only?.split(',').map((id) => id.trim()) ?? ALL_IDS);
for (const id of wanted) if (!ALL_IDS.includes(id)) usage(`unknown scenario "${id}"`);
const engine = ENGINE_ENTRIES.find((name) => name === values.engine);
if (engine === undefined) usage(`--engine must be bundle, src or dist, not "${values.engine}"`);
if (values['cpu-prof-dir'] !== undefined) profileMeasuredPrograms(resolve(values['cpu-prof-dir']));
const profile = PROFILES[values.quick ? 'quick' : 'full'];

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const context: BenchContext = { profile, entry: await engineScript(engine), say };
const machine = describeMachine();
const started = performance.now();
const scenarios: ScenarioResult[] = [];
const errors: { id: string; message: string }[] = [];
for (const scenario of SCENARIOS) {
  const ids = scenario.ids.filter((id) => wanted.has(id));
  if (ids.length === 0) continue;
  say(`${ids.join(', ')} (${profile.name})`);
  try {
    scenarios.push(...(await scenario.run(context, new Set(ids))));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    say(`  failed: ${message}`);
    errors.push({ id: ids.join(', '), message: message.split('\n')[0] ?? message });
  }
}
finishMachine(machine);
await removeBundles();

const args = [
  ...(values.quick ? ['--quick'] : []),
  ...(values.only === undefined ? [] : ['--only', values.only]),
  ...(engine === 'bundle' ? [] : ['--engine', engine]),
];
const report: BenchReport = {
  command: `npm run bench${args.length === 0 ? '' : ` -- ${args.join(' ')}`}`,
  profile: profile.name,
  engine: ENGINE_DESCRIPTIONS[engine],
  machine,
  totalSeconds: (performance.now() - started) / 1000,
  scenarios,
  errors,
};
const complete = wanted.size === ALL_IDS.length;
const jsonPath = `bench/results/${profile.name}${complete ? '' : '-partial'}.json`;
await writeJson(report, fileURLToPath(new URL(`../${jsonPath}`, import.meta.url)));
process.stdout.write(printable(report));
if (profile.name === 'full' && complete) {
  await updateBenchmarks(report, jsonPath);
  say('BENCHMARKS.md updated.');
}
process.exitCode = errors.length === 0 ? 0 : 1;
