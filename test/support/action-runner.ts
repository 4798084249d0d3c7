import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_KEY, APP_SECRET, REFRESH_TOKEN, type Testbed } from './testbed.ts';

/**
 * The entry points run: the sources, or with ACTION_ENTRY_DIR=dist the bundles the runner runs
 * (`ACTION_ENTRY_DIR=dist node --test test/integration/action.test.ts` after `npm run bundle`).
 */
const BUNDLES = process.env.ACTION_ENTRY_DIR;
export const MAIN =
  BUNDLES === undefined
    ? fileURLToPath(new URL('../../src/action/main/index.ts', import.meta.url))
    : resolve(BUNDLES, 'main/index.js');
export const POST =
  BUNDLES === undefined
    ? fileURLToPath(new URL('../../src/action/post/index.ts', import.meta.url))
    : resolve(BUNDLES, 'post/index.js');

/**
 * The bundled main step the runner runs (`dist/main/index.js`, as action.yml names it). `.ci/run`
 * fails when dist/ differs from a fresh build, so in CI this is the code of the sources.
 */
export const MAIN_BUNDLE = fileURLToPath(new URL('../../dist/main/index.js', import.meta.url));
/** The bundled post step (`dist/post/index.js`). */
export const POST_BUNDLE = fileURLToPath(new URL('../../dist/post/index.js', import.meta.url));

/** One job of a workflow run as the runner lays it out: a fresh workspace and its command files. */
export interface ActionJob {
  readonly workspace: string;
  readonly outputFile: string;
  readonly summaryFile: string;
  readonly stateFile: string;
}

export interface StepRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function newJob(): Promise<ActionJob> {
  const base = await mkdtemp(join(tmpdir(), 'action-job-'));
  const workspace = join(base, 'workspace');
  await mkdir(workspace);
  const job = {
    workspace,
    outputFile: join(base, 'output'),
    summaryFile: join(base, 'summary.md'),
    stateFile: join(base, 'state'),
  };
  for (const file of [job.outputFile, job.summaryFile, job.stateFile]) await writeFile(file, '');
  return job;
}

/** `INPUT_<NAME>` as the runner sets it: upper case, spaces to `_`, dashes kept. */
export function inputEnv(inputs: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

/**
 * Runs a step (main or post) as the runner would: `INPUT_*`, the command files, `STATE_*` from
 * what main saved, in the job's workspace. `during` may signal the child while it runs.
 */
export async function runStep(
  entry: string,
  job: ActionJob,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
  during?: (child: ChildProcess) => Promise<void>,
): Promise<StepRun> {
  const isPost = entry === POST || entry === POST_BUNDLE;
  const state = isPost ? parseCommandFile(await readFile(job.stateFile, 'utf8')) : {};
  const stateEnv: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(state)) stateEnv[`STATE_${name}`] = value;
  const child = spawn(process.execPath, [entry], {
    cwd: job.workspace,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: job.workspace,
      GITHUB_OUTPUT: job.outputFile,
      GITHUB_STEP_SUMMARY: job.summaryFile,
      GITHUB_STATE: job.stateFile,
      ...env,
      ...stateEnv,
      ...inputEnv(inputs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        resolve({ code, signal });
      });
    },
  );
  if (during !== undefined) await during(child);
  const { code, signal } = await closed;
  return { code, signal, stdout, stderr };
}

/** The runner's `name<<delimiter` file format (GITHUB_OUTPUT, GITHUB_STATE). */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^=<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== match[2]; i += 1) body.push(lines[i] ?? '');
    values[match[1]] = body.join('\n');
  }
  return values;
}

export async function outputsOf(job: ActionJob): Promise<Record<string, string>> {
  return parseCommandFile(await readFile(job.outputFile, 'utf8'));
}

/** A migrate step's inputs as a workflow would pass them; the Dropbox secrets as inputs. */
export function migrateInputs(
  bed: Testbed,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    bucket: bed.s3.bucket,
    's3-endpoint': bed.s3.endpoint,
    's3-force-path-style': 'true',
    'dropbox-base-url': bed.dropbox.url,
    'dropbox-app-key': APP_KEY,
    'dropbox-app-secret': APP_SECRET,
    'dropbox-refresh-token': REFRESH_TOKEN,
    'ledger-store': 's3',
    mode: 'migrate',
    'shard-index': '0',
    'shard-count': '1',
    'max-duration': '50m',
    ...extra,
  };
}
