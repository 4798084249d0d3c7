import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { inputDefault } from '../../src/config/action-yml.ts';
import { buildConfig, type RawSettings } from '../../src/config/config.ts';
import {
  actionInputs,
  actionOnly,
  OPTIONS,
  type Command,
  type FrontDoor,
  type OptionSpec,
} from '../../src/config/options.ts';
import { TABLE_END, TABLE_START } from '../../src/config/readme-options.ts';
import { buildProgram } from '../../src/cli/program.ts';

// Each option's default is written once, in the option table (src/config/options.ts). These tests
// walk the table, so a new option is covered the day it is added: leaving it out must give the
// same Config as giving its default, and help, README and action.yml must show that default.

/** Dropbox credentials, and no AWS_REGION or AWS_DEFAULT_REGION: the region's default shows. */
const ENV = { DROPBOX_APP_KEY: 'key', DROPBOX_REFRESH_TOKEN: 'refresh' };

interface Run {
  readonly command: Command;
  readonly front: FrontDoor;
  /** The default as the option table writes it, for this front door. */
  readonly text: string;
}

/** Where each default applies: the CLI's first command, the action for its own inputs and defaults. */
function runsOf(option: OptionSpec): Run[] {
  const runs: Run[] = [];
  const command = option.commands.find((surface): surface is Command => surface !== 'action');
  if (option.default !== undefined) {
    runs.push(
      actionOnly(option) || command === undefined
        ? { command: 'migrate', front: 'action', text: option.default }
        : { command, front: 'cli', text: option.default },
    );
  }
  if (option.actionDefault !== undefined) {
    runs.push({ command: 'migrate', front: 'action', text: option.actionDefault });
  }
  return runs;
}

function baseSettings(command: Command): RawSettings {
  return command === 'migrate' || command === 'verify' ? { bucket: 'my-bucket' } : {};
}

const DEFAULTED = OPTIONS.filter((option) => runsOf(option).length > 0);

test('the table gives defaults to the options that have one', () => {
  const names = DEFAULTED.map((option) => option.name);
  for (const name of [
    'region',
    'storage-class',
    'lifecycle',
    'part-size',
    'mode',
    'max-duration',
  ]) {
    assert.ok(names.includes(name), name);
  }
});

for (const option of DEFAULTED) {
  test(`leaving --${option.name} out gives the Config its table default gives`, () => {
    for (const { command, front, text } of runsOf(option)) {
      const base = baseSettings(command);
      const left = buildConfig(command, base, ENV, front);
      const given = buildConfig(command, { ...base, [option.name]: text }, ENV, front);
      assert.deepEqual(left, given, `${front} ${command} without --${option.name} vs "${text}"`);
    }
  });
}

/**
 * A value for each option with no default value (its default is a text such as "(no limit)", or
 * none at all), with what else it needs: giving it shows which parts of the Config it sets, and
 * those must be empty without it. `bucket` is required; secrets default to their variables.
 */
const SAMPLES: Readonly<Record<string, { value: string; with?: RawSettings }>> = {
  // Without a rule of ours, the prefix does not decide whether objects are tagged.
  prefix: { value: 'backup', with: { lifecycle: 'none' } },
  'source-path': { value: '/Photos' },
  include: { value: '*.pdf' },
  exclude: { value: '*.tmp' },
  'export-format': { value: 'pdf' },
  sse: { value: 'AES256' },
  'sse-kms-key-id': { value: 'key', with: { sse: 'aws:kms' } },
  prices: { value: 'prices.json' },
  'max-duration': { value: '10m' },
  'batch-size': { value: '10' },
  'max-bytes': { value: '1GiB' },
  'dropbox-base-url': { value: 'http://127.0.0.1:9' },
  'migrate-result': { value: 'success' },
  'aws-credentials-expiration': { value: '2030-01-01T00:00:00Z' },
  's3-endpoint': { value: 'http://127.0.0.1:9' },
  'expected-bucket-owner': { value: '123456789012' },
  'retry-failed': { value: 'access_denied' },
};
const NO_EMPTY_DEFAULT = (option: OptionSpec): boolean =>
  option.name === 'bucket' || option.secret === true;

/** The leaves of a Config that differ between two, by path. */
function changedLeaves(a: unknown, b: unknown, path = ''): Map<string, unknown> {
  const changed = new Map<string, unknown>();
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date);
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      for (const [leaf, value] of changedLeaves(a[key], b[key], `${path}.${key}`)) {
        changed.set(leaf, value);
      }
    }
  } else if (!isDeepStrictEqual(a, b)) {
    changed.set(path, a);
  }
  return changed;
}

const UNDEFAULTED = OPTIONS.filter(
  (option) => option.default === undefined && !NO_EMPTY_DEFAULT(option),
);

for (const option of UNDEFAULTED) {
  test(`leaving --${option.name} out leaves its part of the Config empty: ${option.absent ?? ''}`, () => {
    const sample = SAMPLES[option.name];
    assert.ok(sample, `add a sample value of --${option.name} to SAMPLES`);
    const front: FrontDoor = actionOnly(option) ? 'action' : 'cli';
    const command =
      option.commands.find((surface): surface is Command => surface !== 'action') ?? 'migrate';
    const base = { ...baseSettings(command), ...sample.with };
    const left = buildConfig(command, base, ENV, front);
    const given = buildConfig(command, { ...base, [option.name]: sample.value }, ENV, front);
    const changed = changedLeaves(left, given);
    assert.ok(changed.size > 0, `--${option.name} ${sample.value} changes the Config`);
    for (const [path, value] of changed) {
      const empty =
        value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
      assert.ok(empty, `without --${option.name}, ${path} is ${JSON.stringify(value)}`);
    }
  });
}

/** What any surface must show as the default: the value as written, or the absent text. */
function shownDefault(option: OptionSpec): string | undefined {
  if (option.runnerDefault !== undefined) return `\`${option.runnerDefault}\``;
  if (option.default !== undefined) return `\`${option.default}\``;
  return option.absent;
}

test('the CLI help shows each default of the table', () => {
  const program = buildProgram(() => undefined);
  for (const option of OPTIONS) {
    for (const command of program.commands) {
      const flag = command.options.find((candidate) => candidate.long === `--${option.name}`);
      if (flag === undefined) continue;
      const shown = shownDefault(option);
      const help = flag.description;
      if (shown === undefined) {
        assert.doesNotMatch(help, /Default:/, `--${option.name} has no default`);
        continue;
      }
      const byDefault = help.slice(help.indexOf('Default: '));
      assert.ok(
        help.includes('Default: ') && byDefault.includes(shown.replaceAll('`', '')),
        `${command.name()} --${option.name}: ${help}`,
      );
      for (const also of [option.defaultEnv, option.actionDefault]) {
        if (also !== undefined) assert.ok(byDefault.includes(also), `--${option.name}: ${also}`);
      }
    }
  }
});

/** The committed README's option table: one row per option, in the table's order. */
async function readmeRows(): Promise<string[][]> {
  const readme = await readFile('README.md', 'utf8');
  const table = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END));
  return table
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replaceAll('\\|', '|')),
    );
}

test('the README option table shows each default of the table', async () => {
  const rows = await readmeRows();
  assert.equal(rows.length, OPTIONS.length);
  OPTIONS.forEach((option, index) => {
    const cells = rows[index] ?? [];
    const cell = cells.at(-1) ?? '';
    const shown = shownDefault(option);
    if (shown === undefined) {
      assert.equal(cell, '', `${option.name} has no default`);
      return;
    }
    assert.ok(cell.includes(shown), `${option.name}: "${cell}" should show ${shown}`);
    for (const also of [option.defaultEnv, option.actionDefault]) {
      if (also !== undefined) assert.ok(cell.includes(`\`${also}\``), `${option.name}: ${also}`);
    }
  });
});

test("action.yml declares or describes each action input's default from the table", async () => {
  const yml = await readFile('action.yml', 'utf8');
  const inputs = yml.slice(yml.indexOf('\ninputs:\n'), yml.indexOf('\noutputs:\n'));
  const blocks = new Map(
    inputs
      .split(/\n {2}(?=[a-z0-9-]+:\n)/)
      .map((block) => [block.slice(0, block.indexOf(':')), block]),
  );
  for (const option of actionInputs()) {
    const block = blocks.get(option.name) ?? '';
    const declared = /^ {4}default: '(.*)'$/m.exec(block)?.[1];
    const expected = option.runnerDefault ?? option.actionDefault;
    if (expected !== undefined || actionOnly(option)) {
      assert.equal(declared, expected ?? option.default, option.name);
      assert.equal(declared, inputDefault(option), option.name);
      continue;
    }
    // Shared with the CLI: no `default:` (an empty input reaches buildConfig as absent), and the
    // description says it.
    assert.equal(declared, undefined, option.name);
    const shown = shownDefault(option);
    if (shown === undefined) continue;
    const byDefault = block.slice(block.indexOf('Default: '));
    assert.ok(block.includes('Default: ') && byDefault.includes(shown), option.name);
    if (option.defaultEnv !== undefined) assert.ok(byDefault.includes(option.defaultEnv));
  }
});

test('the region: --region, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1', () => {
  const region = (raw: RawSettings, env: NodeJS.ProcessEnv): string =>
    buildConfig('migrate', { bucket: 'my-bucket', ...raw }, { ...ENV, ...env }).s3.region;
  const both = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' };
  assert.equal(region({ region: 'ap-south-1' }, both), 'ap-south-1');
  assert.equal(region({}, both), 'eu-west-1');
  assert.equal(region({}, { AWS_DEFAULT_REGION: 'eu-central-1' }), 'eu-central-1');
  assert.equal(region({}, { AWS_REGION: ' ', AWS_DEFAULT_REGION: 'eu-central-1' }), 'eu-central-1');
  assert.equal(region({}, {}), 'us-east-1');
});
