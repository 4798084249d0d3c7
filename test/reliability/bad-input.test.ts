import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTIONS } from '../../src/config/options.ts';
import { inputEnv, migrateInputs, newJob } from '../support/action-runner.ts';
import type { BatchResult, BatchRow } from '../support/entry-batch.ts';
import { listKeys } from '../support/reliability.ts';
import { cell, PROFILE, writeResult } from '../support/profile.ts';
import { flagsToArgs, startTestbed, type Testbed } from '../support/testbed.ts';
import { FLAG_SECRET, ROWS, type ActionRow, type CliRow, type InputRow } from './bad-input-rows.ts';

const ENTRY_BATCH = fileURLToPath(new URL('../support/entry-batch.ts', import.meta.url));

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

/** Every row in one process (test/support/entry-batch.ts), in order. */
async function runRows(batch: readonly BatchRow[]): Promise<BatchResult[]> {
  const child = spawn(process.execPath, [ENTRY_BATCH], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify(batch));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, 'the batch of rows ran');
  return JSON.parse(stdout) as BatchResult[];
}

function cliRow(bed: Testbed, row: CliRow, ledger: string): BatchRow {
  const env: Record<string, string | null> = {};
  for (const [name, value] of Object.entries({ ...bed.env(), ...row.env }))
    env[name] = value ?? null;
  return { entry: 'cli', argv: cliArgv(bed, row, ledger), env };
}

/** What the line that says what was wrong is: stderr for the CLI, `::error::` for the action. */
function actualOf(row: InputRow, { code, stdout, stderr }: BatchResult): Actual {
  const message =
    row.door === 'action'
      ? (/^::error::(.*)$/m.exec(stdout)?.[1] ?? stderr.trim().split('\n')[0] ?? '')
      : (stderr.split('\n').find((line) => /^(error: |dropbox-to-s3: )/.test(line)) ??
        stderr.trim().split('\n').at(-1) ??
        '');
  return { code, message, output: stdout + stderr };
}

/** An action row: a good migrate step's inputs with the row's changes, as the runner sets them. */
async function actionRow(bed: Testbed, row: ActionRow): Promise<BatchRow> {
  const inputs = migrateInputs(bed);
  for (const [name, value] of Object.entries(row.inputs)) {
    if (value === null) Reflect.deleteProperty(inputs, name);
    else inputs[name] = value;
  }
  const aws = bed.env();
  const job = await newJob();
  const env: NodeJS.ProcessEnv = {
    AWS_ACCESS_KEY_ID: aws.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: aws.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: aws.AWS_REGION,
    AWS_REQUEST_CHECKSUM_CALCULATION: aws.AWS_REQUEST_CHECKSUM_CALCULATION,
    AWS_RESPONSE_CHECKSUM_VALIDATION: aws.AWS_RESPONSE_CHECKSUM_VALIDATION,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: job.workspace,
    GITHUB_OUTPUT: job.outputFile,
    GITHUB_STEP_SUMMARY: job.summaryFile,
    GITHUB_STATE: job.stateFile,
    GITHUB_RUN_ID: '100',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REPOSITORY: 'octo/migrate',
    ...row.env,
    ...inputEnv(inputs),
  };
  const batchEnv: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(env)) batchEnv[name] = value ?? null;
  return { entry: 'action', argv: [], env: batchEnv };
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

  const batch = await Promise.all(
    ROWS.map(async (row, index) =>
      row.door === 'cli'
        ? cliRow(bed, row, join(ledgers, String(index)))
        : await actionRow(bed, row),
    ),
  );
  const results = await runRows(batch);
  const actual = new Map<InputRow, Actual>();
  ROWS.forEach((row, index) => {
    const result = results[index];
    if (result !== undefined) actual.set(row, actualOf(row, result));
  });

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
