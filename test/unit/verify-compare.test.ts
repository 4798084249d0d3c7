import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headDifference, type ExpectedObject } from '../../src/engine/verify.ts';
import type { ObjectHead } from '../../src/engine/target.ts';

const EXPECTED: ExpectedObject = { size: 1000, contentHash: 'a'.repeat(64), rev: '015f0000001' };
const STORED: ObjectHead = {
  size: 1000,
  contentHash: EXPECTED.contentHash,
  rev: EXPECTED.rev,
  originalSize: 1000,
  contentEncoding: undefined,
  sourceId: 'id:a',
};

function reason(head: Partial<ObjectHead>): string | undefined {
  return headDifference(EXPECTED, { ...STORED, ...head })?.reason;
}

test('an object as the tool wrote it matches', () => {
  assert.equal(reason({}), undefined);
  assert.equal(
    reason({ originalSize: undefined }),
    undefined,
    'older objects without dropbox-size',
  );
});

test('a compressed object is judged by its original size', () => {
  assert.equal(reason({ size: 400, contentEncoding: 'gzip' }), undefined);
  assert.equal(reason({ size: 400, contentEncoding: 'gzip', originalSize: 999 }), 'size');
  assert.equal(reason({ size: 400, contentEncoding: 'gzip', originalSize: undefined }), 'size');
  assert.equal(reason({ size: 400 }), 'size', 'not encoded: the stored bytes must be the file');
  assert.equal(reason({ originalSize: 999 }), 'size', 'metadata that disagrees with the file');
});

test('hash, then rev; an object without hash metadata was not written by this tool', () => {
  assert.equal(reason({ contentHash: 'b'.repeat(64) }), 'hash');
  assert.equal(reason({ contentHash: undefined }), 'hash');
  assert.match(
    headDifference(EXPECTED, { ...STORED, contentHash: undefined })?.detail ?? '',
    /something other than this tool wrote it/,
  );
  assert.equal(reason({ rev: '015f0000002' }), 'rev');
  assert.equal(reason({ rev: undefined }), 'rev');
  assert.equal(reason({ size: 1, contentHash: undefined }), 'hash', 'one reason: the first');
});
