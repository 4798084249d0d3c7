/**
 * The real `dropbox` SDK against the emulator, changed only in its `fetch` (which sends requests
 * for Dropbox's hosts to the emulator). What a caller reads from results and errors here is what
 * it would read from Dropbox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Dropbox, DropboxAuth, downloadFile } from 'dropbox';
import { emulatorFetch, type DropboxEmulator } from '../emulators/dropbox/index.ts';
import { referenceContentHash } from '../support/reference-hash.ts';
import { emulatorWithFiles, sdkFailure } from '../support/dropbox-contract.ts';

/**
 * A client as the product builds one. The SDK's type declarations do not expose `dbx.auth`, so the
 * DropboxAuth is built first and handed over (the SDK then uses that very object as `dbx.auth`).
 */
function client(emu: DropboxEmulator, pkce = false): Dropbox & { auth: DropboxAuth } {
  const fetch = emulatorFetch(emu.url);
  const auth = new DropboxAuth({
    clientId: emu.appKey,
    ...(pkce ? {} : { clientSecret: emu.appSecret }),
    refreshToken: pkce ? 'test-pkce-refresh-token' : 'test-refresh-token',
    fetch,
  });
  return Object.assign(new Dropbox({ auth, fetch }), { auth });
}

test('refresh-token auth with the app secret, and without it for a PKCE refresh token', async (t) => {
  const { emu } = await emulatorWithFiles(t, {});
  const account = await client(emu).usersGetCurrentAccount();
  assert.equal(account.status, 200);
  assert.equal(account.result.account_id, emu.account.accountId);
  assert.equal(account.result.root_info.root_namespace_id, emu.account.rootNamespaceId);
  const pkce = await client(emu, true).usersGetCurrentAccount();
  assert.equal(pkce.result.email, emu.account.email);
  assert.equal(emu.stats().tokenRefreshes, 2);

  const noSecret = new Dropbox({
    clientId: emu.appKey,
    refreshToken: 'test-refresh-token',
    fetch: emulatorFetch(emu.url),
  });
  const refused = await sdkFailure(noSecret.usersGetCurrentAccount());
  assert.equal(refused.status, 400);
  assert.equal((refused.error as { error: string }).error, 'invalid_request');
});

test('filesListFolder + filesListFolderContinue page through more entries than the limit; the kept cursor returns exactly a later change', async (t) => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 23; i++) files[`f${i}.txt`] = `content ${i}`;
  const { emu, root } = await emulatorWithFiles(t, files);
  const dbx = client(emu);
  let page = (await dbx.filesListFolder({ path: '', limit: 5 })).result;
  const names = page.entries.map((e) => e.name);
  let pages = 1;
  while (page.has_more) {
    page = (await dbx.filesListFolderContinue({ cursor: page.cursor })).result;
    assert.ok(page.entries.length <= 5);
    names.push(...page.entries.map((e) => e.name));
    pages += 1;
  }
  assert.equal(pages, 5);
  assert.deepEqual(names.sort(), Object.keys(files).sort());

  await writeFile(join(root, 'later.txt'), 'added after the listing');
  await rm(join(root, 'f3.txt'));
  const delta = (await dbx.filesListFolderContinue({ cursor: page.cursor })).result;
  assert.equal(delta.has_more, false);
  const changes = delta.entries.map((e) => `${e['.tag']} ${e.path_lower ?? ''}`).sort();
  assert.deepEqual(changes, ['deleted /f3.txt', 'file /later.txt']);
  const added = delta.entries.find((e) => e['.tag'] === 'file');
  assert.ok(added?.['.tag'] === 'file');
  assert.equal(added.content_hash, referenceContentHash(Buffer.from('added after the listing')));
});

test('a 409 surfaces as DropboxResponseError with the union tags; a 429 with retry_after in body and header', async (t) => {
  const { emu } = await emulatorWithFiles(t, { 'a.txt': 'a' });
  const dbx = client(emu);
  const missing = await sdkFailure(dbx.filesGetMetadata({ path: '/missing.txt' }));
  assert.equal(missing.status, 409);
  const body = missing.error as {
    error_summary: string;
    error: { '.tag': string; path: { '.tag': string } };
  };
  assert.equal(body.error['.tag'], 'path');
  assert.equal(body.error.path['.tag'], 'not_found');
  assert.match(body.error_summary, /^path\/not_found\//);

  const notFile = await sdkFailure(dbx.filesDownload({ path: '/' }));
  assert.equal(notFile.status, 409);

  emu.setFaults({ random429Rate: 1, retryAfterSeconds: 3 });
  const limited = await sdkFailure(dbx.filesListFolder({ path: '' }));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');
  const rate = limited.error as {
    error_summary: string;
    error: { reason: { '.tag': string }; retry_after: number };
  };
  assert.equal(rate.error.retry_after, 3);
  assert.equal(rate.error.reason['.tag'], 'too_many_requests');
  assert.match(rate.error_summary, /^too_many_requests\//);
  emu.setFaults({ random429Rate: 0 });
  const badArg = await sdkFailure(dbx.filesListFolder({ path: '/', limit: 10 }));
  assert.equal(badArg.status, 400);
  assert.equal(typeof badArg.error, 'string');
});

test('an expired token: the SDK does not refresh on 401, it refreshes when its own clock says the token is (nearly) expired', async (t) => {
  const { emu } = await emulatorWithFiles(t, { 'a.txt': 'a' });
  const dbx = client(emu);
  await dbx.usersGetCurrentAccount();
  emu.expireAccessTokens();
  const expired = await sdkFailure(dbx.filesListFolder({ path: '' }));
  assert.equal(expired.status, 401);
  assert.equal(
    (expired.error as { error: { '.tag': string } }).error['.tag'],
    'expired_access_token',
  );
  assert.equal(emu.stats().tokenRefreshes, 1);

  // What a caller does on expired_access_token: mark the token expired; the SDK then refreshes.
  dbx.auth.setAccessTokenExpiresAt(new Date(0));
  const listed = await dbx.filesListFolder({ path: '' });
  assert.equal(listed.result.entries.length, 1);
  assert.equal(emu.stats().tokenRefreshes, 2);

  // With a lifetime under the SDK's 300 s margin, it refreshes before every call.
  const { emu: shortLived } = await emulatorWithFiles(t, {}, { tokenTtlSeconds: 120 });
  const eager = client(shortLived);
  for (let i = 0; i < 3; i++) await eager.usersGetCurrentAccount();
  assert.equal(shortLived.stats().tokenRefreshes, 3);
});

test('filesDownload of a small file and filesExport of a Paper doc through the SDK', async (t) => {
  const { emu } = await emulatorWithFiles(t, {
    'small.txt': 'small file body',
    'Doc.paper': '# Doc',
  });
  const dbx = client(emu);
  const got = await dbx.filesDownload({ path: '/small.txt' });
  const result = got.result as typeof got.result & { fileBinary: Buffer };
  assert.equal(result.fileBinary.toString(), 'small file body');
  assert.equal(result.content_hash, referenceContentHash(Buffer.from('small file body')));
  const blocked = await sdkFailure(dbx.filesDownload({ path: '/Doc.paper' }));
  assert.equal((blocked.error as { error: { '.tag': string } }).error['.tag'], 'unsupported_file');
  const exported = await dbx.filesExport({ path: '/Doc.paper' });
  const exportResult = exported.result as typeof exported.result & { fileBinary: Buffer };
  const rendered = Buffer.from('[exported as markdown]\n# Doc');
  assert.equal(exportResult.fileBinary.toString(), rendered.toString());
  assert.equal(exportResult.export_metadata.export_hash, referenceContentHash(rendered));
  assert.equal(exportResult.export_metadata.size, rendered.length);
});

test('streaming download with the SDK token: cut mid-body, resumed with Range until whole; bytes and content hash match disk and listing', async (t) => {
  const size = 5 * 1024 * 1024 + 12345;
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 12)) & 0xff;
  const { emu, root } = await emulatorWithFiles(
    t,
    { 'big.bin': bytes },
    { faults: { cutAfterBytes: 1024 * 1024 } },
  );
  const dbx = client(emu);
  const listed = (await dbx.filesListFolder({ path: '' })).result.entries[0];
  assert.ok(listed?.['.tag'] === 'file');
  await dbx.auth.checkAndRefreshAccessToken();
  const token = dbx.auth.getAccessToken();

  const parts: Buffer[] = [];
  let received = 0;
  let requests = 0;
  while (received < size && requests < 20) {
    requests += 1;
    const res = await fetch(`${emu.url}/2/files/download`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Dropbox-API-Arg': JSON.stringify({ path: listed.id }),
        ...(received > 0 ? { Range: `bytes=${received}-` } : {}),
      },
    });
    assert.equal(res.status, received > 0 ? 206 : 200);
    if (received > 0)
      assert.equal(res.headers.get('content-range'), `bytes ${received}-${size - 1}/${size}`);
    const result = JSON.parse(res.headers.get('dropbox-api-result') ?? '{}') as { rev?: string };
    assert.equal(result.rev, listed.rev);
    const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
    assert.ok(reader);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(Buffer.from(value));
        received += value.length;
      }
    } catch {
      // the emulator cut the connection: carry on from `received`
    }
  }
  const whole = Buffer.concat(parts);
  assert.equal(requests, 6);
  assert.equal(emu.stats().cuts, 5);
  assert.deepEqual(whole, await readFile(join(root, 'big.bin')));
  assert.equal(referenceContentHash(whole), listed.content_hash);
});

test("the SDK's own downloadFile resumes through cuts with Range and checks the content hash", async (t) => {
  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 13) & 0xff));
  const { emu, root } = await emulatorWithFiles(
    t,
    { 'file.bin': bytes },
    { faults: { cutAfterBytes: 100_000 } },
  );
  const target = join(root, 'downloaded.bin');
  const result = await downloadFile(client(emu), '/file.bin', target, {
    maxAttempts: 10,
    retryDelay: 1,
  });
  assert.equal(result.metadata.content_hash, referenceContentHash(bytes));
  assert.ok(result.resumedFrom >= 0);
  assert.deepEqual(await readFile(target), bytes);
  assert.ok(emu.stats().cuts >= 1);
});
