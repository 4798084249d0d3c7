import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { contentHashOf } from '../../src/dropbox/content-hash.ts';

test('content hash of nothing is the sha256 of no block digests', () => {
  assert.equal(contentHashOf(new Uint8Array()), createHash('sha256').digest('hex'));
});
