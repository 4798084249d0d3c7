import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { withOptionsTable } from '../../src/config/readme-options.ts';
import { withLayout } from '../../scripts/layout.ts';

/** Prettier aligns table columns; compare tables cell by cell, not by padding. */
function normalise(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line.startsWith('|') ? line.replace(/\s*\|\s*/g, '|').replace(/-{3,}/g, '---') : line,
    )
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

test('the README option table matches the options the code accepts', async () => {
  const readme = await readFile('README.md', 'utf8');
  assert.equal(
    normalise(readme),
    normalise(withOptionsTable(readme)),
    'README.md is out of date: run `npm run docs` and commit it',
  );
});

test('the README layout is made from scripts/layers.js, like the lint rule', async () => {
  const readme = await readFile('README.md', 'utf8');
  assert.equal(
    normalise(readme),
    normalise(withLayout(readme)),
    'README.md is out of date: run `npm run docs` and commit it',
  );
});
