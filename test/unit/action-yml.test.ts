import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { actionYml } from '../../src/config/action-yml.ts';
import { actionInputs } from '../../src/config/options.ts';

test('action.yml declares exactly the inputs of the option table', async () => {
  const committed = await readFile('action.yml', 'utf8');
  assert.equal(
    committed,
    actionYml(),
    'action.yml is out of date: run `npm run docs` and commit it',
  );
  const inputsBlock = committed.slice(
    committed.indexOf('\ninputs:\n'),
    committed.indexOf('\noutputs:\n'),
  );
  const declared = [...inputsBlock.matchAll(/^ {2}([a-z0-9-]+):$/gm)].map((match) => match[1]);
  assert.deepEqual(
    declared,
    actionInputs().map((option) => option.name),
  );
  for (const name of [
    'mode',
    'shard-index',
    'shard-count',
    'ledger-store',
    'github-token',
    'dropbox-refresh-token',
  ]) {
    assert.ok(declared.includes(name), name);
  }
  assert.ok(!declared.includes('shard') && !declared.includes('json'));
});

test('action.yml declares exactly the outputs the action sets (migrate and finalize)', async () => {
  const committed = await readFile('action.yml', 'utf8');
  const outputsBlock = committed.slice(
    committed.indexOf('\noutputs:\n'),
    committed.indexOf('\nruns:\n'),
  );
  const declared = [...outputsBlock.matchAll(/^ {2}([a-z0-9-]+):$/gm)].map((match) => match[1]);
  const set = new Set<string>();
  for (const file of ['src/action/main/run.ts', 'src/action/finalize.ts']) {
    const source = await readFile(file, 'utf8');
    for (const match of source.matchAll(/setOutput\('([a-z0-9-]+)'/g)) set.add(match[1] ?? '');
  }
  assert.deepEqual([...declared].sort(), [...set].sort());
});
