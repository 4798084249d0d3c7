import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { gzipIfSmaller, isTextLike } from '../../src/engine/compression.ts';

test('text-like is decided by the content type of the name', () => {
  for (const name of [
    'a.txt',
    'A.JSON',
    'x/b.csv',
    'c.yaml',
    'd.xml',
    'e.js',
    'f.svg',
    'g.md',
    'h.html',
    'i.geojson',
    'j.sql',
  ]) {
    assert.equal(isTextLike(name), true, name);
  }
  for (const name of ['a.jpg', 'b.zip', 'c.gz', 'd.pdf', 'e.mp4', 'noextension', 'f.docx']) {
    assert.equal(isTextLike(name), false, name);
  }
});

test('gzip is kept only when it saves at least 10%', async () => {
  const text = Buffer.from('hello, world\n'.repeat(1000));
  const gzipped = await gzipIfSmaller(text);
  assert.ok(gzipped !== undefined);
  assert.deepEqual(gunzipSync(gzipped), text);
  assert.equal(await gzipIfSmaller(randomBytes(10_000)), undefined);
  assert.equal(await gzipIfSmaller(Buffer.from('tiny')), undefined);
  assert.equal(await gzipIfSmaller(Buffer.alloc(0)), undefined);
});
