import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LedgerView } from '../../src/ledger/ledger.ts';
import {
  GetBucketLifecycleConfigurationCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import {
  MAIN,
  MAIN_BUNDLE,
  POST,
  POST_BUNDLE,
  migrateInputs,
  newJob,
  outputsOf,
  runStep,
  type ActionJob,
  type StepRun,
} from '../support/action-runner.ts';
import { startGitHubRest, type GitHubRest } from '../emulators/github/rest/index.ts';
import { startActionsRuntime, type ActionsRuntime } from '../emulators/github/runtime/index.ts';
import {
  allows,
  grantedActions,
  permissionsOf,
  readmeBucketPolicy,
} from '../support/bucket-policy.ts';
import {
  bytesFor,
  listKeys,
  objectBytes,
  DEFAULT_TOOL_PREFIX,
  writeTree,
} from '../support/bucket.ts';
import {
  APP_KEY,
  APP_SECRET,
  REFRESH_TOKEN,
  startTestbed,
  type Testbed,
} from '../support/testbed.ts';

const HOSTILE = '`@octocat <img src=x> [x](mailto:e) www.e.com #1 **b**';
/** Folders deep enough that the hostile file's key passes S3's 1024 bytes: it fails for good. */
const DEEP = Array.from({ length: 5 }, (_, i) => `${String(i)}${'d'.repeat(220)}`).join('/');

const FILES: Record<string, Buffer> = {
  'a.txt': bytesFor('a'),
  'b.txt': bytesFor('b'),
  'Docs/c.txt': bytesFor('c'),
  'Docs/d.txt': bytesFor('d'),
  'e.txt': bytesFor('e'),
  [`${DEEP}/${HOSTILE}`]: bytesFor('hostile'),
};

/** Only AWS's settings come from the environment (as after configure-aws-credentials). */
function awsEnv(bed: Testbed): NodeJS.ProcessEnv {
  const env = bed.env();
  return {
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: env.AWS_REGION,
    AWS_REQUEST_CHECKSUM_CALCULATION: env.AWS_REQUEST_CHECKSUM_CALCULATION,
    AWS_RESPONSE_CHECKSUM_VALIDATION: env.AWS_RESPONSE_CHECKSUM_VALIDATION,
    GITHUB_RUN_ID: '100',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REPOSITORY: 'octo/migrate',
  };
}

/** Every file a step could leave something in: its command files and its workspace. */
async function filesOf(job: ActionJob): Promise<string[]> {
  const texts = [
    await readFile(job.outputFile, 'utf8'),
    await readFile(job.summaryFile, 'utf8'),
    await readFile(job.stateFile, 'utf8'),
  ];
  for (const entry of await readdir(job.workspace, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) texts.push(await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  return texts;
}

/** Every object the tool keeps for itself (ledger, manifest), as text. */
async function ownObjects(bed: Testbed): Promise<string[]> {
  const page = await bed.s3
    .client()
    .send(new ListObjectsV2Command({ Bucket: bed.s3.bucket, Prefix: DEFAULT_TOOL_PREFIX }));
  const texts: string[] = [];
  for (const object of page.Contents ?? []) {
    texts.push((await objectBytes(bed, object.Key ?? '')).toString('utf8'));
  }
  return texts;
}

/** Access tokens the action masked: the Dropbox tokens the SDK obtained. */
function maskedValues(run: StepRun): string[] {
  return [...run.stdout.matchAll(/^::add-mask::(.*)$/gm)].map((match) => match[1] ?? '');
}

function withoutMaskLines(text: string): string {
  return text.replace(/^::add-mask::.*$/gm, '');
}

/** Everything steps printed (but their mask commands) and every file their jobs were left with. */
async function stepTexts(runs: readonly StepRun[], jobs: readonly ActionJob[]): Promise<string[]> {
  const files = await Promise.all(jobs.map(filesOf));
  return [...runs.flatMap((run) => [withoutMaskLines(run.stdout), run.stderr]), ...files.flat()];
}

function assertNoSecret(texts: readonly string[], secrets: readonly string[]): void {
  for (const secret of secrets) {
    for (const text of texts)
      assert.ok(!text.includes(secret), `a secret leaked: ${secret.slice(0, 6)}…`);
  }
}

test('the action carries a shard to done over two runs, through the s3 ledger store', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  await writeTree(bed.root, FILES);

  const first = await newJob();
  const run1 = await runStep(MAIN, first, migrateInputs(bed, { 'batch-size': '3' }), awsEnv(bed));
  assert.equal(run1.code, 0, run1.stdout + run1.stderr);
  const out1 = await outputsOf(first);
  assert.equal(out1.migrated, '3');
  assert.equal(out1.done, 'false');
  assert.equal(out1.remaining, '2');
  assert.equal(out1.failed, '1');
  assert.ok(Number(out1.bytes) > 0);
  assert.match(run1.stdout, /No saved ledger/);

  const second = await newJob();
  const run2 = await runStep(MAIN, second, migrateInputs(bed, { 'batch-size': '3' }), awsEnv(bed));
  assert.equal(run2.code, 0, run2.stdout + run2.stderr);
  const out2 = await outputsOf(second);
  assert.deepEqual(
    { migrated: out2.migrated, done: out2.done, remaining: out2.remaining },
    { migrated: '2', done: 'true', remaining: '0' },
  );
  assert.doesNotMatch(run2.stdout, /No saved ledger/);
  const keys = await listKeys(bed);
  assert.deepEqual(keys, ['Docs/c.txt', 'Docs/d.txt', 'a.txt', 'b.txt', 'e.txt']);
  assert.deepEqual(await objectBytes(bed, 'Docs/d.txt'), FILES['Docs/d.txt']);

  await t.test('the summary has the figures and the hostile name, inert', async () => {
    const summary = await readFile(second.summaryFile, 'utf8');
    assert.match(summary, /\*\*Done\*\*/);
    assert.match(summary, /\| files migrated \| 2 \| 5 \|/);
    assert.match(summary, /\| failed \| 0 \| 1 \|/);
    assert.match(summary, /key_too_long/);
    assert.match(summary, /octocat/);
    const names = summary.slice(summary.indexOf('\n- '));
    assert.doesNotMatch(names, /(^|[^\\])`/, 'an unescaped backtick');
    assert.doesNotMatch(names, /(^|[^&])#1/, 'a live issue reference');
    for (const live of ['<img', '@octocat', '](', '**b**', 'www.e']) {
      assert.ok(!names.includes(live), `the summary's example contains ${live}`);
    }
  });

  await t.test('one warning annotation per failure class', () => {
    const warnings = run2.stdout.match(/^::warning .*$/gm) ?? [];
    assert.equal(warnings.length, 1, run2.stdout);
    assert.match(warnings[0], /title=dropbox-to-s3%3A key_too_long::1 file\(s\) failed/);
  });

  await t.test('secrets are masked and appear nowhere else', async () => {
    for (const run of [run1, run2]) {
      const masked = maskedValues(run);
      for (const secret of [APP_KEY, APP_SECRET, REFRESH_TOKEN]) assert.ok(masked.includes(secret));
      assert.ok(
        masked.some((value) => value.startsWith('sl.')),
        'the access token is masked',
      );
    }
    const secrets = [
      APP_KEY,
      APP_SECRET,
      REFRESH_TOKEN,
      ...maskedValues(run1).filter((value) => value.startsWith('sl.')),
      ...maskedValues(run2).filter((value) => value.startsWith('sl.')),
    ];
    assertNoSecret(
      [...(await stepTexts([run1, run2], [first, second])), ...(await ownObjects(bed))],
      secrets,
    );
  });
});

test('the action refuses bad inputs and modes it does not have, naming them', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const cases: [Record<string, string>, RegExp][] = [
    [{ mode: 'sync' }, /mode "sync" must be one of: migrate, plan, finalize/],
    [{ 'shard-index': '2', 'shard-count': '2' }, /shard-index 2 is not below shard-count 2/],
    [{ 'ledger-store': 'disk' }, /ledger-store "disk" must be one of: cache, artifact, s3/],
  ];
  for (const [extra, message] of cases) {
    const job = await newJob();
    const run = await runStep(MAIN, job, migrateInputs(bed, extra), awsEnv(bed));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^::error::/m);
    assert.match(run.stdout, message);
  }
  const job = await newJob();
  const soon = new Date(Date.now() + 10 * 60_000).toISOString();
  const run = await runStep(MAIN, job, migrateInputs(bed), {
    ...awsEnv(bed),
    AWS_CREDENTIAL_EXPIRATION: soon,
    AWS_SESSION_TOKEN: 'session',
  });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /max-duration 50m00s is longer than the AWS credentials will live/);
  // The same from the workflow's input: configure-aws-credentials's output, JSON-quoted.
  const fromInput = await runStep(
    MAIN,
    await newJob(),
    migrateInputs(bed, { 'aws-credentials-expiration': JSON.stringify(soon) }),
    awsEnv(bed),
  );
  assert.equal(fromInput.code, 1);
  assert.match(
    fromInput.stdout,
    /max-duration 50m00s is longer than the AWS credentials will live/,
  );
  const garbage = await runStep(
    MAIN,
    await newJob(),
    migrateInputs(bed, { 'aws-credentials-expiration': 'soonish' }),
    awsEnv(bed),
  );
  assert.equal(garbage.code, 1);
  assert.match(garbage.stdout, /aws-credentials-expiration "soonish" is not a time/);
});

test('a run cancelled with SIGINT mid-chunk keeps its progress', async (t) => {
  const bed = await startTestbed({ faults: { bytesPerSecond: 100_000 } });
  t.after(() => bed.close());
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 12; i += 1)
    files[`slow/${String(i).padStart(2, '0')}.bin`] = bytesFor(String(i), 60_000);
  await writeTree(bed.root, files);
  const slow = { concurrency: '1', grace: '5s' };

  const first = await newJob();
  const run1 = await runStep(MAIN, first, migrateInputs(bed, slow), awsEnv(bed), async (child) => {
    while ((await listKeys(bed)).length < 2)
      await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
  });
  assert.equal(run1.code, 0, run1.stdout + run1.stderr);
  assert.match(run1.stdout, /SIGINT: finishing files in flight/);
  const out1 = await outputsOf(first);
  const migrated1 = Number(out1.migrated);
  assert.ok(migrated1 >= 2 && migrated1 < 12, out1.migrated);
  assert.equal(out1.done, 'false');
  const post1 = await runStep(POST, first, migrateInputs(bed, slow), awsEnv(bed));
  assert.match(post1.stdout, /main step saved the ledger; nothing to do/);

  const second = await newJob();
  const run2 = await runStep(MAIN, second, migrateInputs(bed, slow), awsEnv(bed), async (child) => {
    // Killed once the journal holds one more migrated file (not merely once its object is in S3:
    // a kill between the PUT and the journal line would leave that file to be copied again).
    const ledgerDir = join(second.workspace, '.dropbox-to-s3', 'shard-0-of-1');
    while (((await LedgerView.inspect(ledgerDir))?.totals().migrated ?? 0) < migrated1 + 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
  });
  assert.equal(run2.signal, 'SIGKILL');
  // The runner still runs post after main died: it saves what main's journal holds (the bundled
  // post step, as the runner runs it).
  const post2 = await runStep(POST_BUNDLE, second, migrateInputs(bed, slow), awsEnv(bed));
  assert.equal(post2.code, 0, post2.stdout + post2.stderr);
  assert.match(post2.stdout, /its ledger was saved/);

  const third = await newJob();
  const run3 = await runStep(MAIN, third, migrateInputs(bed, { ...slow, concurrency: '4' }), {
    ...awsEnv(bed),
    GITHUB_RUN_ID: '101',
  });
  assert.equal(run3.code, 0, run3.stdout + run3.stderr);
  const out3 = await outputsOf(third);
  assert.equal(out3.done, 'true');
  assert.doesNotMatch(run3.stdout, /No saved ledger|already in S3/);
  const keys = await listKeys(bed);
  assert.equal(keys.length, 12);
  assert.ok(Number(out3.migrated) <= 12 - migrated1 - 1, `run 3 migrated ${out3.migrated ?? ''}`);
});

const GH_TOKEN = 'ghs_fakeGitHubToken0123456789';

/** The Actions runtime emulator and the REST fake over the same caches and artifacts. */
async function githubStandIns(t: {
  after: (fn: () => Promise<void>) => void;
}): Promise<{ runtime: ActionsRuntime; gh: GitHubRest }> {
  const runtime = await startActionsRuntime();
  const gh = await startGitHubRest({ token: GH_TOKEN, actions: runtime.state });
  t.after(async () => {
    await gh.close();
    await runtime.close();
  });
  return { runtime, gh };
}

function runnerEnv(
  bed: Testbed,
  runtime: ActionsRuntime,
  gh: GitHubRest,
  job: ActionJob,
  runId: number,
): NodeJS.ProcessEnv {
  return {
    ...awsEnv(bed),
    ...runtime.env({ runId, workspace: job.workspace }),
    GITHUB_API_URL: gh.url,
  };
}

for (const store of ['cache', 'artifact'] as const) {
  test(`two runs carry a shard to done through the ${store} ledger store`, async (t) => {
    const bed = await startTestbed();
    t.after(() => bed.close());
    const { runtime, gh } = await githubStandIns(t);
    await writeTree(bed.root, FILES);
    const settings = { 'batch-size': '3', 'ledger-store': store, 'github-token': GH_TOKEN };

    const first = await newJob();
    const run1 = await runStep(
      MAIN,
      first,
      migrateInputs(bed, settings),
      runnerEnv(bed, runtime, gh, first, 200),
    );
    assert.equal(run1.code, 0, run1.stdout + run1.stderr);
    assert.equal((await outputsOf(first)).migrated, '3');
    assert.match(run1.stdout, /No saved ledger/);
    const post1 = await runStep(
      POST,
      first,
      migrateInputs(bed, settings),
      runnerEnv(bed, runtime, gh, first, 200),
    );
    assert.match(post1.stdout, /nothing to do/);

    const second = await newJob();
    const run2 = await runStep(
      MAIN,
      second,
      migrateInputs(bed, settings),
      runnerEnv(bed, runtime, gh, second, 201),
    );
    assert.equal(run2.code, 0, run2.stdout + run2.stderr);
    const out2 = await outputsOf(second);
    assert.deepEqual(
      { migrated: out2.migrated, done: out2.done, remaining: out2.remaining },
      { migrated: '2', done: 'true', remaining: '0' },
    );
    assert.match(
      run2.stdout,
      store === 'cache'
        ? /Ledger restored from the cache entry/
        : /Ledger restored from the artifact .* of run 200/,
    );
    assert.deepEqual(await listKeys(bed), ['Docs/c.txt', 'Docs/d.txt', 'a.txt', 'b.txt', 'e.txt']);

    if (store === 'cache') {
      // Pruned with actions: write: only the newest entry of the shard is left.
      const keys = runtime.state.listCaches().map((entry) => entry.key);
      assert.equal(keys.length, 1, keys.join(', '));
      assert.match(keys[0] ?? '', /-shard-0-of-1-201-1-main$/);
    } else {
      const names = runtime.state.listArtifacts().map((artifact) => artifact.name);
      assert.equal(names.length, 2, names.join(', '));
    }
    const masked = [...maskedValues(run1), ...maskedValues(run2)];
    assert.ok(masked.includes(GH_TOKEN));
    assertNoSecret(await stepTexts([run1, run2], [first, second]), [
      GH_TOKEN,
      APP_SECRET,
      REFRESH_TOKEN,
      ...masked.filter((value) => value.startsWith('sl.')),
    ]);
  });
}

test('the bundled action: a 2-shard matrix runs to done through the cache store; finalize opens one issue, then updates it', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const { runtime, gh } = await githubStandIns(t);
  await writeTree(bed.root, FILES);
  // Someone else's rule and default-size setting: finalize's lifecycle rule must keep both.
  const foreign: LifecycleRule = {
    ID: 'expire-tmp',
    Status: 'Enabled',
    Filter: { Prefix: 'tmp/' },
    Expiration: { Days: 1 },
  };
  await bed.s3.client().send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bed.s3.bucket,
      LifecycleConfiguration: { Rules: [foreign] },
      TransitionDefaultMinimumObjectSize: 'varies_by_storage_class',
    }),
  );
  await bed.s3.clearRequests();
  const shardInputs = (index: number): Record<string, string> =>
    migrateInputs(bed, {
      'batch-size': '2',
      'ledger-store': 'cache',
      'github-token': GH_TOKEN,
      'shard-index': String(index),
      'shard-count': '2',
      prefix: 'archive',
    });
  const finalizeInputs = {
    mode: 'finalize',
    bucket: bed.s3.bucket,
    's3-endpoint': bed.s3.endpoint,
    's3-force-path-style': 'true',
    prefix: 'archive',
    'ledger-store': 'cache',
    'shard-count': '2',
    'github-token': GH_TOKEN,
    'disable-schedule-when-done': 'false',
  };

  let runId = 300;
  const finalizeRun = async (): Promise<{ run: StepRun; outputs: Record<string, string> }> => {
    const job = await newJob();
    const run = await runStep(
      MAIN_BUNDLE,
      job,
      finalizeInputs,
      runnerEnv(bed, runtime, gh, job, runId),
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    return { run, outputs: await outputsOf(job) };
  };
  // Each run: every shard in a fresh workspace, then finalize, until finalize says done.
  let outcome = '';
  for (let round = 0; round < 6 && outcome !== 'done'; round += 1) {
    runId += 1;
    for (const index of [0, 1]) {
      const job = await newJob();
      const run = await runStep(
        MAIN_BUNDLE,
        job,
        shardInputs(index),
        runnerEnv(bed, runtime, gh, job, runId),
      );
      assert.equal(run.code, 0, run.stdout + run.stderr);
    }
    outcome = (await finalizeRun()).outputs.outcome ?? '';
    if (outcome !== 'done') assert.equal(outcome, 'progress');
    assert.equal(gh.issues().length, outcome === 'done' ? 1 : 0, 'no issue while work is left');
  }
  assert.equal(outcome, 'done');
  const made = await bed.s3.requests();
  assert.deepEqual(await listKeys(bed, 'archive/'), [
    'archive/Docs/c.txt',
    'archive/Docs/d.txt',
    'archive/a.txt',
    'archive/b.txt',
    'archive/e.txt',
  ]);
  // The README's least-privilege bucket policy allows every S3 operation the run made.
  const policy = await readmeBucketPolicy(bed.s3.bucket, 'archive');
  const used = new Set<string>();
  for (const request of made) {
    for (const { action, resource } of permissionsOf(request)) {
      used.add(action);
      assert.ok(
        allows(policy, action, resource),
        `the README policy refuses ${action} on ${resource}`,
      );
    }
  }
  // What it grants beyond this run is used by features this run does not exercise.
  const optional = new Set([
    's3:DeleteObject',
    's3:AbortMultipartUpload',
    's3:ListMultipartUploadParts',
    // Tags migrated objects when a prefix cannot scope the lifecycle rule (an empty prefix).
    's3:PutObjectTagging',
  ]);
  for (const action of grantedActions(policy)) {
    assert.ok(
      used.has(action) || optional.has(action),
      `the README policy grants ${action}, unused`,
    );
  }

  // Finalize wrote our rule next to the foreign one (the harness keeps the document as sent).
  const lifecycle = await bed.s3
    .client()
    .send(new GetBucketLifecycleConfigurationCommand({ Bucket: bed.s3.bucket }));
  assert.equal(lifecycle.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');
  const [kept, ours, ...more] = lifecycle.Rules ?? [];
  assert.deepEqual(kept, foreign);
  assert.equal(ours?.ID, 'dropbox-to-s3:archive/');
  assert.deepEqual(ours.Filter, { Prefix: 'archive/' });
  assert.equal(more.length, 0);

  const [issue] = gh.issues();
  assert.ok(issue !== undefined);
  // The one failure (the hostile name's key is too long) is listed, its name inert.
  assert.match(issue.body ?? '', /key&#95;too&#95;long \(1\)/);
  assert.doesNotMatch(issue.body ?? '', /<img|@octocat|\*\*b\*\*/);

  // A second finalize updates the same issue: never a duplicate.
  runId += 1;
  await bed.s3.clearRequests();
  const again = await finalizeRun();
  // The rule is there already: read, not written again.
  const lifecycleCalls = (await bed.s3.requests()).filter((request) =>
    request.query.includes('lifecycle'),
  );
  assert.deepEqual(
    lifecycleCalls.map((request) => request.method),
    ['GET'],
  );
  assert.match(again.run.stdout, /Lifecycle rule dropbox-to-s3:archive\/ in [^:]+: unchanged\./);
  assert.equal(again.outputs.outcome, 'done');
  assert.equal(again.outputs['issue-number'], String(issue.number));
  assert.equal(gh.issues().length, 1);
  assert.ok(maskedValues(again.run).includes(GH_TOKEN), 'the token is masked');
  assertNoSecret(
    [withoutMaskLines(again.run.stdout), again.run.stderr, issue.body ?? ''],
    [GH_TOKEN],
  );
});

test('cache store without actions: write keeps old entries (a note); without cache writes, post fails plainly', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const { runtime, gh } = await githubStandIns(t);
  gh.setPermissions({ actions: 'read', contents: 'read' });
  await writeTree(bed.root, FILES);
  const settings = { 'batch-size': '3', 'ledger-store': 'cache', 'github-token': GH_TOKEN };
  for (const runId of [400, 401]) {
    const job = await newJob();
    const run = await runStep(
      MAIN,
      job,
      migrateInputs(bed, settings),
      runnerEnv(bed, runtime, gh, job, runId),
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    if (runId === 401) assert.match(run.stdout, /older ledger cache entries were not deleted/i);
  }
  assert.equal(runtime.state.listCaches().length, 2);

  const job = await newJob();
  const env = {
    ...runnerEnv(bed, runtime, gh, job, 402),
    ...runtime.env({ runId: 402, workspace: job.workspace, cacheAccess: 'read' }),
  };
  const run = await runStep(MAIN, job, migrateInputs(bed, settings), env);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /::warning::The ledger was not saved by the main step/);
  const post = await runStep(POST, job, migrateInputs(bed, settings), env);
  assert.equal(post.code, 1);
  assert.match(post.stdout, /::error::the ledger could not be saved to the Actions cache/);
  assert.equal(runtime.state.listCaches().length, 2);
});

test('artifact store without actions: read fails before any work, saying which permission', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const { runtime, gh } = await githubStandIns(t);
  gh.setPermissions({ contents: 'read' });
  await writeTree(bed.root, FILES);
  const job = await newJob();
  const settings = { 'ledger-store': 'artifact', 'github-token': GH_TOKEN };
  const run = await runStep(
    MAIN,
    job,
    migrateInputs(bed, settings),
    runnerEnv(bed, runtime, gh, job, 500),
  );
  assert.equal(run.code, 1);
  assert.match(run.stdout, /::error::could not list the repository's artifacts.*actions: read/);
  assert.deepEqual(await listKeys(bed), []);
  // Main never restored the ledger: post must not save an empty one over the last good one.
  const post = await runStep(
    POST,
    job,
    migrateInputs(bed, settings),
    runnerEnv(bed, runtime, gh, job, 500),
  );
  assert.match(post.stdout, /before restoring the ledger; nothing to save/);
  assert.equal(runtime.state.listArtifacts().length, 0);
});
