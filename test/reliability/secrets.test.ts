import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MAIN,
  newJob,
  POST,
  runStep,
  type ActionJob,
  type StepRun,
} from '../support/action-runner.ts';
import { startGitHubRest } from '../emulators/github/rest/index.ts';
import { startActionsRuntime } from '../emulators/github/runtime/index.ts';
import { listedKeyDecoder } from '../../src/s3/listed-keys.ts';
import { makeAccount, migrateArgs, objectBytes, startCli } from '../support/reliability.ts';
import { PROFILE, reportFigures } from '../support/profile.ts';
import { flagsToArgs, startTestbed, type Testbed } from '../support/testbed.ts';
import { unzipEntries } from '../support/unzip.ts';

/** Fake secrets of every kind the tool handles: none may appear in anything it leaves behind. */
const SECRETS = {
  'Dropbox app key': 'dbx-app-key-FAKE-7c1e',
  'Dropbox app secret': 'dbx-app-secret-FAKE-9f2a4b6d',
  'Dropbox refresh token': 'dbx-refresh-token-FAKE-51d0c8e2a9',
  'Dropbox refresh token (wrong)': 'dbx-wrong-refresh-FAKE-0b3c',
  'Dropbox access token (static)': 'sl.FAKE-static-access-token-3b7e9d1f',
  'AWS secret access key': 'aws-secret-key-FAKE-wJalrXUtnFEMIK7MDENG',
  'AWS session token': 'aws-session-token-FAKE-IQoJb3JpZ2luX2Vj',
  'GitHub token': 'ghs_FAKEgithubTOKEN0123456789abcdef',
} as const;
/** Access tokens the emulator issues on refresh: random, so found by their shape. */
const ISSUED_ACCESS_TOKEN = /sl\.[A-Za-z0-9_-]{40,}/;
const LEAK_MARKERS = ['Bearer ', 'client_secret', 'access_token=', 'refresh_token='];

/** A text the run left behind, and where. */
interface Found {
  where: string;
  text: string;
}

async function filesUnder(dir: string, label: string): Promise<Found[]> {
  const found: Found[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.push({ where: `${label}: ${path}`, text: await readFile(path, 'latin1') });
  }
  return found;
}

/** Every object in the bucket: the tool's own (ledger, manifest) whole, and every object's metadata. */
async function bucketTexts(bed: Testbed): Promise<Found[]> {
  const client = bed.s3.client();
  const found: Found[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bed.s3.bucket,
        ContinuationToken: token,
        EncodingType: 'url',
      }),
    );
    for (const item of page.Contents ?? []) {
      const key = listedKeyDecoder(page.EncodingType)(item.Key ?? '');
      const head = await client.send(new HeadObjectCommand({ Bucket: bed.s3.bucket, Key: key }));
      found.push({ where: `metadata of s3://${key}`, text: JSON.stringify(head.Metadata ?? {}) });
      if (key.startsWith('_dropbox-to-s3/')) {
        found.push({
          where: `s3://${key}`,
          text: (await objectBytes(client, bed.s3.bucket, key)).toString('latin1'),
        });
      }
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return found;
}

function withoutMaskLines(text: string): string {
  return text.replace(/^::add-mask::.*$/gm, '');
}

async function stepTexts(name: string, run: StepRun, job: ActionJob): Promise<Found[]> {
  return [
    { where: `${name} stdout`, text: withoutMaskLines(run.stdout) },
    { where: `${name} stderr`, text: run.stderr },
    { where: `${name} GITHUB_OUTPUT`, text: await readFile(job.outputFile, 'utf8') },
    { where: `${name} job summary`, text: await readFile(job.summaryFile, 'utf8') },
    { where: `${name} GITHUB_STATE`, text: await readFile(job.stateFile, 'utf8') },
    ...(await filesUnder(job.workspace, `${name} workspace`)),
  ];
}

test(`secrets (${PROFILE} profile): fake secrets of every kind appear in no log, summary, ledger, manifest, artifact or issue`, async (t) => {
  const bed = await startTestbed({
    appKey: SECRETS['Dropbox app key'],
    appSecret: SECRETS['Dropbox app secret'],
    refreshTokens: [SECRETS['Dropbox refresh token']],
    staticAccessTokens: [SECRETS['Dropbox access token (static)']],
    // Short-lived tokens and faults: refreshes, retries and error paths all get to write.
    tokenTtlSeconds: 5,
    faults: { random429Rate: 0.05, random500Rate: 0.03, cutProbability: 0.05, seed: 23 },
  });
  t.after(() => bed.close());
  await makeAccount(bed.root, { small: 40, seed: 61 });
  // One file whose key is too long: a failure with a reason, in every report.
  const deep = Array.from({ length: 5 }, (_, i) => `${String(i)}${'d'.repeat(210)}`).join('/');
  await mkdir(join(bed.root, deep), { recursive: true });
  await writeFile(join(bed.root, deep, 'too-long.txt'), 'x');

  const env = {
    DROPBOX_APP_KEY: SECRETS['Dropbox app key'],
    DROPBOX_APP_SECRET: SECRETS['Dropbox app secret'],
    DROPBOX_REFRESH_TOKEN: SECRETS['Dropbox refresh token'],
    AWS_SECRET_ACCESS_KEY: SECRETS['AWS secret access key'],
    AWS_SESSION_TOKEN: SECRETS['AWS session token'],
  };
  const found: Found[] = [];
  const cli = async (
    name: string,
    args: string[],
    extra: NodeJS.ProcessEnv = {},
  ): Promise<number | null> => {
    const { code, stdout, stderr } = await startCli(bed, args, { ...env, ...extra }).exited;
    found.push(
      { where: `cli ${name} stdout`, text: stdout },
      { where: `cli ${name} stderr`, text: stderr },
    );
    return code;
  };

  // The CLI: chunks to done (one with a static access token), a fatal refusal, status, verify.
  const cliLedger = join(bed.ledger, 'cli');
  const migrate = migrateArgs(bed, {
    prefix: 'cli',
    ledger: cliLedger,
    'batch-size': '15',
    json: true,
  });
  assert.equal(await cli('migrate 1', migrate), 0);
  assert.equal(
    await cli('migrate with an access token', migrate, {
      DROPBOX_REFRESH_TOKEN: undefined,
      DROPBOX_ACCESS_TOKEN: SECRETS['Dropbox access token (static)'],
    }),
    0,
  );
  assert.equal(
    await cli('migrate refused', migrate, {
      DROPBOX_REFRESH_TOKEN: SECRETS['Dropbox refresh token (wrong)'],
    }),
    1,
  );
  for (let i = 2; !found.at(-2)?.text.includes('"done":true'); i += 1) {
    assert.ok(i < 10, 'the CLI finished the migration');
    assert.equal(await cli(`migrate ${String(i)}`, migrate), 0);
  }
  const ledgerFlags = flagsToArgs({ ledger: cliLedger });
  assert.equal(await cli('status', ['status', ...ledgerFlags]), 0);
  assert.equal(await cli('status --json', ['status', '--json', ...ledgerFlags]), 0);
  const verifyArgs = [
    'verify',
    ...migrate.slice(1).filter((arg) => arg !== '--batch-size' && arg !== '15'),
    '--deep',
  ];
  await cli('verify --deep', verifyArgs);
  found.push(...(await filesUnder(cliLedger, 'cli ledger')));

  // The action: two chunks through the cache store (the second restores the first's ledger),
  // the post step, and finalize (summary issue, failures artifact), the secrets as inputs.
  const runtime = await startActionsRuntime();
  const gh = await startGitHubRest({ token: SECRETS['GitHub token'], actions: runtime.state });
  t.after(async () => {
    await gh.close();
    await runtime.close();
  });
  const aws = bed.env();
  const stepEnv = (job: ActionJob, runId: number): NodeJS.ProcessEnv => ({
    AWS_ACCESS_KEY_ID: aws.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRETS['AWS secret access key'],
    AWS_SESSION_TOKEN: SECRETS['AWS session token'],
    AWS_REGION: aws.AWS_REGION,
    AWS_REQUEST_CHECKSUM_CALCULATION: aws.AWS_REQUEST_CHECKSUM_CALCULATION,
    AWS_RESPONSE_CHECKSUM_VALIDATION: aws.AWS_RESPONSE_CHECKSUM_VALIDATION,
    GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
    GITHUB_API_URL: gh.url,
    ...runtime.env({ runId, workspace: job.workspace }),
  });
  const common = {
    bucket: bed.s3.bucket,
    's3-endpoint': bed.s3.endpoint,
    's3-force-path-style': 'true',
    prefix: 'action',
    'ledger-store': 'cache',
    'github-token': SECRETS['GitHub token'],
    'shard-count': '1',
  };
  const migrateInputs = {
    ...common,
    mode: 'migrate',
    'shard-index': '0',
    'dropbox-base-url': bed.dropbox.url,
    'dropbox-app-key': SECRETS['Dropbox app key'],
    'dropbox-app-secret': SECRETS['Dropbox app secret'],
    'dropbox-refresh-token': SECRETS['Dropbox refresh token'],
    'batch-size': '25',
  };
  const masked: string[] = [];
  let done = false;
  for (let runId = 500; runId < 506 && !done; runId += 1) {
    const job = await newJob();
    const main = await runStep(MAIN, job, migrateInputs, stepEnv(job, runId));
    assert.equal(main.code, 0, main.stdout + main.stderr);
    masked.push(...[...main.stdout.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1] ?? ''));
    const post = await runStep(POST, job, migrateInputs, stepEnv(job, runId));
    assert.equal(post.code, 0, post.stdout + post.stderr);
    found.push(...(await stepTexts(`action run ${String(runId)} main`, main, job)));
    found.push({
      where: `action run ${String(runId)} post stdout`,
      text: withoutMaskLines(post.stdout),
    });
    found.push({ where: `action run ${String(runId)} post stderr`, text: post.stderr });
    done = /^done<<.*\ntrue$/m.test(await readFile(job.outputFile, 'utf8'));
  }
  assert.ok(done, 'the action finished the shard');
  const finalizeJob = await newJob();
  const finalize = await runStep(
    MAIN,
    finalizeJob,
    { ...common, mode: 'finalize', 'disable-schedule-when-done': 'false' },
    stepEnv(finalizeJob, 510),
  );
  assert.equal(finalize.code, 0, finalize.stdout + finalize.stderr);
  found.push(...(await stepTexts('finalize', finalize, finalizeJob)));
  assert.equal(gh.issues().length, 1, 'finalize wrote the summary issue');
  for (const issue of gh.issues())
    found.push({ where: `issue #${String(issue.number)}`, text: JSON.stringify(issue) });
  found.push({ where: 'GitHub REST requests', text: JSON.stringify(gh.requests()) });
  found.push({ where: 'Actions runtime requests', text: JSON.stringify(runtime.requests()) });
  for (const artifact of runtime.state.listArtifacts()) {
    for (const [name, bytes] of unzipEntries(
      runtime.state.artifactBytes(artifact.id) ?? Buffer.alloc(0),
    )) {
      found.push({ where: `artifact ${artifact.name}/${name}`, text: bytes.toString('latin1') });
    }
  }
  found.push(...(await bucketTexts(bed)));

  // Every Dropbox secret was masked by the action the moment it was read, and so were the
  // access tokens it obtained.
  for (const name of [
    'Dropbox app key',
    'Dropbox app secret',
    'Dropbox refresh token',
    'GitHub token',
  ] as const) {
    assert.ok(masked.includes(SECRETS[name]), `${name} is masked`);
  }
  assert.ok(
    masked.some((value) => ISSUED_ACCESS_TOKEN.test(value)),
    'issued access tokens are masked',
  );

  const leaks: string[] = [];
  for (const { where, text } of found) {
    for (const [name, secret] of Object.entries(SECRETS))
      if (text.includes(secret)) leaks.push(`${name} in ${where}`);
    if (ISSUED_ACCESS_TOKEN.test(text)) leaks.push(`an access token in ${where}`);
    for (const marker of LEAK_MARKERS)
      if (text.includes(marker)) leaks.push(`"${marker}" in ${where}`);
  }
  await reportFigures(t, 'secrets', `Secrets (${PROFILE} profile)`, {
    'fake secrets planted': Object.keys(SECRETS).length,
    'access tokens issued (refreshes)': bed.dropbox.stats().tokenRefreshes,
    'texts searched (logs, summaries, outputs, state, ledgers, manifests, object metadata, artifacts, issues, request logs)':
      found.length,
    'bytes searched': found.reduce((sum, item) => sum + item.text.length, 0),
    'secrets found': leaks.length,
  });
  assert.deepEqual(leaks, []);
});
