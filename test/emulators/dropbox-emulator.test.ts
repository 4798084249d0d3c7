import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startDropboxEmulator,
  type DropboxEmulator,
  type DropboxEmulatorOptions,
} from './dropbox/index.ts';
import { referenceContentHash } from '../support/reference-hash.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function newRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dbx-emu-'));
  dirs.push(dir);
  return dir;
}

interface Started {
  emu: DropboxEmulator;
  root: string;
  token: string;
}

async function start(
  t: { after: (fn: () => Promise<void>) => void },
  files: Record<string, string | Buffer> = {},
  options: Partial<DropboxEmulatorOptions> = {},
): Promise<Started> {
  const root = await newRoot();
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  const emu = await startDropboxEmulator({ root, warn: () => undefined, ...options });
  t.after(() => emu.close());
  return { emu, root, token: await refresh(emu) };
}

async function refresh(emu: DropboxEmulator): Promise<string> {
  const res = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: 'test-refresh-token',
    client_id: 'test-app-key',
    client_secret: 'test-app-secret',
  });
  assert.equal(res.status, 200);
  return (res.json as { access_token: string }).access_token;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function tokenCall(
  emu: DropboxEmulator,
  query: Record<string, string>,
  init: RequestInit = {},
): Promise<Reply> {
  const url = `${emu.url}/oauth2/token?${new URLSearchParams(query).toString()}`;
  return reply(await fetch(url, { method: 'POST', ...init }));
}

async function rpc(
  emu: DropboxEmulator,
  token: string,
  route: string,
  body: unknown,
): Promise<Reply> {
  const res = await fetch(`${emu.url}/2/${route}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return reply(res);
}

type Entry = Record<string, unknown> & { '.tag': string; path_lower: string; name: string };
interface Listing {
  entries: Entry[];
  cursor: string;
  has_more: boolean;
}

async function list(
  emu: DropboxEmulator,
  token: string,
  args: Record<string, unknown>,
): Promise<Listing> {
  const res = await rpc(emu, token, 'files/list_folder', args);
  assert.equal(res.status, 200, res.text);
  return res.json as Listing;
}

async function next(emu: DropboxEmulator, token: string, cursor: string): Promise<Listing> {
  const res = await rpc(emu, token, 'files/list_folder/continue', { cursor });
  assert.equal(res.status, 200, res.text);
  return res.json as Listing;
}

/** All pages of a listing or delta. */
async function drain(
  emu: DropboxEmulator,
  token: string,
  first: Listing,
): Promise<{ entries: Entry[]; cursor: string; pages: number }> {
  const entries = [...first.entries];
  let page = first;
  let pages = 1;
  while (page.has_more) {
    page = await next(emu, token, page.cursor);
    entries.push(...page.entries);
    pages += 1;
  }
  return { entries, cursor: page.cursor, pages };
}

function headerArg(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

async function download(
  emu: DropboxEmulator,
  token: string,
  arg: unknown,
  headers: Record<string, string> = {},
  route = 'files/download',
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${emu.url}/2/${route}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Dropbox-API-Arg': headerArg(arg), ...headers },
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('refresh-token grants: with secret (query, form body, Basic), PKCE without secret, and their errors', async (t) => {
  const { emu } = await start(t);
  const withSecret = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: 'test-refresh-token',
    client_id: 'test-app-key',
    client_secret: 'test-app-secret',
  });
  assert.equal(withSecret.status, 200);
  const body = withSecret.json as Record<string, unknown>;
  assert.equal(body.token_type, 'bearer');
  assert.equal(body.expires_in, 14400);
  assert.match(String(body.access_token), /^sl\.[A-Za-z0-9_-]{40,}$/);

  const form = await reply(
    await fetch(`${emu.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from('test-app-key:test-app-secret').toString('base64')}`,
      },
      body: 'grant_type=refresh_token&refresh_token=test-refresh-token',
    }),
  );
  assert.equal(form.status, 200, form.text);
  assert.notEqual((form.json as { access_token: string }).access_token, body.access_token);

  const pkce = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: 'test-pkce-refresh-token',
    client_id: 'test-app-key',
  });
  assert.equal(pkce.status, 200, pkce.text);
  const account = await rpc(
    emu,
    (pkce.json as { access_token: string }).access_token,
    'users/get_current_account',
    null,
  );
  assert.equal(account.status, 200);

  const noSecret = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: 'test-refresh-token',
    client_id: 'test-app-key',
  });
  assert.equal(noSecret.status, 400);
  assert.equal((noSecret.json as { error: string }).error, 'invalid_request');

  const badToken = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: 'nope',
    client_id: 'test-app-key',
    client_secret: 'test-app-secret',
  });
  assert.equal(badToken.status, 400);
  assert.equal((badToken.json as { error: string }).error, 'invalid_grant');
  assert.equal(
    typeof (badToken.json as { error_description: unknown }).error_description,
    'string',
  );

  const wrongSecret = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: 'test-refresh-token',
    client_id: 'test-app-key',
    client_secret: 'wrong',
  });
  assert.equal(wrongSecret.status, 400);
  assert.equal((wrongSecret.json as { error: string }).error, 'invalid_client');

  const unknownClient = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: 'test-refresh-token',
    client_id: 'other-app',
    client_secret: 'test-app-secret',
  });
  assert.equal(unknownClient.status, 400);
  assert.equal((unknownClient.json as { error: string }).error, 'invalid_client');
  assert.equal(emu.stats().tokenRefreshes, 4); // one by start()
});

test('authorization code: PKCE S256 with redirect and state, single use, offline refresh token; secret flow without redirect', async (t) => {
  const { emu } = await start(t);
  const verifier = 'v'.repeat(64);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = new URL(`${emu.url}/oauth2/authorize`);
  const query = {
    client_id: 'test-app-key',
    response_type: 'code',
    redirect_uri: 'http://localhost:53682/cb',
    state: 'xyz',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    token_access_type: 'offline',
  };
  authorize.search = new URLSearchParams(query).toString();
  const redirect = await fetch(authorize, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  const location = new URL(redirect.headers.get('location') ?? '');
  assert.equal(location.origin + location.pathname, 'http://localhost:53682/cb');
  assert.equal(location.searchParams.get('state'), 'xyz');
  const code = location.searchParams.get('code') ?? '';

  const wrongVerifier = await tokenCall(emu, {
    grant_type: 'authorization_code',
    code,
    client_id: 'test-app-key',
    code_verifier: 'w'.repeat(64),
    redirect_uri: query.redirect_uri,
  });
  assert.equal(wrongVerifier.status, 400);
  assert.equal((wrongVerifier.json as { error: string }).error, 'invalid_grant');
  const wrongRedirect = await tokenCall(emu, {
    grant_type: 'authorization_code',
    code,
    client_id: 'test-app-key',
    code_verifier: verifier,
    redirect_uri: 'http://localhost/other',
  });
  assert.equal((wrongRedirect.json as { error: string }).error, 'invalid_grant');

  const granted = await tokenCall(emu, {
    grant_type: 'authorization_code',
    code,
    client_id: 'test-app-key',
    code_verifier: verifier,
    redirect_uri: query.redirect_uri,
  });
  assert.equal(granted.status, 200, granted.text);
  const grant = granted.json as Record<string, string>;
  assert.equal(grant.token_type, 'bearer');
  assert.equal(grant.account_id, emu.account.accountId);
  assert.equal(typeof grant.uid, 'string');
  assert.equal(typeof grant.refresh_token, 'string');

  const again = await tokenCall(emu, {
    grant_type: 'authorization_code',
    code,
    client_id: 'test-app-key',
    code_verifier: verifier,
    redirect_uri: query.redirect_uri,
  });
  assert.equal(again.status, 400);
  assert.equal((again.json as { error: string }).error, 'invalid_grant');

  const pkceRefresh = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: grant.refresh_token ?? '',
    client_id: 'test-app-key',
  });
  assert.equal(pkceRefresh.status, 200, pkceRefresh.text);

  const page = await fetch(`${emu.url}/oauth2/authorize?client_id=test-app-key&response_type=code`);
  assert.equal(page.status, 200);
  const pageCode = /<code id="code">([^<]+)<\/code>/.exec(await page.text())?.[1] ?? '';
  const noSecret = await tokenCall(emu, {
    grant_type: 'authorization_code',
    code: pageCode,
    client_id: 'test-app-key',
  });
  assert.equal((noSecret.json as { error: string }).error, 'invalid_request');
  const online = await tokenCall(emu, {
    grant_type: 'authorization_code',
    code: pageCode,
    client_id: 'test-app-key',
    client_secret: 'test-app-secret',
  });
  assert.equal(online.status, 200, online.text);
  assert.equal((online.json as Record<string, unknown>).refresh_token, undefined);

  const badClient = await fetch(`${emu.url}/oauth2/authorize?client_id=nope&response_type=code`);
  assert.equal(badClient.status, 400);
});

test("authorization code: the token gets the app's scopes, or the subset `scope` asks for; more is refused", async (t) => {
  const { emu } = await start(
    t,
    {},
    {
      appScopes: [
        'account_info.read',
        'files.metadata.read',
        'files.content.read',
        'files.content.write',
      ],
    },
  );
  const grantFor = async (extra: Record<string, string>): Promise<Reply> => {
    const query = new URLSearchParams({
      client_id: 'test-app-key',
      response_type: 'code',
      ...extra,
    });
    const page = await fetch(`${emu.url}/oauth2/authorize?${query.toString()}`);
    const code = /<code id="code">([^<]+)<\/code>/.exec(await page.text())?.[1] ?? '';
    return tokenCall(emu, {
      grant_type: 'authorization_code',
      code,
      client_id: 'test-app-key',
      client_secret: 'test-app-secret',
    });
  };
  const all = await grantFor({});
  assert.equal(all.status, 200, all.text);
  assert.equal(
    (all.json as { scope: string }).scope,
    'account_info.read files.metadata.read files.content.read files.content.write',
  );
  const some = await grantFor({ scope: 'account_info.read files.content.read' });
  assert.equal((some.json as { scope: string }).scope, 'account_info.read files.content.read');

  const beyond = await fetch(
    `${emu.url}/oauth2/authorize?client_id=test-app-key&response_type=code&scope=${encodeURIComponent('files.metadata.read sharing.write')}`,
  );
  assert.equal(beyond.status, 400);
  assert.match(await beyond.text(), /sharing\.write is not enabled on the app's Permissions tab/);
});

test('access tokens: expiry gives 401 expired_access_token, unknown token 401 invalid_access_token, none gives 400 text', async (t) => {
  const { emu, token } = await start(t, { 'a.txt': 'x' }, { tokenTtlSeconds: 1 });
  assert.equal((await rpc(emu, token, 'users/get_current_account', null)).status, 200);
  await sleep(1100);
  const expired = await rpc(emu, token, 'users/get_current_account', null);
  assert.equal(expired.status, 401);
  assert.match(expired.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual((expired.json as { error: unknown }).error, { '.tag': 'expired_access_token' });
  assert.match(
    (expired.json as { error_summary: string }).error_summary,
    /^expired_access_token\//,
  );

  const unknown = await rpc(emu, 'sl.not-a-token', 'users/get_current_account', null);
  assert.equal(unknown.status, 401);
  assert.deepEqual((unknown.json as { error: unknown }).error, { '.tag': 'invalid_access_token' });

  const none = await reply(
    await fetch(`${emu.url}/2/files/list_folder`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"path":""}',
    }),
  );
  assert.equal(none.status, 400);
  assert.match(none.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(none.text, /^Error in call to API function "files\/list_folder": .*"Authorization"/);
  assert.equal(emu.stats().unauthorized, 2);
});

test('users/get_current_account accepts no body or null and describes the account', async (t) => {
  const { emu, token } = await start(t);
  const empty = await reply(
    await fetch(`${emu.url}/2/users/get_current_account`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    }),
  );
  assert.equal(empty.status, 200, empty.text);
  const account = empty.json as Record<string, unknown>;
  assert.match(String(account.account_id), /^dbid:/);
  assert.equal((account.name as Record<string, unknown>).display_name, 'Emulated User');
  assert.deepEqual(account.root_info, {
    '.tag': 'user',
    root_namespace_id: '3235641',
    home_namespace_id: '3235641',
  });
  assert.equal((await rpc(emu, token, 'users/get_current_account', null)).status, 200);
  const notNull = await rpc(emu, token, 'users/get_current_account', { path: '' });
  assert.equal(notNull.status, 400);
});

test('list_folder pages by limit (25 files, limit 10: 3 pages, every entry once) and rejects bad arguments with 400 text', async (t) => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 25; i++) files[`many/f${String(i).padStart(2, '0')}.txt`] = `file ${i}`;
  const { emu, token } = await start(t, files);
  const first = await list(emu, token, { path: '/many', limit: 10 });
  assert.equal(first.entries.length, 10);
  assert.equal(first.has_more, true);
  const all = await drain(emu, token, first);
  assert.equal(all.pages, 3);
  const names = all.entries.map((e) => e.name).sort();
  assert.deepEqual(
    names,
    Object.keys(files)
      .map((p) => p.slice(5))
      .sort(),
  );

  for (const [args, pattern] of [
    [{ path: '', limit: 0 }, /limit/],
    [{ path: '', limit: 2001 }, /limit/],
    [{ path: '/' }, /empty string/],
    [{ path: 'relative' }, /did not match pattern/],
    [{ path: '', recursive: 'yes' }, /recursive/],
    [{ path: '', bogus: true }, /bogus/],
    [{}, /path/],
  ] as const) {
    const res = await rpc(emu, token, 'files/list_folder', args);
    assert.equal(res.status, 400, JSON.stringify(args));
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /^Error in call to API function "files\/list_folder": request body: /);
    assert.match(res.text, pattern);
  }
  const notJson = await reply(
    await fetch(`${emu.url}/2/files/list_folder`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{',
    }),
  );
  assert.equal(notJson.status, 400);
  assert.match(notJson.text, /could not decode input as JSON/);
  const wrongType = await reply(
    await fetch(`${emu.url}/2/files/list_folder`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/xml' },
      body: '{"path":""}',
    }),
  );
  assert.equal(wrongType.status, 400);
  assert.match(wrongType.text, /Content-Type/);
  const tolerated = await list(emu, token, {
    path: '',
    include_media_info: false,
    include_mounted_folders: true,
    include_has_explicit_shared_members: false,
    include_non_downloadable_files: true,
  });
  assert.equal(tolerated.entries.length, 1);
});

test('metadata: exact fields of files and folders, recursive order, root never listed, 409 not_found shape', async (t) => {
  const { emu, root, token } = await start(t, {
    'Docs/Report.TXT': 'hello world',
    'Docs/Sub/deep.bin': Buffer.alloc(10, 7),
    'top.md': '',
  });
  const recursive = await list(emu, token, { path: '', recursive: true });
  const paths = recursive.entries.map((e) => e.path_lower);
  assert.deepEqual([...paths].sort(), [
    '/docs',
    '/docs/report.txt',
    '/docs/sub',
    '/docs/sub/deep.bin',
    '/top.md',
  ]);
  for (const e of recursive.entries) {
    const parent = e.path_lower.slice(0, e.path_lower.lastIndexOf('/'));
    if (parent !== '')
      assert.ok(
        paths.indexOf(parent) < paths.indexOf(e.path_lower),
        `${parent} before ${e.path_lower}`,
      );
  }
  // A non-root folder's recursive listing starts with the folder itself (the root never appears).
  const docs = await list(emu, token, { path: '/Docs', recursive: true });
  assert.deepEqual(
    docs.entries.map((e) => e.path_lower),
    ['/docs', '/docs/report.txt', '/docs/sub', '/docs/sub/deep.bin'],
  );
  const direct = await list(emu, token, { path: '' });
  assert.deepEqual(direct.entries.map((e) => e.path_lower).sort(), ['/docs', '/top.md']);

  const file = recursive.entries.find((e) => e.path_lower === '/docs/report.txt');
  assert.ok(file);
  assert.deepEqual(
    Object.keys(file).sort(),
    [
      '.tag',
      'client_modified',
      'content_hash',
      'id',
      'is_downloadable',
      'name',
      'path_display',
      'path_lower',
      'rev',
      'server_modified',
      'size',
    ].sort(),
  );
  assert.equal(file['.tag'], 'file');
  assert.equal(file.name, 'Report.TXT');
  assert.equal(file.path_display, '/Docs/Report.TXT');
  assert.match(String(file.id), /^id:[A-Za-z0-9_-]{22}$/);
  assert.match(String(file.rev), /^[0-9a-f]{9,}$/);
  assert.match(String(file.server_modified), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(String(file.client_modified), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(file.size, 11);
  assert.equal(file.is_downloadable, true);
  assert.equal(file.content_hash, referenceContentHash(Buffer.from('hello world')));
  const empty = recursive.entries.find((e) => e.path_lower === '/top.md');
  assert.equal(empty?.content_hash, createHash('sha256').digest('hex'));
  const folder = recursive.entries.find((e) => e.path_lower === '/docs');
  assert.deepEqual(Object.keys(folder ?? {}).sort(), [
    '.tag',
    'id',
    'name',
    'path_display',
    'path_lower',
  ]);

  const byPath = await rpc(emu, token, 'files/get_metadata', { path: '/DOCS/report.txt' });
  assert.deepEqual(byPath.json, file);
  const byId = await rpc(emu, token, 'files/get_metadata', { path: file.id });
  assert.deepEqual(byId.json, file);

  const missing = await rpc(emu, token, 'files/get_metadata', { path: '/nope.txt' });
  assert.equal(missing.status, 409);
  assert.deepEqual((missing.json as { error: unknown }).error, {
    '.tag': 'path',
    path: { '.tag': 'not_found' },
  });
  assert.match((missing.json as { error_summary: string }).error_summary, /^path\/not_found\//);
  const listMissing = await rpc(emu, token, 'files/list_folder', { path: '/nope' });
  assert.equal(listMissing.status, 409);
  assert.deepEqual((listMissing.json as { error: unknown }).error, {
    '.tag': 'path',
    path: { '.tag': 'not_found' },
  });
  const listFile = await rpc(emu, token, 'files/list_folder', { path: '/top.md' });
  assert.deepEqual((listFile.json as { error: unknown }).error, {
    '.tag': 'path',
    path: { '.tag': 'not_folder' },
  });

  await rm(join(root, 'top.md'));
  const deleted = await rpc(emu, token, 'files/get_metadata', {
    path: '/top.md',
    include_deleted: true,
  });
  assert.deepEqual(deleted.json, {
    '.tag': 'deleted',
    name: 'top.md',
    path_lower: '/top.md',
    path_display: '/top.md',
  });
});

test('id survives a rename; rev changes with content and not on reads; hashes are cached across rescans', async (t) => {
  const { emu, root, token } = await start(t, { 'a/one.txt': 'first' });
  const before = (await rpc(emu, token, 'files/get_metadata', { path: '/a/one.txt' }))
    .json as Entry;
  await list(emu, token, { path: '', recursive: true });
  await list(emu, token, { path: '', recursive: true });
  const reread = (await rpc(emu, token, 'files/get_metadata', { path: '/a/one.txt' }))
    .json as Entry;
  assert.equal(reread.rev, before.rev);
  await download(emu, token, { path: '/a/one.txt' });
  assert.equal(
    ((await rpc(emu, token, 'files/get_metadata', { path: '/a/one.txt' })).json as Entry).rev,
    before.rev,
  );
  assert.equal(emu.stats().filesHashed, 1);

  await mkdir(join(root, 'b'));
  await rename(join(root, 'a/one.txt'), join(root, 'b/moved.txt'));
  const moved = (await rpc(emu, token, 'files/get_metadata', { path: '/b/moved.txt' }))
    .json as Entry;
  assert.equal(moved.id, before.id);
  assert.equal(moved.content_hash, before.content_hash);

  await appendFile(join(root, 'b/moved.txt'), ' and more');
  const changed = (await rpc(emu, token, 'files/get_metadata', { path: before.id })).json as Entry;
  assert.notEqual(changed.rev, moved.rev);
  assert.equal(changed.content_hash, referenceContentHash(Buffer.from('first and more')));
  assert.equal(changed.path_lower, '/b/moved.txt');
});

test('delta: continue on a finished cursor returns exactly the adds, changes, deletes, renames and one entry per deleted folder', async (t) => {
  const { emu, root, token } = await start(t, {
    'keep.txt': 'keep',
    'edit.txt': 'v1',
    'gone.txt': 'bye',
    'old-name.txt': 'rename me',
    'dir/x.txt': 'x',
    'dir/sub/y.txt': 'y',
  });
  const initial = await drain(emu, token, await list(emu, token, { path: '', recursive: true }));
  const renamedId = initial.entries.find((e) => e.path_lower === '/old-name.txt')?.id;
  assert.equal((await next(emu, token, initial.cursor)).entries.length, 0);

  await writeFile(join(root, 'new.txt'), 'new');
  await writeFile(join(root, 'edit.txt'), 'v2 longer');
  await rm(join(root, 'gone.txt'));
  await rename(join(root, 'old-name.txt'), join(root, 'New-Name.txt'));
  await rm(join(root, 'dir'), { recursive: true });

  const delta = await next(emu, token, initial.cursor);
  assert.equal(delta.has_more, false);
  const summary = delta.entries.map((e) => `${e['.tag']} ${e.path_lower}`).sort();
  assert.deepEqual(summary, [
    'deleted /dir',
    'deleted /gone.txt',
    'deleted /old-name.txt',
    'file /edit.txt',
    'file /new-name.txt',
    'file /new.txt',
  ]);
  const renamed = delta.entries.find((e) => e.path_lower === '/new-name.txt');
  assert.equal(renamed?.id, renamedId);
  assert.equal(renamed?.path_display, '/New-Name.txt');
  const edited = delta.entries.find((e) => e.path_lower === '/edit.txt');
  assert.equal(edited?.content_hash, referenceContentHash(Buffer.from('v2 longer')));
  for (const e of delta.entries.filter((d) => d['.tag'] === 'deleted')) {
    assert.deepEqual(Object.keys(e).sort(), ['.tag', 'name', 'path_display', 'path_lower']);
  }
  assert.equal((await next(emu, token, delta.cursor)).entries.length, 0);

  // The old cursor stays valid and still sees everything since it was made.
  assert.equal((await next(emu, token, initial.cursor)).entries.length, 6);

  // Scoped, non-recursive cursors see only their own folder's direct children.
  await mkdir(join(root, 'scoped/inner'), { recursive: true });
  const latest = (await rpc(emu, token, 'files/list_folder/get_latest_cursor', { path: '/scoped' }))
    .json as { cursor: string };
  await writeFile(join(root, 'scoped/a.txt'), 'a');
  await writeFile(join(root, 'scoped/inner/b.txt'), 'b');
  await writeFile(join(root, 'outside.txt'), 'o');
  const scoped = await next(emu, token, latest.cursor);
  assert.deepEqual(
    scoped.entries.map((e) => e.path_lower),
    ['/scoped/a.txt'],
  );
});

test('delta pages by the cursor limit; reset after invalidateCursors; undecodable cursor is a 400', async (t) => {
  const { emu, root, token } = await start(t, { 'seed.txt': 's' });
  const listing = await list(emu, token, { path: '', limit: 10 });
  for (let i = 0; i < 15; i++) await writeFile(join(root, `n${i}.txt`), String(i));
  const first = await next(emu, token, listing.cursor);
  assert.equal(first.entries.length, 10);
  assert.equal(first.has_more, true);
  const rest = await drain(emu, token, first);
  assert.equal(rest.entries.length, 15);
  assert.equal(new Set(rest.entries.map((e) => e.path_lower)).size, 15);

  emu.invalidateCursors();
  const reset = await rpc(emu, token, 'files/list_folder/continue', { cursor: rest.cursor });
  assert.equal(reset.status, 409);
  assert.deepEqual(reset.json, { error_summary: 'reset/..', error: { '.tag': 'reset' } });
  const garbage = await rpc(emu, token, 'files/list_folder/continue', { cursor: 'not a cursor' });
  assert.equal(garbage.status, 400);
  assert.match(garbage.text, /^Error in call to API function "files\/list_folder\/continue"/);
});

test('initial listing is a consistent snapshot while it is paged', async (t) => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 6; i++) files[`s${i}.txt`] = 'x';
  const { emu, root, token } = await start(t, files);
  const first = await list(emu, token, { path: '', limit: 3 });
  await writeFile(join(root, 'late.txt'), 'late');
  const all = await drain(emu, token, first);
  assert.equal(all.entries.length, 6);
  const delta = await next(emu, token, all.cursor);
  assert.deepEqual(
    delta.entries.map((e) => e.path_lower),
    ['/late.txt'],
  );
});

test('download: whole file with headers, Range 206, open range, 416, ?arg= GET form with authorization param, folder and missing errors', async (t) => {
  const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  const { emu, token } = await start(t, { 'data/blob.bin': bytes, 'data/dir/x': 'x' });
  const whole = await download(emu, token, { path: '/data/blob.bin' });
  assert.equal(whole.status, 200);
  assert.deepEqual(whole.body, bytes);
  assert.equal(whole.headers.get('content-type'), 'application/octet-stream');
  assert.equal(whole.headers.get('content-length'), '5000');
  const result = JSON.parse(whole.headers.get('dropbox-api-result') ?? '') as Entry;
  const meta = (await rpc(emu, token, 'files/get_metadata', { path: '/data/blob.bin' })).json;
  assert.deepEqual(result, meta);

  const part = await download(emu, token, { path: '/data/blob.bin' }, { Range: 'bytes=100-199' });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), 'bytes 100-199/5000');
  assert.deepEqual(part.body, bytes.subarray(100, 200));
  const tail = await download(emu, token, { path: '/data/blob.bin' }, { Range: 'bytes=4990-' });
  assert.equal(tail.status, 206);
  assert.deepEqual(tail.body, bytes.subarray(4990));
  const beyond = await download(emu, token, { path: '/data/blob.bin' }, { Range: 'bytes=5000-' });
  assert.equal(beyond.status, 416);

  const byRev = await download(emu, token, { path: `rev:${String(result.rev)}` });
  assert.deepEqual(byRev.body, bytes);
  const wrongRev = await download(emu, token, { path: '/data/blob.bin', rev: 'abcdef0123' });
  assert.equal(wrongRev.status, 409);

  const query = new URLSearchParams({
    arg: JSON.stringify({ path: '/data/blob.bin' }),
    authorization: `Bearer ${token}`,
  });
  const get = await fetch(`${emu.url}/2/files/download?${query.toString()}`);
  assert.equal(get.status, 200);
  assert.deepEqual(Buffer.from(await get.arrayBuffer()), bytes);

  const folder = await download(emu, token, { path: '/data/dir' });
  assert.equal(folder.status, 409);
  assert.deepEqual(JSON.parse(folder.body.toString()), {
    error_summary: 'path/not_file/..',
    error: { '.tag': 'path', path: { '.tag': 'not_file' } },
  });
  const missing = await download(emu, token, { path: '/data/none' });
  assert.deepEqual((JSON.parse(missing.body.toString()) as { error: unknown }).error, {
    '.tag': 'path',
    path: { '.tag': 'not_found' },
  });
  const noArg = await reply(
    await fetch(`${emu.url}/2/files/download`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    }),
  );
  assert.equal(noArg.status, 400);
  assert.match(noArg.text, /Dropbox-API-Arg/);
});

test('non-ASCII names: \\uXXXX-escaped Dropbox-API-Arg works, raw bytes are a 400, Dropbox-API-Result is ASCII', async (t) => {
  const name = 'Ünïcødé 日本 😀.txt';
  const { emu, token } = await start(t, { [`Ärger/${name}`]: 'unicode' });
  const ok = await download(emu, token, { path: `/Ärger/${name}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.toString(), 'unicode');
  const header = ok.headers.get('dropbox-api-result') ?? '';
  assert.match(header, /^[\x20-\x7e]+$/);
  assert.equal((JSON.parse(header) as Entry).name, name);
  assert.equal((JSON.parse(header) as Entry).path_display, `/Ärger/${name}`);

  const raw = await fetch(`${emu.url}/2/files/download`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Dropbox-API-Arg': '{"path":"/\u00c4rger"}' },
  });
  assert.equal(raw.status, 400);
  assert.match(await raw.text(), /could not decode input as JSON/);
});

test('Paper docs: not downloadable (409 unsupported_file), exported with export_info formats, a matching export_hash and their own size', async (t) => {
  const doc = '# Notes\n\nSome *markdown*.\n';
  const { emu, token } = await start(t, {
    'Notes.paper': doc,
    'Plan.gsheet': 'sheet',
    'plain.txt': 'p',
  });
  const meta = (await rpc(emu, token, 'files/get_metadata', { path: '/Notes.paper' }))
    .json as Entry;
  assert.equal(meta.is_downloadable, false);
  assert.deepEqual(meta.export_info, {
    export_as: 'markdown',
    export_options: ['markdown', 'html', 'plain_text'],
  });
  const sheet = (await rpc(emu, token, 'files/get_metadata', { path: '/Plan.gsheet' }))
    .json as Entry;
  assert.deepEqual(sheet.export_info, { export_as: 'xlsx', export_options: ['xlsx'] });

  const blocked = await download(emu, token, { path: '/Notes.paper' });
  assert.equal(blocked.status, 409);
  assert.deepEqual(JSON.parse(blocked.body.toString()), {
    error_summary: 'unsupported_file/..',
    error: { '.tag': 'unsupported_file' },
  });

  const exported = await download(emu, token, { path: '/Notes.paper' }, {}, 'files/export');
  assert.equal(exported.status, 200);
  // An export renders the document: neither the listed size nor content_hash describes it.
  assert.equal(exported.body.toString(), `[exported as markdown]\n${doc}`);
  assert.notEqual(meta.size, exported.body.length);
  const result = JSON.parse(exported.headers.get('dropbox-api-result') ?? '') as {
    export_metadata: Record<string, unknown>;
    file_metadata: Entry;
  };
  assert.equal(result.export_metadata.name, 'Notes.md');
  assert.equal(result.export_metadata.size, exported.body.length);
  assert.equal(result.export_metadata.export_hash, referenceContentHash(exported.body));
  assert.equal(typeof result.export_metadata.paper_revision, 'number');
  assert.deepEqual(result.file_metadata, meta);

  const html = await download(
    emu,
    token,
    { path: '/Notes.paper', export_format: 'html' },
    {},
    'files/export',
  );
  assert.equal(html.status, 200);
  assert.notDeepEqual(html.body, exported.body);
  const htmlResult = JSON.parse(html.headers.get('dropbox-api-result') ?? '') as {
    export_metadata: Record<string, unknown>;
  };
  assert.equal(htmlResult.export_metadata.name, 'Notes.html');
  assert.equal(htmlResult.export_metadata.export_hash, referenceContentHash(html.body));

  const badFormat = await download(
    emu,
    token,
    { path: '/Notes.paper', export_format: 'pdf' },
    {},
    'files/export',
  );
  assert.deepEqual((JSON.parse(badFormat.body.toString()) as { error: unknown }).error, {
    '.tag': 'invalid_export_format',
  });
  const notExportable = await download(emu, token, { path: '/plain.txt' }, {}, 'files/export');
  assert.equal(notExportable.status, 409);
  assert.deepEqual((JSON.parse(notExportable.body.toString()) as { error: unknown }).error, {
    '.tag': 'non_exportable',
  });

  // corruptExports (set over HTTP): one byte flipped, the header still naming the right bytes.
  const set = await fetch(`${emu.url}/__faults`, {
    method: 'POST',
    body: JSON.stringify({ corruptExports: true }),
  });
  assert.equal(set.status, 200);
  const damaged = await download(emu, token, { path: '/Notes.paper' }, {}, 'files/export');
  assert.equal(damaged.body.length, exported.body.length);
  assert.notDeepEqual(damaged.body, exported.body);
  assert.equal(
    damaged.headers.get('dropbox-api-result'),
    exported.headers.get('dropbox-api-result'),
  );
  assert.equal((await download(emu, token, { path: '/plain.txt' })).body.toString(), 'p');
  emu.setFaults({ corruptExports: false });

  const hidden = await list(emu, token, { path: '', include_non_downloadable_files: false });
  assert.deepEqual(
    hidden.entries.map((e) => e.path_lower),
    ['/plain.txt'],
  );
});

test('rate limit is per account: two tokens share one bucket, 429 carries Retry-After and the RateLimitError body', async (t) => {
  const { emu, token } = await start(
    t,
    {},
    { faults: { rateLimitPerSecond: 0.01, rateLimitBurst: 2 } },
  );
  const other = await refresh(emu);
  assert.notEqual(other, token);
  assert.equal((await rpc(emu, token, 'users/get_current_account', null)).status, 200);
  assert.equal((await rpc(emu, token, 'users/get_current_account', null)).status, 200);
  const limited = await rpc(emu, other, 'files/list_folder', { path: '' });
  assert.equal(limited.status, 429);
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1);
  assert.deepEqual(limited.json, {
    error_summary: 'too_many_requests/..',
    error: { reason: { '.tag': 'too_many_requests' }, retry_after: retryAfter },
  });
  assert.equal(emu.stats().rateLimited, 1);
  emu.setFaults({ rateLimitPerSecond: 0 });
  assert.equal((await rpc(emu, other, 'files/list_folder', { path: '' })).status, 200);
});

test('random faults: 500s and 429s at the configured rate, switched at runtime over HTTP', async (t) => {
  const { emu, token } = await start(t, {}, { faults: { random500Rate: 1 } });
  const failed = await rpc(emu, token, 'users/get_current_account', null);
  assert.equal(failed.status, 500);
  const set = await fetch(`${emu.url}/__faults`, {
    method: 'POST',
    body: JSON.stringify({ random500Rate: 0, random429Rate: 1, retryAfterSeconds: 7 }),
  });
  assert.equal(set.status, 200);
  const limited = await rpc(emu, token, 'users/get_current_account', null);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  await fetch(`${emu.url}/__faults`, {
    method: 'POST',
    body: JSON.stringify({ random429Rate: 0 }),
  });
  assert.equal((await rpc(emu, token, 'users/get_current_account', null)).status, 200);
  const bad = await fetch(`${emu.url}/__faults`, {
    method: 'POST',
    body: JSON.stringify({ nonsense: 1 }),
  });
  assert.equal(bad.status, 400);
  const stats = (await (await fetch(`${emu.url}/__stats`)).json()) as {
    serverErrors: number;
    rateLimited: number;
  };
  assert.equal(stats.serverErrors, 1);
  assert.equal(stats.rateLimited, 1);
});

test('downloads are cut mid-body after N bytes; Range resumes until the bytes are whole', async (t) => {
  const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256));
  const { emu, token } = await start(t, { 'big.bin': bytes }, { faults: { cutAfterBytes: 3000 } });
  const res = await fetch(`${emu.url}/2/files/download`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Dropbox-API-Arg': '{"path":"/big.bin"}' },
  });
  assert.equal(res.status, 200);
  await assert.rejects(res.arrayBuffer());
  const got: Buffer[] = [];
  let have = 0;
  for (let attempt = 0; attempt < 10 && have < bytes.length; attempt++) {
    const part = await fetch(`${emu.url}/2/files/download`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Dropbox-API-Arg': '{"path":"/big.bin"}',
        Range: `bytes=${have}-`,
      },
    });
    assert.equal(part.status, 206);
    const reader = (part.body as ReadableStream<Uint8Array> | null)?.getReader();
    assert.ok(reader);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        got.push(Buffer.from(value));
        have += value.length;
      }
    } catch {
      // cut: resume from what arrived
    }
  }
  assert.deepEqual(Buffer.concat(got), bytes);
  const stats = emu.stats();
  assert.equal(stats.cuts, 4);
  assert.equal(stats.bytesServed, 3000 + 10_000);
});

test('recursive list_folder fails with 500 above the threshold while non-recursive and small subtrees still list', async (t) => {
  const { emu, token } = await start(
    t,
    { 'a/1.txt': '1', 'a/2.txt': '2', 'b/3.txt': '3', 'b/4.txt': '4', 'small/5.txt': '5' },
    { faults: { recursiveListMaxEntries: 4 } },
  );
  const big = await rpc(emu, token, 'files/list_folder', { path: '', recursive: true });
  assert.equal(big.status, 500);
  assert.equal((await list(emu, token, { path: '' })).entries.length, 3);
  assert.equal((await list(emu, token, { path: '/small', recursive: true })).entries.length, 2);
  assert.equal(emu.stats().serverErrors, 1);
});

test('stats count requests per route, bytes, refreshes, scans; resetStats clears them', async (t) => {
  const { emu, token } = await start(t, { 'f.txt': 'abcdef' });
  emu.resetStats();
  await list(emu, token, { path: '' });
  await download(emu, token, { path: '/f.txt' });
  await download(emu, token, { path: '/f.txt' }, { Range: 'bytes=2-3' });
  await refresh(emu);
  const stats = emu.stats();
  assert.deepEqual(stats.requests, {
    'files/list_folder': 1,
    'files/download': 2,
    'oauth2/token': 1,
  });
  assert.equal(stats.totalRequests, 4);
  assert.equal(stats.bytesServed, 8);
  assert.equal(stats.tokenRefreshes, 1);
  assert.equal(stats.scans, 1);
  emu.resetStats();
  assert.equal(emu.stats().totalRequests, 0);
});

test("displayCase 'lower-parents' keeps only the last component's case in path_display", async (t) => {
  const { emu, token } = await start(
    t,
    { 'Photos/Summer/Beach.JPG': 'jpg' },
    { displayCase: 'lower-parents' },
  );
  const all = await list(emu, token, { path: '', recursive: true });
  const display = Object.fromEntries(all.entries.map((e) => [e.path_lower, e.path_display]));
  assert.deepEqual(display, {
    '/photos': '/Photos',
    '/photos/summer': '/photos/Summer',
    '/photos/summer/beach.jpg': '/photos/summer/Beach.JPG',
  });
});

test('symlinks, names that are not UTF-8 and case twins are handled as Dropbox would hold them', async (t) => {
  const root = await newRoot();
  await writeFile(join(root, 'real.txt'), 'r');
  await symlink(join(root, 'real.txt'), join(root, 'link.txt'));
  await writeFile(
    Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]),
    'b',
  );
  await writeFile(join(root, 'Twin.txt'), 'upper');
  await writeFile(join(root, 'twin.txt'), 'lower');
  const warnings: string[] = [];
  const emu = await startDropboxEmulator({ root, warn: (m) => warnings.push(m) });
  t.after(() => emu.close());
  const token = await refresh(emu);
  const entries = (await list(emu, token, { path: '' })).entries;
  assert.deepEqual(entries.map((e) => e.path_display).sort(), ['/Twin.txt', '/real.txt']);
  assert.equal((await download(emu, token, { path: '/TWIN.txt' })).body.toString(), 'upper');
  assert.ok(warnings.some((w) => w.includes('case twins') && w.includes('twin.txt')));
  assert.ok(warnings.some((w) => w.includes('UTF-8')));
});
