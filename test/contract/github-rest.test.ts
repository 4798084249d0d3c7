/**
 * Octokit as the product builds it (`getOctokit` from @actions/github 9, with the retry and
 * throttling plugins) against the GitHub REST fake: what a caller reads from results and errors
 * here is what it would read from api.github.com.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import {
  MAX_BODY_CHARACTERS,
  startGitHubRest,
  type GitHubRest,
  type GitHubRestOptions,
} from '../emulators/github/rest/index.ts';
import { memoryActionsState, type MemoryActionsState } from '../support/memory-actions-state.ts';

const TOKEN = 'ghs_fakeTokenThatMustNeverBeLogged0123';

interface Ctx {
  after: (fn: () => Promise<void>) => void;
}

async function setup(
  t: Ctx,
  options: Partial<GitHubRestOptions> = {},
): Promise<{ gh: GitHubRest; state: MemoryActionsState }> {
  const state = memoryActionsState();
  const gh = await startGitHubRest({ token: TOKEN, actions: state, ...options });
  t.after(() => gh.close());
  return { gh, state };
}

interface Limits {
  secondary: number[];
  primary: number[];
}

/** The client the product builds; throttling's write pacing (1 s, 3 s for notifications) is off unless asked for. */
function client(
  gh: GitHubRest,
  token = TOKEN,
  throttle = false,
  limits: Limits = { secondary: [], primary: [] },
) {
  return getOctokit(
    token,
    {
      baseUrl: gh.url,
      retry: { retryAfterBaseValue: 1 },
      throttle: {
        enabled: throttle,
        retryAfterBaseValue: 1,
        onSecondaryRateLimit: (
          retryAfter: number,
          _options: unknown,
          _octokit: unknown,
          retryCount: number,
        ) => {
          limits.secondary.push(retryAfter);
          return retryCount < 2;
        },
        onRateLimit: (
          retryAfter: number,
          _options: unknown,
          _octokit: unknown,
          retryCount: number,
        ) => {
          limits.primary.push(retryAfter);
          return retryCount < 2;
        },
      },
    },
    retry,
    throttling,
  );
}

interface Failure {
  status: number;
  message: string;
  data: unknown;
}

async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (error) {
    const e = error as { status?: number; message?: string; response?: { data?: unknown } };
    return { status: e.status ?? 0, message: e.message ?? '', data: e.response?.data };
  }
  assert.fail('the call succeeded');
}

const repo = (gh: GitHubRest) => ({ owner: gh.owner, repo: gh.repo });

test('an issue is created with labels (missing ones created), read back, updated and closed', async (t) => {
  const { gh } = await setup(t);
  const octokit = client(gh);
  const created = await octokit.rest.issues.create({
    ...repo(gh),
    title: 'Dropbox migration report',
    body: 'first',
    labels: ['dropbox-to-s3', { name: 'report' }],
  });
  assert.equal(created.status, 201);
  assert.equal(created.data.number, 1);
  assert.equal(created.data.state, 'open');
  assert.equal(created.data.user?.login, 'github-actions[bot]');
  assert.deepEqual(
    created.data.labels.map((l) => (typeof l === 'string' ? l : l.name)),
    ['dropbox-to-s3', 'report'],
  );
  assert.match(
    created.data.html_url,
    /^https:\/\/github\.com\/octo-org\/dropbox-migration\/issues\/1$/,
  );
  assert.deepEqual(
    gh.labels().map((l) => [l.name, l.color]),
    [
      ['dropbox-to-s3', 'ededed'],
      ['report', 'ededed'],
    ],
  );

  const got = await octokit.rest.issues.get({ ...repo(gh), issue_number: 1 });
  assert.equal(got.data.body, 'first');

  const updated = await octokit.rest.issues.update({
    ...repo(gh),
    issue_number: 1,
    body: 'second',
    labels: ['dropbox-to-s3', 'done'],
    state: 'closed',
  });
  assert.equal(updated.data.body, 'second');
  assert.equal(updated.data.state, 'closed');
  assert.equal(updated.data.state_reason, 'completed');
  assert.notEqual(updated.data.closed_at, null);
  const issue = gh.issues()[0];
  assert.deepEqual(issue?.labels, ['dropbox-to-s3', 'done']);
  assert.equal(issue.body, 'second');

  const reopened = await octokit.rest.issues.update({
    ...repo(gh),
    issue_number: 1,
    state: 'open',
  });
  assert.equal(reopened.data.state_reason, 'reopened');
  assert.equal(reopened.data.closed_at, null);

  const missing = await failure(octokit.rest.issues.get({ ...repo(gh), issue_number: 99 }));
  assert.equal(missing.status, 404);
  assert.match(missing.message, /^Not Found/);
});

test('issues are found by label over several pages (more than 100), newest first by default', async (t) => {
  const { gh } = await setup(t);
  for (let i = 1; i <= 130; i++)
    gh.seedIssue({ title: `report ${i}`, labels: ['Migration-Report'] });
  for (let i = 1; i <= 20; i++) gh.seedIssue({ title: `other ${i}`, labels: ['bug'] });
  gh.seedIssue({ title: 'closed report', labels: ['migration-report'], state: 'closed' });
  const octokit = client(gh);

  const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...repo(gh),
    labels: 'migration-report',
    per_page: 100,
  });
  assert.equal(open.length, 130);
  assert.equal(open[0]?.title, 'report 130');
  assert.equal(open[129]?.title, 'report 1');
  const all = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...repo(gh),
    labels: 'migration-report',
    state: 'all',
    direction: 'asc',
    per_page: 100,
  });
  assert.equal(all.length, 131);
  assert.equal(all[0]?.title, 'report 1');

  const first = await octokit.rest.issues.listForRepo({ ...repo(gh), labels: 'migration-report' });
  assert.equal(first.data.length, 30);
  assert.match(first.headers.link ?? '', /[?&]page=2[^>]*>; rel="next"/);
  assert.match(first.headers.link ?? '', /[?&]page=5[^>]*>; rel="last"/);
  assert.match(first.headers.link ?? '', /labels=migration-report/);

  const byCreator = await octokit.rest.issues.listForRepo({ ...repo(gh), creator: 'someone-else' });
  assert.equal(byCreator.data.length, 0);
  const pages = gh.requests().filter((r) => r.path.endsWith('/issues'));
  assert.deepEqual(
    pages.slice(0, 2).map((r) => r.query['page'] ?? '1'),
    ['1', '2'],
  );
});

test('comments are created and listed; labels created, read and refused twice', async (t) => {
  const { gh } = await setup(t);
  const octokit = client(gh);
  const number = gh.seedIssue({ title: 'report' });
  const comment = await octokit.rest.issues.createComment({
    ...repo(gh),
    issue_number: number,
    body: 'run 1',
  });
  assert.equal(comment.status, 201);
  assert.equal(comment.data.body, 'run 1');
  await octokit.rest.issues.createComment({ ...repo(gh), issue_number: number, body: 'run 2' });
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo(gh),
    issue_number: number,
    per_page: 1,
  });
  assert.deepEqual(
    comments.map((c) => c.body),
    ['run 1', 'run 2'],
  );
  assert.deepEqual(gh.issues()[0]?.comments, ['run 1', 'run 2']);
  const edited = await octokit.rest.issues.updateComment({
    ...repo(gh),
    comment_id: comment.data.id,
    body: 'run 1 (edited)',
  });
  assert.equal(edited.data.body, 'run 1 (edited)');

  const label = await octokit.rest.issues.createLabel({
    ...repo(gh),
    name: 'dropbox-to-s3',
    color: '0e8a16',
    description: 'Migration',
  });
  assert.equal(label.status, 201);
  const read = await octokit.rest.issues.getLabel({ ...repo(gh), name: 'Dropbox-To-S3' });
  assert.equal(read.data.color, '0e8a16');
  assert.equal(read.data.description, 'Migration');
  const twice = await failure(
    octokit.rest.issues.createLabel({ ...repo(gh), name: 'DROPBOX-to-s3' }),
  );
  assert.equal(twice.status, 422);
  assert.deepEqual((twice.data as { errors: unknown[] }).errors, [
    { resource: 'Label', field: 'name', code: 'already_exists' },
  ]);
  const none = await failure(octokit.rest.issues.getLabel({ ...repo(gh), name: 'nope' }));
  assert.equal(none.status, 404);
  await octokit.rest.issues.addLabels({
    ...repo(gh),
    issue_number: number,
    labels: ['dropbox-to-s3'],
  });
  assert.deepEqual(gh.issues()[0]?.labels, ['dropbox-to-s3']);
});

test('a body over 65,536 characters is refused with 422; one at the limit is taken', async (t) => {
  const { gh } = await setup(t);
  const octokit = client(gh);
  const atLimit = '€'.repeat(MAX_BODY_CHARACTERS);
  const ok = await octokit.rest.issues.create({ ...repo(gh), title: 'at limit', body: atLimit });
  assert.equal(ok.data.body, atLimit);

  const tooLong = await failure(
    octokit.rest.issues.create({ ...repo(gh), title: 'too long', body: `${atLimit}x` }),
  );
  assert.equal(tooLong.status, 422);
  assert.deepEqual(tooLong.data, {
    message: 'Validation Failed',
    errors: [
      {
        resource: 'Issue',
        field: 'body',
        code: 'custom',
        message: 'body is too long (maximum is 65536 characters)',
      },
    ],
    documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
    status: '422',
  });
  const update = await failure(
    octokit.rest.issues.update({ ...repo(gh), issue_number: 1, body: `${atLimit}x` }),
  );
  assert.equal(update.status, 422);
  const comment = await failure(
    octokit.rest.issues.createComment({ ...repo(gh), issue_number: 1, body: `${atLimit}x` }),
  );
  assert.equal(comment.status, 422);
  assert.equal(gh.issues().length, 1);
  assert.equal(gh.issues()[0]?.body, atLimit);

  const noTitle = await failure(
    octokit.request('POST /repos/{owner}/{repo}/issues', { ...repo(gh), body: 'x' } as never),
  );
  assert.equal(noTitle.status, 422);
  assert.match(noTitle.message, /"title" wasn't supplied/);
});

test('a token without the permission gets 403; a bad token 401; no token 401', async (t) => {
  const { gh } = await setup(t, { permissions: { issues: 'read', contents: 'read' } });
  const octokit = client(gh);
  const listed = await octokit.rest.issues.listForRepo(repo(gh));
  assert.equal(listed.status, 200);
  const denied = await failure(octokit.rest.issues.create({ ...repo(gh), title: 'x' }));
  assert.equal(denied.status, 403);
  assert.equal(
    (denied.data as { message: string }).message,
    'Resource not accessible by integration',
  );
  const artifacts = await failure(octokit.rest.actions.listArtifactsForRepo(repo(gh)));
  assert.equal(artifacts.status, 403);

  gh.setPermissions({ issues: 'write' });
  assert.equal((await octokit.rest.issues.create({ ...repo(gh), title: 'x' })).status, 201);

  const bad = await failure(client(gh, 'ghs_wrong').rest.issues.listForRepo(repo(gh)));
  assert.equal(bad.status, 401);
  assert.match(bad.message, /^Bad credentials/);
  const anonymous = await fetch(`${gh.url}/repos/octo-org/dropbox-migration/issues`);
  assert.equal(anonymous.status, 401);

  const otherRepo = await failure(
    octokit.rest.issues.listForRepo({ owner: 'octo-org', repo: 'elsewhere' }),
  );
  assert.equal(otherRepo.status, 404);

  gh.addToken('reader', 'ghs_reader', { issues: 'read' });
  await client(gh, 'ghs_reader').rest.issues.listForRepo(repo(gh));
  const tokens = gh.requests().map((r) => r.token);
  assert.deepEqual(tokens, [
    'default',
    'default',
    'default',
    'default',
    'unknown',
    undefined,
    'default',
    'reader',
  ]);
});

test('the request log has method, path, query, body, status and token name, never the token', async (t) => {
  const { gh } = await setup(t);
  const octokit = client(gh);
  await octokit.rest.issues.create({ ...repo(gh), title: 'report', body: 'hello', labels: ['a'] });
  await octokit.rest.issues.listForRepo({ ...repo(gh), labels: 'a', state: 'all' });
  const log = gh.requests();
  assert.deepEqual(log[0], {
    method: 'POST',
    path: '/repos/octo-org/dropbox-migration/issues',
    query: {},
    body: { title: 'report', body: 'hello', labels: ['a'] },
    status: 201,
    token: 'default',
  });
  assert.deepEqual(log[1]?.query, { labels: 'a', state: 'all' });
  assert.ok(!JSON.stringify(log).includes(TOKEN));
  const repository = await octokit.rest.repos.get(repo(gh));
  assert.equal(repository.data.default_branch, 'main');
});

test('rate limits: throttling waits out a secondary limit and a primary one; retry copes with a 429 and a 500', async (t) => {
  const { gh } = await setup(t);
  const limits: Limits = { secondary: [], primary: [] };
  const octokit = client(gh, TOKEN, true, limits);
  gh.addFault({ kind: 'secondary-rate-limit', retryAfterSeconds: 3, method: 'GET' });
  gh.addFault({ kind: 'secondary-rate-limit', status: 429, retryAfterSeconds: 2, method: 'GET' });
  const listed = await octokit.rest.issues.listForRepo(repo(gh));
  assert.equal(listed.status, 200);
  // The 403 goes to the throttling plugin's handler; the 429 is retried by the retry plugin first.
  assert.deepEqual(limits.secondary, [3]);

  gh.addFault({ kind: 'rate-limit', retryAfterSeconds: 1, method: 'GET' });
  assert.equal((await octokit.rest.issues.listForRepo(repo(gh))).status, 200);
  assert.equal(limits.primary.length, 1);

  gh.addFault({ kind: 'server-error', times: 2, method: 'GET' });
  assert.equal((await octokit.rest.issues.listForRepo(repo(gh))).status, 200);
  assert.deepEqual(
    gh.requests().map((r) => r.status),
    [403, 429, 200, 403, 200, 500, 500, 200],
  );
});

test('artifacts are listed (by name, by run), read, downloaded through the redirect and deleted', async (t) => {
  const { gh, state } = await setup(t);
  const octokit = client(gh);
  const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(3000, 7)]);
  const old = state.addArtifact({
    name: 'ledger-shard-1',
    runId: 11,
    bytes: Buffer.from('old'),
    createdAt: '2026-11-20T10:00:00Z',
  });
  const newest = state.addArtifact({
    name: 'ledger-shard-1',
    runId: 12,
    bytes: zip,
    createdAt: '2026-11-21T10:00:00Z',
  });
  state.addArtifact({
    name: 'ledger-shard-2',
    runId: 12,
    bytes: Buffer.from('two'),
    createdAt: '2026-11-21T10:00:01Z',
  });
  const expired = state.addArtifact({
    name: 'failures-csv',
    runId: 10,
    bytes: Buffer.from('x'),
    createdAt: '2026-08-01T00:00:00Z',
    expiresAt: '2026-08-02T00:00:00Z',
  });

  const byName = await octokit.rest.actions.listArtifactsForRepo({
    ...repo(gh),
    name: 'ledger-shard-1',
  });
  assert.equal(byName.data.total_count, 2);
  assert.deepEqual(
    byName.data.artifacts.map((a) => [a.id, a.workflow_run?.id, a.expired]),
    [
      [newest.id, 12, false],
      [old.id, 11, false],
    ],
  );
  const first = byName.data.artifacts[0];
  assert.equal(first?.size_in_bytes, zip.length);
  assert.equal(
    first.archive_download_url,
    `${gh.url}/repos/octo-org/dropbox-migration/actions/artifacts/${newest.id}/zip`,
  );

  const ofRun = await octokit.rest.actions.listWorkflowRunArtifacts({ ...repo(gh), run_id: 12 });
  assert.deepEqual(ofRun.data.artifacts.map((a) => a.name).sort(), [
    'ledger-shard-1',
    'ledger-shard-2',
  ]);
  const all = await octokit.paginate(octokit.rest.actions.listArtifactsForRepo, {
    ...repo(gh),
    per_page: 1,
  });
  assert.equal(all.length, 4);
  const one = await octokit.rest.actions.getArtifact({ ...repo(gh), artifact_id: expired.id });
  assert.equal(one.data.expired, true);

  const download = await octokit.rest.actions.downloadArtifact({
    ...repo(gh),
    artifact_id: newest.id,
    archive_format: 'zip',
  });
  assert.equal(download.status, 200);
  assert.ok(download.data instanceof ArrayBuffer);
  assert.deepEqual(Buffer.from(download.data), zip);
  const manual = await octokit.rest.actions.downloadArtifact({
    ...repo(gh),
    artifact_id: newest.id,
    archive_format: 'zip',
    request: { redirect: 'manual' },
  });
  assert.equal(manual.status, 302);
  const location = manual.headers.location ?? '';
  // The signed URL needs no token, as GitHub's blob URLs do not.
  const direct = await fetch(location);
  assert.deepEqual(Buffer.from(await direct.arrayBuffer()), zip);
  assert.equal((await fetch(location.replace(/sig=\w+/, 'sig=forged'))).status, 403);

  const gone = await failure(
    octokit.rest.actions.downloadArtifact({
      ...repo(gh),
      artifact_id: expired.id,
      archive_format: 'zip',
    }),
  );
  assert.equal(gone.status, 410);

  const deleted = await octokit.rest.actions.deleteArtifact({ ...repo(gh), artifact_id: old.id });
  assert.equal(deleted.status, 204);
  assert.equal(state.listArtifacts().length, 3);
  const again = await failure(
    octokit.rest.actions.deleteArtifact({ ...repo(gh), artifact_id: old.id }),
  );
  assert.equal(again.status, 404);
});

test('caches are listed by key prefix and ref, sorted and paged; deleted by key and by id', async (t) => {
  const { gh, state } = await setup(t);
  const octokit = client(gh);
  state.addCache({ key: 'ledger-s1-100', createdAt: '2026-11-20T10:00:00Z', sizeBytes: 300 });
  const s1b = state.addCache({
    key: 'ledger-s1-101',
    createdAt: '2026-11-21T10:00:00Z',
    sizeBytes: 100,
  });
  state.addCache({
    key: 'ledger-s1-101',
    ref: 'refs/heads/feature',
    createdAt: '2026-11-21T11:00:00Z',
  });
  state.addCache({ key: 'ledger-s10-5', createdAt: '2026-11-22T10:00:00Z' });

  const prefix = await octokit.rest.actions.getActionsCacheList({
    ...repo(gh),
    key: 'ledger-s1-',
    ref: 'refs/heads/main',
  });
  assert.equal(prefix.data.total_count, 2);
  assert.deepEqual(
    prefix.data.actions_caches.map((c) => c.key),
    ['ledger-s1-101', 'ledger-s1-100'],
  );
  const bySize = await octokit.rest.actions.getActionsCacheList({
    ...repo(gh),
    key: 'ledger-s1',
    sort: 'size_in_bytes',
    direction: 'asc',
  });
  assert.deepEqual(
    bySize.data.actions_caches.map((c) => c.size_in_bytes),
    [100, 300, 1024, 1024],
  );

  const byKey = await octokit.rest.actions.deleteActionsCacheByKey({
    ...repo(gh),
    key: 'ledger-s1-101',
    ref: 'refs/heads/main',
  });
  assert.equal(byKey.status, 200);
  assert.deepEqual(
    byKey.data.actions_caches.map((c) => c.id),
    [s1b.id],
  );
  assert.deepEqual(
    state.listCaches().map((c) => `${c.key}@${c.ref}`),
    [
      'ledger-s1-100@refs/heads/main',
      'ledger-s1-101@refs/heads/feature',
      'ledger-s10-5@refs/heads/main',
    ],
  );
  const prefixIsNotAKey = await failure(
    octokit.rest.actions.deleteActionsCacheByKey({ ...repo(gh), key: 'ledger-s1-' }),
  );
  assert.equal(prefixIsNotAKey.status, 404);

  const [first] = state.listCaches();
  assert.equal(
    (await octokit.rest.actions.deleteActionsCacheById({ ...repo(gh), cache_id: first?.id ?? 0 }))
      .status,
    204,
  );
  const twice = await failure(
    octokit.rest.actions.deleteActionsCacheById({ ...repo(gh), cache_id: first?.id ?? 0 }),
  );
  assert.equal(twice.status, 404);

  for (let i = 0; i < 120; i++) state.addCache({ key: `bulk-${i}` });
  const bulk = await octokit.paginate(octokit.rest.actions.getActionsCacheList, {
    ...repo(gh),
    key: 'bulk-',
    per_page: 100,
  });
  assert.equal(bulk.length, 120);
});

test('a workflow is dispatched with ref and inputs, disabled (dispatch refused), enabled again', async (t) => {
  const { gh } = await setup(t, {
    workflows: [
      {
        path: '.github/workflows/migrate.yml',
        name: 'Migrate',
        inputs: ['batch-size', 'shard-count'],
      },
    ],
  });
  const octokit = client(gh);
  const dispatched = await octokit.rest.actions.createWorkflowDispatch({
    ...repo(gh),
    workflow_id: 'migrate.yml',
    ref: 'main',
    inputs: { 'batch-size': '500', 'shard-count': '2' },
  });
  assert.equal(dispatched.status, 204);
  assert.deepEqual(gh.dispatches(), [
    {
      workflowId: gh.workflows()[0]?.id,
      workflowPath: '.github/workflows/migrate.yml',
      ref: 'main',
      inputs: { 'batch-size': '500', 'shard-count': '2' },
      token: 'default',
    },
  ]);

  const unexpected = await failure(
    octokit.rest.actions.createWorkflowDispatch({
      ...repo(gh),
      workflow_id: 'migrate.yml',
      ref: 'main',
      inputs: { other: 'x' },
    }),
  );
  assert.equal(unexpected.status, 422);
  assert.match(unexpected.message, /Unexpected inputs provided: \["other"\]/);
  const noRef = await failure(
    octokit.rest.actions.createWorkflowDispatch({
      ...repo(gh),
      workflow_id: 'migrate.yml',
      ref: 'no-such-branch',
    }),
  );
  assert.equal(noRef.status, 422);
  const noWorkflow = await failure(
    octokit.rest.actions.createWorkflowDispatch({
      ...repo(gh),
      workflow_id: 'other.yml',
      ref: 'main',
    }),
  );
  assert.equal(noWorkflow.status, 404);

  const id = gh.workflows()[0]?.id ?? 0;
  assert.equal(
    (await octokit.rest.actions.disableWorkflow({ ...repo(gh), workflow_id: 'migrate.yml' }))
      .status,
    204,
  );
  assert.equal(
    (await octokit.rest.actions.getWorkflow({ ...repo(gh), workflow_id: id })).data.state,
    'disabled_manually',
  );
  const disabled = await failure(
    octokit.rest.actions.createWorkflowDispatch({
      ...repo(gh),
      workflow_id: id,
      ref: 'refs/heads/main',
    }),
  );
  assert.equal(disabled.status, 422);
  await octokit.rest.actions.enableWorkflow({ ...repo(gh), workflow_id: id });
  assert.equal(gh.workflows()[0]?.state, 'active');
  assert.equal(gh.dispatches().length, 1);

  gh.setPermissions({ actions: 'read' });
  const denied = await failure(
    octokit.rest.actions.disableWorkflow({ ...repo(gh), workflow_id: id }),
  );
  assert.equal(denied.status, 403);
  assert.equal(
    (await octokit.rest.actions.getWorkflow({ ...repo(gh), workflow_id: 'migrate.yml' })).data
      .state,
    'active',
  );
});
