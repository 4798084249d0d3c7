import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRefresh, endpoints } from '../../src/dropbox/oauth.ts';
import { DropboxSource } from '../../src/dropbox/source.ts';
import {
  startDropboxEmulator,
  type DropboxEmulator,
  type DropboxEmulatorOptions,
} from '../emulators/dropbox/index.ts';

const CLI = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));
const APP_KEY = 'auth-test-app-key';
// Distinctive, so that any leak into the output is found.
const APP_SECRET = 'sEcReT-auth-app-secret-91f3c2';

async function startEmulator(
  t: TestContext,
  options: Partial<DropboxEmulatorOptions> = {},
  files: Record<string, string> = {},
): Promise<DropboxEmulator> {
  const root = await mkdtemp(join(tmpdir(), 'dbx-auth-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(root, name), content);
  const emu = await startDropboxEmulator({
    root,
    appKey: APP_KEY,
    appSecret: APP_SECRET,
    warn: () => undefined,
    ...options,
  });
  t.after(async () => {
    await emu.close();
    await rm(root, { recursive: true, force: true });
  });
  return emu;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `dropbox-to-s3 auth` as a child process, with a person at its stdin and stdout. */
class AuthSession {
  stdout = '';
  stderr = '';
  private readonly child;
  private readonly closed: Promise<number | null>;

  constructor(baseUrl: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [CLI, 'auth', '--dropbox-base-url', baseUrl], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.closed = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', resolve);
    });
  }

  /** Waits until stdout matches, as a person waits for the next line on the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match !== null) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        assert.fail(`no ${String(pattern)} in the output:\n${this.stdout}\n${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  async finish(): Promise<Finished> {
    const code = await this.closed;
    return { code, stdout: this.stdout, stderr: this.stderr };
  }
}

/** The person opens the printed link; the emulator approves at once and shows the code. */
async function approve(session: AuthSession): Promise<{ url: URL; code: string }> {
  const [link] = await session.waitFor(/https?:\/\/\S+\/oauth2\/authorize\?\S+/);
  const url = new URL(link);
  const page = await fetch(url);
  const html = await page.text();
  assert.equal(page.status, 200, html);
  const code = /<code id="code">([^<]+)<\/code>/.exec(html)?.[1];
  assert.ok(code !== undefined, html);
  await session.waitFor(/Paste it here and press Enter: $/);
  return { url, code };
}

function refreshTokenOf(stdout: string): string {
  const token = /^Refresh token[^\n]*:\n\n {2}(\S+)\n/m.exec(stdout)?.[1];
  assert.ok(token !== undefined, stdout);
  return token;
}

async function tokenCall(
  emu: DropboxEmulator,
  params: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${emu.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The printed token is real: it refreshes, and the new access token opens the emulator's account. */
async function assertTokenWorks(
  emu: DropboxEmulator,
  refreshToken: string,
  credentials: Record<string, string>,
): Promise<void> {
  const refreshed = await tokenCall(emu, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    ...credentials,
  });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
  const account = await fetch(`${emu.url}/2/users/get_current_account`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${String(refreshed.json.access_token)}` },
  });
  assert.equal(account.status, 200);
  assert.equal(
    ((await account.json()) as { account_id: string }).account_id,
    emu.account.accountId,
  );
}

function assertNoSecret(result: Finished, ...secrets: string[]): void {
  for (const secret of [APP_SECRET, ...secrets]) {
    assert.ok(!result.stdout.includes(secret), 'a secret is on stdout');
    assert.ok(!result.stderr.includes(secret), 'a secret is on stderr');
  }
}

function assertAccountShown(emu: DropboxEmulator, stdout: string): void {
  const who = `${emu.account.givenName} ${emu.account.surname} <${emu.account.email}>`;
  assert.match(stdout, new RegExp(`Authorized: ${who.replace(/[.+]/g, '\\$&')}`));
  assert.ok(stdout.includes(emu.account.accountId), stdout);
}

test('auth without an app secret: PKCE, the person pastes the code, the token refreshes with the app key alone', async (t) => {
  const emu = await startEmulator(t, {}, { 'hello.txt': 'hi' });
  const session = new AuthSession(emu.url, { DROPBOX_APP_KEY: APP_KEY });
  const { url, code } = await approve(session);

  assert.equal(url.pathname, '/oauth2/authorize');
  assert.equal(url.searchParams.get('client_id'), APP_KEY);
  assert.equal(url.searchParams.get('response_type'), 'code');
  assert.equal(url.searchParams.get('token_access_type'), 'offline');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.equal(url.searchParams.get('redirect_uri'), null, 'Dropbox shows the code');

  session.type(`  ${code}  `); // pasted with stray blanks
  const result = await session.finish();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  assertAccountShown(emu, result.stdout);
  assert.match(result.stdout, /from a PKCE flow: it refreshes with the app key alone\)/);
  assert.match(result.stdout, new RegExp(`gh secret set DROPBOX_APP_KEY --body ${APP_KEY}\n`));
  assert.match(result.stdout, /gh secret set DROPBOX_REFRESH_TOKEN {2,}#/);
  assert.doesNotMatch(result.stdout, /set DROPBOX_APP_SECRET|export DROPBOX_APP_SECRET/);
  assert.match(result.stdout, /read -rs DROPBOX_REFRESH_TOKEN/);
  const refreshToken = refreshTokenOf(result.stdout);
  assert.ok(!result.stdout.includes(code), 'the code is not echoed');
  assertNoSecret(result);
  await assertTokenWorks(emu, refreshToken, { client_id: APP_KEY });
  assert.equal(emu.stats().codeExchanges, 1);

  // And the migration's own Dropbox client lists the account with it, as the env vars would give.
  const source = new DropboxSource(
    {
      credentials: { appKey: APP_KEY, appSecret: undefined, refreshToken, accessToken: undefined },
      baseUrl: emu.url,
      teamRoot: false,
    },
    { note: () => undefined },
  );
  await source.connect();
  const page = await source.list('', true);
  assert.deepEqual(
    page.entries.map((entry) => entry.pathDisplay),
    ['/hello.txt'],
  );
});

test('auth with an app secret: the secret is used, never shown, and the kind of token is stated', async (t) => {
  const emu = await startEmulator(t);
  const session = new AuthSession(emu.url, {
    DROPBOX_APP_KEY: APP_KEY,
    DROPBOX_APP_SECRET: APP_SECRET,
  });
  await session.waitFor(/Using the app secret from DROPBOX_APP_SECRET \(it is not shown\)/);
  const { code } = await approve(session);
  session.type(code);
  const result = await session.finish();
  assert.equal(result.code, 0, result.stderr);
  assertAccountShown(emu, result.stdout);
  // The emulator, like Dropbox for a PKCE flow, issues a token that refreshes without the secret;
  // auth found that out by asking, and says so.
  assert.match(result.stdout, /app key alone; DROPBOX_APP_SECRET is not needed\)/);
  const refreshToken = refreshTokenOf(result.stdout);
  assertNoSecret(result, code);
  await assertTokenWorks(emu, refreshToken, { client_id: APP_KEY });
  await assertTokenWorks(emu, refreshToken, { client_id: APP_KEY, client_secret: APP_SECRET });
});

test('auth asks for the app key when DROPBOX_APP_KEY is unset, from a terminal or a pipe', async (t) => {
  const emu = await startEmulator(t);

  await t.test('answered when asked', async () => {
    const session = new AuthSession(emu.url, {});
    await session.waitFor(/DROPBOX_APP_KEY is not set[^\n]*\nApp key: $/);
    session.type(APP_KEY);
    const { code } = await approve(session);
    session.type(code);
    const result = await session.finish();
    assert.equal(result.code, 0, result.stderr);
    await assertTokenWorks(emu, refreshTokenOf(result.stdout), { client_id: APP_KEY });
  });

  await t.test('piped before the question is asked', async () => {
    const session = new AuthSession(emu.url, {});
    session.type(APP_KEY);
    const { url, code } = await approve(session);
    assert.equal(url.searchParams.get('client_id'), APP_KEY);
    session.type(code);
    const result = await session.finish();
    assert.equal(result.code, 0, result.stderr);
  });

  await t.test('no answer: exit 2, naming where the key is', async () => {
    const session = new AuthSession(emu.url, {});
    await session.waitFor(/App key: $/);
    session.type('');
    const result = await session.finish();
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no app key: set DROPBOX_APP_KEY or type it when asked/);
    assert.match(result.stderr, /Settings → App key/);
  });
});

test('auth refuses a wrong or stale code, a code of another run, and a closed input, naming the fix', async (t) => {
  const emu = await startEmulator(t);
  const env = { DROPBOX_APP_KEY: APP_KEY };

  await t.test('a code Dropbox never gave: exit 1', async () => {
    const session = new AuthSession(emu.url, env);
    await approve(session);
    session.type('not-a-real-code');
    const result = await session.finish();
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /refused the access code \(invalid_grant: code doesn't exist or has expired\)/,
    );
    assert.match(result.stderr, /Run `dropbox-to-s3 auth` again/);
    assert.doesNotMatch(result.stdout, /Refresh token/);
  });

  await t.test(
    "a code approved for another run's challenge: its verifier does not match",
    async () => {
      const first = new AuthSession(emu.url, env);
      const { code: othersCode } = await approve(first);
      first.endInput();
      assert.equal((await first.finish()).code, 2);
      const session = new AuthSession(emu.url, env);
      await approve(session);
      session.type(othersCode);
      const result = await session.finish();
      assert.equal(result.code, 1);
      assert.match(result.stderr, /refused the access code \(invalid_grant/);
      assert.match(result.stderr, /another run of auth/);
      assert.ok(!result.stderr.includes(othersCode), 'the code is not repeated');
    },
  );

  await t.test('an empty line, or the input closed: exit 2', async () => {
    const empty = new AuthSession(emu.url, env);
    await approve(empty);
    empty.type('');
    const emptied = await empty.finish();
    assert.equal(emptied.code, 2);
    assert.match(emptied.stderr, /no access code was pasted/);

    const closed = new AuthSession(emu.url, env);
    await approve(closed);
    closed.endInput();
    const ended = await closed.finish();
    assert.equal(ended.code, 2);
    assert.match(ended.stderr, /the input ended before an answer was given/);
  });
  assert.equal(emu.stats().codeExchanges, 0);
});

test('auth with a wrong app secret or app key: invalid_client, exit 1, the secret never shown', async (t) => {
  const emu = await startEmulator(t);
  const wrongSecret = 'sEcReT-wrong-secret-5d7a';

  await t.test('wrong secret', async () => {
    const session = new AuthSession(emu.url, {
      DROPBOX_APP_KEY: APP_KEY,
      DROPBOX_APP_SECRET: wrongSecret,
    });
    const { code } = await approve(session);
    session.type(code);
    const result = await session.finish();
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refused the app credentials \(invalid_client/);
    assert.match(result.stderr, /Check DROPBOX_APP_KEY and DROPBOX_APP_SECRET/);
    assert.match(result.stderr, /unset DROPBOX_APP_SECRET to use PKCE/);
    assertNoSecret(result, wrongSecret, code);
  });

  await t.test(
    'wrong key: the authorize page refuses it, and so does the token endpoint',
    async () => {
      const session = new AuthSession(emu.url, { DROPBOX_APP_KEY: 'no-such-app' });
      const [link] = await session.waitFor(/https?:\/\/\S+\/oauth2\/authorize\?\S+/);
      assert.equal((await fetch(link)).status, 400);
      await session.waitFor(/Paste it here and press Enter: $/);
      session.type('whatever-the-person-found');
      const result = await session.finish();
      assert.equal(result.code, 1);
      assert.match(result.stderr, /refused the app credentials \(invalid_client/);
    },
  );
});

test('auth when Dropbox cannot be reached: exit 1, naming the host and the fix', async () => {
  const port = await closedPort();
  const session = new AuthSession(`http://127.0.0.1:${String(port)}`, {
    DROPBOX_APP_KEY: APP_KEY,
    DROPBOX_APP_SECRET: APP_SECRET,
  });
  await session.waitFor(/Paste it here and press Enter: $/);
  session.type('some-code');
  const result = await session.finish();
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(
      `could not reach Dropbox at http://127\\.0\\.0\\.1:${String(port)} while exchanging the access code \\(ECONNREFUSED\\)`,
    ),
  );
  assert.match(result.stderr, /Check the network connection/);
  assertNoSecret(result, 'some-code');
});

test('auth when the app lacks a permission the migration needs: exit 1, naming the permission', async (t) => {
  const emu = await startEmulator(t, { appScopes: ['account_info.read', 'files.metadata.read'] });
  const session = new AuthSession(emu.url, { DROPBOX_APP_KEY: APP_KEY });
  const { code } = await approve(session);
  session.type(code);
  const result = await session.finish();
  assert.equal(result.code, 1);
  assert.match(result.stderr, /the app lacks the permission files\.content\.read/);
  assert.match(result.stderr, /Permissions, tick files\.content\.read, press Submit/);
  assert.doesNotMatch(result.stdout, /Refresh token/);
});

test('checkRefresh tells a PKCE token from one that needs the app secret, by asking Dropbox', async (t) => {
  const emu = await startEmulator(t, {
    refreshTokens: ['needs-the-secret'],
    pkceRefreshTokens: ['pkce-token'],
  });
  const where = endpoints(emu.url);
  const app = { appKey: APP_KEY, appSecret: APP_SECRET };
  assert.equal(await checkRefresh(where, app, 'pkce-token'), 'app-key-alone');
  assert.equal(await checkRefresh(where, app, 'needs-the-secret'), 'needs-secret');
  await assert.rejects(checkRefresh(where, { appKey: APP_KEY }, 'needs-the-secret'), {
    name: 'AuthError',
    failure: 'refresh_failed',
  });
  await assert.rejects(checkRefresh(where, app, 'revoked'), { failure: 'refresh_failed' });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return address.port;
}
