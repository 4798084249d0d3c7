import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireTool } from '../support/tools.ts';

test('a missing tool fails with the command that installs it', (t) => {
  const saved = process.env.PATH;
  t.after(() => {
    process.env.PATH = saved;
  });
  process.env.PATH = '/nonexistent';
  assert.throws(() => requireTool('rclone'), /apt-get install -y rclone/);
});

test('a present tool resolves to its path', () => {
  assert.match(requireTool('sh'), /\/sh$/);
});
