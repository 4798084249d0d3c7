import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MigrationError } from '../../src/errors.ts';
import {
  exportExtension,
  exportSourcePath,
  planExport,
  type ExportPlan,
} from '../../src/engine/export-plan.ts';
import { sourceDocument } from '../support/source-files.ts';

function failureOf(plan: ExportPlan): MigrationError {
  if (plan.kind !== 'fail') throw new Error(`expected a failure, got ${plan.kind}`);
  return plan.error;
}

const EXPORT = { mode: 'export', format: undefined } as const;

test('formats map to extensions; unknown ones have none', () => {
  assert.equal(exportExtension('markdown'), 'md');
  assert.equal(exportExtension('html'), 'html');
  assert.equal(exportExtension('plain_text'), 'txt');
  assert.equal(exportExtension('xlsx'), 'xlsx');
  assert.equal(exportExtension('weblink'), undefined);
  assert.equal(exportExtension('toString'), undefined);
});

test('the suggested format, --export-format where offered, skip, and the failures', () => {
  const paper = sourceDocument('/Plan.paper', 'markdown', ['markdown', 'html']);
  const sheet = sourceDocument('/Budget.gsheet', 'xlsx', ['xlsx']);
  assert.deepEqual(planExport(paper, '/Plan.paper', EXPORT), {
    kind: 'export',
    format: 'markdown',
    extension: 'md',
  });
  const html = { mode: 'export', format: 'html' } as const;
  assert.deepEqual(planExport(paper, '/Plan.paper', html), {
    kind: 'export',
    format: 'html',
    extension: 'html',
  });
  assert.deepEqual(planExport(sheet, '/Budget.gsheet', html), {
    kind: 'export',
    format: 'xlsx',
    extension: 'xlsx',
  });
  assert.deepEqual(planExport(paper, '/Plan.paper', { mode: 'skip', format: undefined }), {
    kind: 'skip',
  });

  const none = failureOf(planExport(sourceDocument('/Odd.bin'), '/Odd.bin', EXPORT));
  assert.match(none.message, /neither download nor export/);
  const unknown = failureOf(
    planExport(sourceDocument('/Site.web', 'weblink'), '/Site.web', EXPORT),
  );
  assert.equal(unknown.kind, 'permanent');
  assert.match(unknown.message, /"weblink"/);
});

test('a real file whose name ends like an export points at the document it would collide with', () => {
  assert.equal(exportSourcePath('/docs/plan.paper.md'), '/docs/plan.paper');
  assert.equal(exportSourcePath('/docs/budget.gsheet.xlsx'), '/docs/budget.gsheet');
  assert.equal(exportSourcePath('/docs/photo.jpg'), undefined);
  assert.equal(exportSourcePath('/docs/.md'), undefined);
  assert.equal(exportSourcePath('/docs.md/readme'), undefined);
});
