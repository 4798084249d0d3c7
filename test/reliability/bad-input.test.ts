import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTIONS } from '../../src/config/options.ts';
import { MAIN, newJob, runStep } from '../support/action-runner.ts';
import { eachConcurrently } from '../../src/engine/each-concurrently.ts';
import type { BatchResult } from '../support/cli-batch.ts';
import { listKeys } from '../support/reliability.ts';
import { cell, PROFILE, writeResult } from '../support/profile.ts';
import {
  APP_KEY,
  APP_SECRET,
  flagsToArgs,
  REFRESH_TOKEN,
  startTestbed,
  type Testbed,
} from '../support/testbed.ts';
import { FLAG_SECRET, ROWS, type ActionRow, type CliRow, type InputRow } from './bad-input-rows.ts';

const CLI_BATCH = fileURLToPath(new URL('../support/cli-batch.ts', import.meta.url));

/** Options that take no value on the CLI are covered by a `--switch=yes` row. */
const NO_BAD_VALUE = new Set(['deep', 'requeue']);

interface Actual {
  code: number | null;
  /** The line that says what was wrong. */
  message: string;
  /** Everything the run printed. */
  output: string;
}

/** The command line of a CLI row: the testbed's flags with the row's changes, or its own argv. */
function cliArgv(bed: Testbed, row: CliRow, ledger: string): string[] {
  if (row.argv !== undefined) return [...row.argv];
  const flags: Record<string, string | true> = {};
  for (const [name, value] of Object.entries({ ...bed.flags({ ledger }), ...row.flags })) {
    if (value !== null && (typeof value === 'string' || value === true)) flags[name] = value;
  }
  return [row.command ?? 'migrate', ...flagsToArgs(flags), ...(row.extra ?? [])];
}

/** Every CLI row in one process (test/support/cli-batch.ts), in order. */
async function runCliRows(
  bed: Testbed,
  rows: readonly CliRow[],
  ledgers: string,
): Promise<Actual[]> {
  const batch = rows.map((row, index) => {
    const env: Record<string, string | null> = { ...bed.env() } as Record<string, string>;
    for (const [name, value] of Object.entries(row.env ?? {})) env[name] = value ?? null;
    return { argv: cliArgv(bed, row, join(ledgers, String(index))), env };
  });
  const child = spawn(process.execPath, [CLI_BATCH], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify(batch));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, 'the CLI batch ran');
  const results = JSON.parse(stdout) as BatchResult[];
  return results.map(({ code: exit, stdout: out, stderr }) => ({
    code: exit,
    message:
      stderr.split('\n').find((line) => /^(error: |dropbox-to-s3: )/.test(line)) ??
      stderr.trim().split('\n').at(-1) ??
      '',
    output: out + stderr,
  }));
}

/** A good migrate step, as a workflow would write it, with the Dropbox secrets as inputs. */
function goodInputs(bed: Testbed): Record<string, string> {
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
  };
}

async function runAction(bed: Testbed, row: ActionRow): Promise<Actual> {
  const inputs = goodInputs(bed);
  for (const [name, value] of Object.entries(row.inputs)) {
    if (value === null) Reflect.deleteProperty(inputs, name);
    else inputs[name] = value;
  }
  const aws = bed.env();
  const env: NodeJS.ProcessEnv = {
    AWS_ACCESS_KEY_ID: aws.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: aws.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: aws.AWS_REGION,
    AWS_REQUEST_CHECKSUM_CALCULATION: aws.AWS_REQUEST_CHECKSUM_CALCULATION,
    AWS_RESPONSE_CHECKSUM_VALIDATION: aws.AWS_RESPONSE_CHECKSUM_VALIDATION,
    GITHUB_RUN_ID: '100',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REPOSITORY: 'octo/migrate',
    ...row.env,
  };
  const job = await newJob();
  const run = await runStep(MAIN, job, inputs, env);
  const message =
    /^::error::(.*)$/m.exec(run.stdout)?.[1] ?? run.stderr.trim().split('\n')[0] ?? '';
  return { code: run.code, message, output: run.stdout + run.stderr };
}

function passed(row: InputRow, actual: Actual): boolean {
  return (
    actual.code === row.expected.code &&
    row.expected.message.test(actual.output) &&
    !actual.output.includes(FLAG_SECRET)
  );
}

test('every option that takes a value has a bad-value row', () => {
  const covered = ROWS.map((row) => row.input);
  const missing = OPTIONS.filter(
    (option) =>
      option.secret !== true &&
      !NO_BAD_VALUE.has(option.name) &&
      !covered.some(
        (input) => input.includes(`--${option.name}`) || input.startsWith(`${option.name}:`),
      ),
  ).map((option) => option.name);
  assert.deepEqual(
    missing,
    [],
    'add a row with a bad value for each to test/reliability/bad-input-rows.ts',
  );
});

test(`bad input table (${String(ROWS.length)} rows): each gives its documented result`, async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  // A file that any row wrongly accepted would copy.
  await writeFile(join(bed.root, 'a.txt'), 'a file no bad row may copy');
  const ledgers = await mkdtemp(join(tmpdir(), 'bad-input-ledgers-'));
  t.after(() => rm(ledgers, { recursive: true, force: true }));

  const actual = new Map<InputRow, Actual>();
  const cliRows = ROWS.filter((row): row is CliRow => row.door === 'cli');
  const actionRows = ROWS.filter((row): row is ActionRow => row.door === 'action');
  const cliResults = await runCliRows(bed, cliRows, ledgers);
  cliRows.forEach((row, index) => {
    const result = cliResults[index];
    if (result !== undefined) actual.set(row, result);
  });
  // Each action row is a step of its own (a process, as the runner starts it), two at a time.
  await eachConcurrently(
    actionRows,
    2,
    async (row) => {
      actual.set(row, await runAction(bed, row));
    },
    () => false,
  );

  const lines = [
    `| front door | input | documented result | actual | |`,
    '| --- | --- | --- | --- | --- |',
  ];
  for (const row of ROWS) {
    const result = actual.get(row);
    assert.ok(result !== undefined);
    lines.push(
      `| ${row.door} | ${cell(shorten(row.input))} | ${cell(row.expected.outcome)} | ${cell(`exit ${String(result.code)}: ${shorten(result.message, 160)}`)} | ${passed(row, result) ? '✓' : '✗'} |`,
    );
  }
  const folder = process.env.RELIABILITY_RESULTS;
  if (folder !== undefined && folder !== '') {
    await writeResult(
      folder,
      'bad-input.md',
      [`### Bad input (${String(ROWS.length)} rows)`, '', ...lines].join('\n'),
    );
  }
  t.diagnostic(
    `bad input: ${String(ROWS.filter((row) => passed(row, actual.get(row) ?? { code: null, message: '', output: '' })).length)}/${String(ROWS.length)} rows as documented (${PROFILE} profile)`,
  );

  for (const row of ROWS) {
    const result = actual.get(row);
    assert.ok(result !== undefined);
    assert.equal(
      result.code,
      row.expected.code,
      `${row.input}: exit ${String(result.code)}\n${result.output}`,
    );
    assert.match(result.output, row.expected.message, row.input);
    assert.ok(!result.output.includes(FLAG_SECRET), `${row.input}: a secret was echoed`);
  }
  // No row got as far as copying anything.
  assert.deepEqual(await listKeys(bed.s3.client(), bed.s3.bucket), []);
});

function shorten(text: string, most = 80): string {
  return text.length <= most ? text : `${text.slice(0, most - 1)}…`;
}
