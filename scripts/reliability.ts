/**
 * The reliability suite on demand: `npm run test:reliability` runs test/reliability/ in the full
 * profile (thousands of files, dozens of kills), one test file at a time so the figures are not
 * distorted by each other, then writes reliability-results/<profile>.md: the figures and tables
 * every test reported, for BENCHMARKS.md.
 *
 *   npm run test:reliability                          # full profile, every reliability test
 *   npm run test:reliability -- --profile short       # what `npm test` runs, with the results page
 *   npm run test:reliability -- test/reliability/kill.test.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const args = process.argv.slice(2);
const profileAt = args.indexOf('--profile');
const profile = profileAt === -1 ? 'full' : (args[profileAt + 1] ?? '');
if (profile !== 'full' && profile !== 'short') {
  process.stderr.write(`--profile must be full or short, not "${profile}"\n`);
  process.exit(2);
}
const files = args.filter((arg, index) => arg !== '--profile' && index !== profileAt + 1);
const results = join('reliability-results', profile);
await rm(results, { recursive: true, force: true });
await mkdir(results, { recursive: true });

const started = Date.now();
const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    ...(files.length > 0 ? files : ['test/reliability/*.test.ts']),
  ],
  {
    stdio: 'inherit',
    env: { ...process.env, RELIABILITY_PROFILE: profile, RELIABILITY_RESULTS: results },
  },
);
const [code] = (await once(child, 'close')) as [number | null];
const seconds = (Date.now() - started) / 1000;

/** Fragments in the order a reader wants them; any others after. */
const ORDER = [
  'kill-storm',
  'fault-storm',
  'changing-source',
  'secrets',
  'bad-input',
  'hostile-names',
];
const fragments = (await readdir(results)).filter((name) => name.endsWith('.md'));
fragments.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const command =
  profile === 'full' ? 'npm run test:reliability' : 'npm run test:reliability -- --profile short';
const page = [
  `Measured with \`${command}\` on ${String(cpus().length)} CPU(s), Node ${process.version}, ` +
    `${new Date().toISOString().slice(0, 10)}: ${String(Math.round(seconds))} s for the ${profile} profile` +
    `${files.length > 0 ? ` (${files.join(', ')})` : ''}, tests ${code === 0 ? 'passed' : 'FAILED'}.`,
  '',
  ...(await Promise.all(fragments.map((name) => readFile(join(results, name), 'utf8')))),
].join('\n');
await writeFile(`${results}.md`, page);
process.stdout.write(`\nreliability results: ${results}.md\n`);
process.exit(code ?? 1);

function rank(name: string): number {
  const index = ORDER.indexOf(name.replace(/\.md$/, ''));
  return index === -1 ? ORDER.length : index;
}
