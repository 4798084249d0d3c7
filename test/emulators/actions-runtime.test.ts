// The runtime emulator's blob URLs, driven by @azure/storage-blob (the SDK @actions/cache and
// @actions/artifact use) through the calls the toolkit's small contract runs do not reach:
// multi-block uploads, parallel ranged downloads, properties, and the error answers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BlockBlobClient, RestError } from '@azure/storage-blob';
import { startActionsRuntime, type ActionsRuntime } from './github/runtime/index.ts';

let runtime: ActionsRuntime;

before(async () => {
  runtime = await startActionsRuntime();
});

after(async () => {
  await runtime.close();
});

async function uploadUrl(key: string): Promise<string> {
  const response = await fetch(
    `${runtime.url}/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry`,
    {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${runtime.token({ runId: 1 })}`,
      },
      body: JSON.stringify({ key, version: 'v1' }),
    },
  );
  const body = (await response.json()) as { signed_upload_url: string };
  return body.signed_upload_url;
}

describe('blob URLs of the runtime emulator', () => {
  test('uploadData in blocks, then parallel ranged downloadToBuffer and properties', async () => {
    const data = randomBytes(300_000);
    const blob = new BlockBlobClient(await uploadUrl('blocks'));
    await blob.uploadData(data, {
      blockSize: 64 * 1024,
      maxSingleShotSize: 64 * 1024,
      concurrency: 4,
    });
    const puts = runtime.requests().filter((r) => r.service === 'blob' && r.method === 'PUT');
    assert.equal(puts.length, 5 + 1, 'five Put Block and one Put Block List');

    const properties = await blob.getProperties();
    assert.equal(properties.contentLength, data.length);
    assert.equal(properties.blobType, 'BlockBlob');
    const whole = await blob.downloadToBuffer(0, undefined, { blockSize: 50_000, concurrency: 4 });
    assert.ok(whole.equals(data));
    const part = await blob.downloadToBuffer(1000, 5000);
    assert.ok(part.equals(data.subarray(1000, 6000)));
    const gets = runtime.requests().filter((r) => r.service === 'blob' && r.method === 'GET');
    assert.ok(gets.some((r) => r.status === 206));
  });

  test('explicit stageBlock and commitBlockList keep the listed order', async () => {
    const blob = new BlockBlobClient(await uploadUrl('order'));
    const id = (n: number): string =>
      Buffer.from(`block-${String(n).padStart(4, '0')}`).toString('base64');
    await blob.stageBlock(id(2), Buffer.from('world'), 5);
    await blob.stageBlock(id(1), Buffer.from('hello '), 6);
    await blob.commitBlockList([id(1), id(2)], {
      blobHTTPHeaders: { blobContentType: 'text/plain' },
    });
    const download = await blob.download();
    assert.equal(download.contentType, 'text/plain');
    assert.equal((await blob.downloadToBuffer()).toString(), 'hello world');
    await assert.rejects(blob.commitBlockList([id(3)]), (error: unknown) => {
      assert.ok(error instanceof RestError);
      assert.equal(error.statusCode, 400);
      return true;
    });
  });

  test('an unknown blob is a 404 BlobNotFound; a URL without a valid signature is refused', async () => {
    const url = new URL(await uploadUrl('never-uploaded'));
    const blob = new BlockBlobClient(url.toString());
    await assert.rejects(blob.download(), (error: unknown) => {
      assert.ok(error instanceof RestError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'BlobNotFound');
      return true;
    });
    // HEAD has no body: the SDK reads the code from the x-ms-error-code header.
    assert.equal(await blob.exists(), false);
    const plain = await fetch(url);
    assert.equal(plain.status, 404);
    assert.match(await plain.text(), /<Code>BlobNotFound<\/Code>/);

    url.searchParams.set('sig', 'forged');
    const forged = await fetch(url, {
      method: 'PUT',
      body: 'x',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
    });
    assert.equal(forged.status, 403);
    assert.equal(forged.headers.get('x-ms-error-code'), 'AuthenticationFailed');
  });

  test('a download URL cannot write', async () => {
    const token = runtime.token({ runId: 2 });
    const blob = new BlockBlobClient(await uploadUrl('read-only'));
    await blob.upload('abc', 3);
    await fetch(
      `${runtime.url}/twirp/github.actions.results.api.v1.CacheService/FinalizeCacheEntryUpload`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${runtime.token({ runId: 1 })}`,
        },
        body: JSON.stringify({ key: 'read-only', version: 'v1', size_bytes: '3' }),
      },
    );
    const lookup = await fetch(
      `${runtime.url}/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ key: 'read-only', version: 'v1' }),
      },
    );
    const { signed_download_url: downloadUrl } = (await lookup.json()) as {
      signed_download_url: string;
    };
    const put = await fetch(downloadUrl, {
      method: 'PUT',
      body: 'x',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
    });
    assert.equal(put.status, 403);
    const ranged = await fetch(downloadUrl, { headers: { Range: 'bytes=1-' } });
    assert.equal(ranged.status, 206);
    assert.equal(await ranged.text(), 'bc');
    const beyond = await fetch(downloadUrl, { headers: { 'x-ms-range': 'bytes=10-20' } });
    assert.equal(beyond.status, 416);
  });
});
