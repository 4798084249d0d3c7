import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawSettings } from '../../src/config/config.ts';
import { bytesFor, listKeys, runCli, writeTree, type CliRun } from '../support/bucket.ts';
import { flagsToArgs, startTestbed, type Testbed } from '../support/testbed.ts';

// Distinctive fake secrets: none may ever show up in output or in the ledger.
const APP_SECRET = 'sEcReT-app-secret-4b1d9e';
const REFRESH_TOKEN = 'sEcReT-refresh-token-77c0aa';
const SECRETS = [APP_SECRET, REFRESH_TOKEN];

interface Cli {
  readonly bed: Testbed;
  readonly runs: CliRun[];
  env(): NodeJS.ProcessEnv;
  migrate(extra?: RawSettings, env?: NodeJS.ProcessEnv): Promise<CliRun>;
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
}

async function startCli(): Promise<Cli> {
  const bed = await startTestbed({ appSecret: APP_SECRET, refreshTokens: [REFRESH_TOKEN] });
  const runs: CliRun[] = [];
  const env = (): NodeJS.ProcessEnv => ({
    ...bed.env(),
    DROPBOX_APP_SECRET: APP_SECRET,
    DROPBOX_REFRESH_TOKEN: REFRESH_TOKEN,
  });
  const run = async (args: string[], runEnv = env()): Promise<CliRun> => {
    const result = await runCli(args, runEnv);
    runs.push(result);
    return result;
  };
  return {
    bed,
    runs,
    env,
    run,
    migrate: (extra = {}, runEnv = env()) =>
      run(['migrate', ...flagsToArgs(bed.flags(extra))], runEnv),
  };
}

/** Runs `migrate` with a bad input: exit 2, a message naming the flag and the fix, no request. */
async function assertRefused(
  cli: Cli,
  extra: RawSettings,
  expected: RegExp[],
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  cli.bed.dropbox.resetStats();
  const result = await cli.migrate(extra, env);
  assert.equal(result.code, 2, `${JSON.stringify(extra)}: ${result.stderr}`);
  for (const pattern of expected) assert.match(result.stderr, pattern);
  assert.equal(result.stdout, '');
  assert.equal(cli.bed.dropbox.stats().totalRequests, 0, 'no request reached Dropbox');
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

test('the CLI: --json shape, status, pinned settings, bad input, and no secret anywhere', async (t) => {
  const cli = await startCli();
  const { bed } = cli;
  t.after(() => bed.close());
  const long = `${Array.from({ length: 5 }, (_, i) => `${String(i)}${'L'.repeat(219)}`).join('/')}/x.txt`;
  await writeTree(bed.root, {
    'Docs/a.txt': bytesFor('a', 1500),
    'Docs/b.txt': bytesFor('b', 2500),
    'Docs/Plan.paper': bytesFor('paper'),
    [long]: bytesFor('long'),
  });

  await t.test('bad input exits 2 before any work, naming the flag and the fix', async () => {
    await assertRefused(cli, { shard: '3/2' }, [/--shard "3\/2" is out of range/, /0 to n-1/]);
    await assertRefused(cli, { 'max-duration': 'abc' }, [
      /--max-duration "abc" is not a duration/,
      /like 50m/,
    ]);
    await assertRefused(cli, { bucket: 'Bad_Bucket' }, [
      /--bucket "Bad_Bucket" is not a valid S3 bucket name/,
      /lower-case letters, digits/,
    ]);
    await assertRefused(cli, { bucket: undefined }, [/--bucket is required/]);
    const noCredentials = { ...cli.env() };
    delete noCredentials.DROPBOX_APP_KEY;
    delete noCredentials.DROPBOX_APP_SECRET;
    delete noCredentials.DROPBOX_REFRESH_TOKEN;
    await assertRefused(
      cli,
      {},
      [/no Dropbox credentials/, /set DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN/],
      noCredentials,
    );
    const noAppKey = { ...cli.env() };
    delete noAppKey.DROPBOX_APP_KEY;
    await assertRefused(
      cli,
      {},
      [/DROPBOX_REFRESH_TOKEN is set but DROPBOX_APP_KEY is not/],
      noAppKey,
    );
    await assertRefused(cli, { 'part-size': '5MiB' }, [
      /--part-size 5MiB must be a multiple of 4 MiB/,
    ]);
    const unknown = await cli.run(['migrate', '--bukket', 'x']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--bukket'/);
    // Nothing was written: the ledger folder was never made.
    await assert.rejects(readdir(bed.ledger), { code: 'ENOENT' });

    const none = await cli.run(['status', '--ledger', bed.ledger, '--json']);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stderr, /No ledger in .*nothing has been migrated/);
    assert.deepEqual(JSON.parse(none.stdout), {
      settings: null,
      total: null,
      done: false,
      failures: [],
      deletions: { count: 0, examples: [] },
      chunks: [],
    });
  });

  await t.test('migrate --json prints exactly the documented line', async () => {
    const first = await cli.migrate({ prefix: 'one', json: true });
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.split('\n');
    assert.equal(lines.length, 2, 'one line and its newline');
    assert.equal(lines[1], '');
    const parsed = JSON.parse(lines[0] ?? '') as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(parsed), ['chunk', 'total', 'done']);
    assert.deepEqual(Object.keys(parsed.chunk ?? {}), [
      'migrated',
      'exports',
      'failed',
      'checkpointed',
      'bytes',
      'durationMs',
      'stoppedBy',
      'removed',
    ]);
    assert.deepEqual(Object.keys(parsed.total ?? {}), [
      'migrated',
      'exports',
      'failed',
      'pending',
      'bytes',
    ]);
    assert.equal(typeof parsed.chunk?.durationMs, 'number');
    assert.deepEqual(
      { ...parsed.chunk, durationMs: 0 },
      // The Paper file is exported (the emulator's export: a 23-byte header and its 200 bytes);
      // the over-long key fails in the inventory.
      {
        migrated: 3,
        exports: 1,
        failed: 1,
        checkpointed: 0,
        bytes: 4223,
        durationMs: 0,
        stoppedBy: 'done',
        removed: 0,
      },
    );
    assert.deepEqual(parsed.total, { migrated: 3, exports: 1, failed: 1, pending: 0, bytes: 4223 });
    assert.equal(parsed.done, true);
    assert.deepEqual(await listKeys(bed), [
      'one/Docs/Plan.paper.md',
      'one/Docs/a.txt',
      'one/Docs/b.txt',
    ]);

    const second = await cli.migrate({ prefix: 'one', json: true });
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as { chunk: { migrated: number }; done: boolean };
    assert.equal(again.chunk.migrated, 0);
    assert.equal(again.done, true);
  });

  await t.test('status shows totals, failures by class with examples, recent chunks', async () => {
    const text = await cli.run(['status', '--ledger', bed.ledger]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /to s3:\/\/test-bucket\/one \(shard 0\/1, keys: display case\)/);
    assert.match(text.stdout, /migrated {2}3 files, 4\.12 KiB \(1 of them exported documents\)/);
    assert.match(text.stdout, /pending {3}0 files/);
    assert.match(text.stdout, /failed {4}1 files/);
    assert.match(text.stdout, /Done: nothing is pending\./);
    assert.match(text.stdout, /Failures by class:/);
    assert.match(
      text.stdout,
      /\n {2}key_too_long: 1\n {4}\/0L+\/.*\/x\.txt: the S3 key for .* bytes of UTF-8/,
    );
    assert.match(
      text.stdout,
      /Recent chunks:\n(.*3 migrated.*stopped: done\n)(.*0 migrated.*stopped: done\n)$/,
    );

    const json = await cli.run(['status', '--ledger', bed.ledger, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as {
      settings: Record<string, string>;
      total: Record<string, number>;
      done: boolean;
      failures: {
        failureClass: string;
        count: number;
        examples: { path: string; reason: string }[];
      }[];
      chunks: { migrated: number; stoppedBy: string }[];
    };
    assert.equal(parsed.settings.prefix, 'one');
    assert.equal(parsed.total.migrated, 3);
    assert.equal(parsed.total.exports, 1);
    assert.equal(parsed.total.failed, 1);
    assert.equal(parsed.total.pending, 0);
    assert.equal(parsed.done, true);
    assert.deepEqual(
      parsed.failures.map((group) => group.failureClass),
      ['key_too_long'],
    );
    for (const group of parsed.failures) {
      assert.equal(group.count, 1);
      assert.ok((group.examples[0]?.reason.length ?? 0) > 20, group.failureClass);
    }
    assert.deepEqual(
      parsed.chunks.map((chunk) => [chunk.migrated, chunk.stoppedBy]),
      [
        [3, 'done'],
        [0, 'done'],
      ],
    );
  });

  await t.test(
    'a pinned-setting change is refused with exit 2, naming the difference',
    async () => {
      bed.dropbox.resetStats();
      const other = await cli.migrate({ prefix: 'two' });
      assert.equal(other.code, 2, other.stderr);
      assert.match(other.stderr, /--prefix was "one" and is now "two"/);
      assert.match(other.stderr, /--reset-ledger/);
      assert.equal(bed.dropbox.stats().totalRequests, 0);
      const lower = await cli.migrate({
        prefix: 'one',
        'key-case': 'lower',
        'source-path': '/Docs',
      });
      assert.equal(lower.code, 2);
      assert.match(
        lower.stderr,
        /--source-path was "" and is now "\/Docs"; --key-case was "display" and is now "lower"/,
      );

      const reset = await cli.migrate({ prefix: 'two', 'reset-ledger': true, json: true });
      assert.equal(reset.code, 0, reset.stderr);
      assert.equal((JSON.parse(reset.stdout) as { chunk: { migrated: number } }).chunk.migrated, 3);
      assert.ok((await listKeys(bed)).includes('two/Docs/a.txt'));
    },
  );

  await t.test('refused credentials are fatal: exit 1 with the fix', async () => {
    const wrong = await cli.migrate(
      { prefix: 'two', json: true },
      { ...cli.env(), DROPBOX_REFRESH_TOKEN: 'sEcReT-wrong-token-0f3c' },
    );
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /Dropbox refused the app key, secret or refresh token/);
    assert.doesNotMatch(wrong.stderr + wrong.stdout, /sEcReT-wrong-token/);
    const parsed = JSON.parse(wrong.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['chunk', 'total', 'done', 'error']);
    assert.equal(parsed.done, false);
  });

  await t.test('a --source-path that does not exist is fatal: exit 1 naming the flag', async () => {
    const missing = await cli.migrate({
      'source-path': '/Nope',
      ledger: join(bed.ledger, 'nope'),
    });
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /--source-path \/Nope does not exist in this Dropbox account/);
  });

  await t.test('no secret in any output or ledger file', async () => {
    assert.ok(cli.runs.length >= 15);
    for (const run of cli.runs) {
      for (const secret of SECRETS) {
        assert.ok(!run.stdout.includes(secret), `stdout leaks a secret: ${run.stdout}`);
        assert.ok(!run.stderr.includes(secret), `stderr leaks a secret: ${run.stderr}`);
      }
      assert.doesNotMatch(run.stdout + run.stderr, /Bearer|access_token|refresh_token=/);
    }
    const ledgerFiles = await filesBelow(bed.ledger);
    assert.ok(ledgerFiles.length >= 2);
    for (const file of ledgerFiles) {
      const content = await readFile(file, 'utf8');
      for (const secret of SECRETS) assert.ok(!content.includes(secret), `${file} holds a secret`);
      assert.doesNotMatch(content, /sEcReT/);
    }
  });
});
