/**
 * Team spaces through the real `dropbox` SDK (its `pathRoot` option sets `Dropbox-API-Path-Root`):
 * what `users/get_current_account` says and how the header changes what every route sees, as the
 * contract in test/emulators/dropbox/path-root.ts describes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dropbox, DropboxAuth } from 'dropbox';
import { emulatorFetch, type DropboxEmulator } from '../emulators/dropbox/index.ts';
import { emulatorWithFiles, sdkFailure } from '../support/dropbox-contract.ts';

function client(emu: DropboxEmulator, pathRoot?: unknown): Dropbox {
  const fetch = emulatorFetch(emu.url);
  const auth = new DropboxAuth({
    clientId: emu.appKey,
    clientSecret: emu.appSecret,
    refreshToken: 'test-refresh-token',
    fetch,
  });
  return new Dropbox({
    auth,
    fetch,
    ...(pathRoot === undefined ? {} : { pathRoot: JSON.stringify(pathRoot) }),
  });
}

async function paths(dbx: Dropbox): Promise<string[]> {
  const listed = await dbx.filesListFolder({ path: '', recursive: true });
  return listed.result.entries.map((e) => e.path_display ?? '').sort();
}

const TEAM = {
  'Alice/notes.txt': 'alice',
  'Team Projects/plan.txt': 'plan',
  'Bob/secret.txt': 'bob',
};

test('a team member: root_info is team, the home is the default root, the team root needs the header', async (t) => {
  const { emu } = await emulatorWithFiles(t, TEAM, { teamHome: 'Alice' });
  const account = await client(emu).usersGetCurrentAccount();
  const info = account.result.root_info;
  assert.equal(info['.tag'], 'team');
  assert.equal(info.root_namespace_id, emu.account.rootNamespaceId);
  assert.equal(info.home_namespace_id, emu.account.homeNamespaceId);
  assert.notEqual(info.root_namespace_id, info.home_namespace_id);
  assert.equal((info as { home_path?: string }).home_path, '/Alice');
  assert.equal(account.result.account_type['.tag'], 'business');

  assert.deepEqual(await paths(client(emu)), ['/notes.txt']);
  assert.deepEqual(await paths(client(emu, { '.tag': 'home' })), ['/notes.txt']);
  const root = { '.tag': 'root', root: info.root_namespace_id };
  assert.deepEqual(await paths(client(emu, root)), [
    '/Alice',
    '/Alice/notes.txt',
    '/Bob',
    '/Bob/secret.txt',
    '/Team Projects',
    '/Team Projects/plan.txt',
  ]);
  const byNamespace = { '.tag': 'namespace_id', namespace_id: info.root_namespace_id };
  assert.equal((await paths(client(emu, byNamespace))).length, 6);

  // get_metadata, download and ids follow the header too.
  const rooted = client(emu, root);
  const plan = await rooted.filesGetMetadata({ path: '/Team Projects/plan.txt' });
  assert.equal(plan.result.path_display, '/Team Projects/plan.txt');
  const home = await client(emu).filesGetMetadata({ path: '/notes.txt' });
  const same = await rooted.filesGetMetadata({ path: '/Alice/notes.txt' });
  assert.equal((same.result as { id: string }).id, (home.result as { id: string }).id);
  const byId = await rooted.filesGetMetadata({ path: (home.result as { id: string }).id });
  assert.equal(byId.result.path_display, '/Alice/notes.txt');
  const rev = (plan.result as { rev: string }).rev;
  const download = await rooted.filesDownload({ path: `rev:${rev}` });
  assert.equal(download.result.path_display, '/Team Projects/plan.txt');
  const outside = await sdkFailure(client(emu).filesDownload({ path: `rev:${rev}` }));
  assert.equal(outside.status, 409);
  assert.match(JSON.stringify(outside.error), /not_found/);
});

test('a wrong root is 422 invalid_root with the current root info; an unknown namespace 422 no_permission', async (t) => {
  const { emu } = await emulatorWithFiles(t, TEAM, { teamHome: 'Alice' });
  const wrong = await sdkFailure(
    client(emu, { '.tag': 'root', root: '12345' }).filesListFolder({ path: '' }),
  );
  assert.equal(wrong.status, 422);
  const body = wrong.error as { error: { '.tag': string; invalid_root: Record<string, unknown> } };
  assert.equal(body.error['.tag'], 'invalid_root');
  assert.equal(body.error.invalid_root['.tag'], 'team');
  assert.equal(body.error.invalid_root.root_namespace_id, emu.account.rootNamespaceId);
  const denied = await sdkFailure(
    client(emu, { '.tag': 'namespace_id', namespace_id: '999' }).filesListFolder({ path: '' }),
  );
  assert.equal(denied.status, 422);
  assert.equal((denied.error as { error: { '.tag': string } }).error['.tag'], 'no_permission');
  const garbled = await sdkFailure(client(emu, { '.tag': 'root' }).filesListFolder({ path: '' }));
  assert.equal(garbled.status, 400);
});

test('a cursor keeps the root it was made under: continued under another root it is reset', async (t) => {
  const { emu } = await emulatorWithFiles(t, TEAM, { teamHome: 'Alice' });
  const root = { '.tag': 'root', root: emu.account.rootNamespaceId };
  const rooted = client(emu, root);
  const { result } = await rooted.filesListFolderGetLatestCursor({ path: '', recursive: true });
  const delta = await rooted.filesListFolderContinue({ cursor: result.cursor });
  assert.deepEqual(delta.result.entries, []);
  const reset = await sdkFailure(client(emu).filesListFolderContinue({ cursor: result.cursor }));
  assert.equal(reset.status, 409);
  assert.match(JSON.stringify(reset.error), /reset/);
});

test('a personal account: root_info is user, root = home, and the root header changes nothing', async (t) => {
  const { emu } = await emulatorWithFiles(t, { 'notes.txt': 'n', 'Docs/a.txt': 'a' });
  const info = (await client(emu).usersGetCurrentAccount()).result.root_info;
  assert.equal(info['.tag'], 'user');
  assert.equal(info.root_namespace_id, info.home_namespace_id);
  const rooted = client(emu, { '.tag': 'root', root: info.root_namespace_id });
  assert.deepEqual(await paths(rooted), await paths(client(emu)));
  const { result } = await rooted.filesListFolderGetLatestCursor({ path: '', recursive: true });
  assert.deepEqual(
    (await client(emu).filesListFolderContinue({ cursor: result.cursor })).result.entries,
    [],
  );
});
