// Contract: the real @actions/artifact 6 (artifact service v4, Azure SDK block upload, zip) against
// the Actions runtime emulator, in-process with each "run"'s step environment. Artifacts of other
// runs are reached through the REST API (the REST fake's contract), not through these RPCs.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DefaultArtifactClient } from '@actions/artifact';
import {
  startActionsRuntime,
  type ActionsRuntime,
  type RunSpec,
} from '../emulators/github/runtime/index.ts';
import { withStepEnv } from '../support/step-env.ts';

let runtime: ActionsRuntime;
let scratch: string;
const client = new DefaultArtifactClient();

before(async () => {
  runtime = await startActionsRuntime();
  scratch = await mkdtemp(join(tmpdir(), 'artifact-contract-'));
});

after(async () => {
  await runtime.close();
  await rm(scratch, { recursive: true, force: true });
});

/** A ledger folder with a nested file and one large enough to span several blocks' worth of zip. */
async function makeFolder(
  name: string,
  content: string,
): Promise<{ root: string; files: string[] }> {
  const root = join(scratch, name);
  await mkdir(join(root, 'journal'), { recursive: true });
  const files = [join(root, 'state.json'), join(root, 'journal', '0001.log')];
  await writeFile(files[0] ?? '', content);
  await writeFile(files[1] ?? '', `${content}\n`.repeat(2000));
  return { root, files };
}

function step<T>(run: RunSpec, fn: () => Promise<T>): Promise<T> {
  return withStepEnv(runtime.env(run), fn);
}

describe('@actions/artifact 6 against the runtime emulator', () => {
  let uploadedId = 0;

  test('uploads a folder as a zip and finalizes it with its size and digest', async () => {
    const { root, files } = await makeFolder('run40', 'run 40');
    const result = await step({ runId: 40 }, () =>
      client.uploadArtifact('ledger-shard-1', files, root, { retentionDays: 5 }),
    );
    assert.ok(result.id !== undefined && result.id > 0);
    assert.ok(result.size !== undefined && result.size > 0);
    uploadedId = result.id;

    const info = runtime.state.listArtifacts().find((a) => a.id === uploadedId);
    assert.ok(info);
    assert.equal(info.name, 'ledger-shard-1');
    assert.equal(info.runId, 40);
    assert.equal(info.sizeBytes, result.size);
    const days = (Date.parse(info.expiresAt) - Date.parse(info.createdAt)) / 86_400_000;
    assert.ok(days > 4 && days <= 5, `retention ${days} days`);

    const bytes = runtime.state.artifactBytes(uploadedId);
    assert.ok(bytes);
    assert.equal(bytes.length, result.size);
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK');
    // The toolkit streams the zip with Put Block + Put Block List.
    const blob = runtime.requests().filter((r) => r.service === 'blob' && r.method === 'PUT');
    assert.ok(blob.length >= 2, JSON.stringify(blob));
  });

  test('lists and gets it in the same run (another job, later attempt too)', async () => {
    const listed = await step({ runId: 40, job: 'finalize' }, () => client.listArtifacts());
    assert.deepEqual(
      listed.artifacts.map((a) => [a.id, a.name]),
      [[uploadedId, 'ledger-shard-1']],
    );
    assert.match(listed.artifacts[0]?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    const got = await step({ runId: 40, attempt: 2 }, () => client.getArtifact('ledger-shard-1'));
    assert.equal(got.artifact.id, uploadedId);
  });

  test('downloads and unzips it in the same run, digest checked', async () => {
    const target = join(scratch, 'download-40');
    const listed = await step({ runId: 40 }, () => client.listArtifacts());
    const digest = listed.artifacts[0]?.digest;
    const result = await step({ runId: 40 }, () =>
      client.downloadArtifact(uploadedId, { path: target, expectedHash: digest }),
    );
    assert.equal(result.digestMismatch, false);
    assert.equal(await readFile(join(target, 'state.json'), 'utf8'), 'run 40');
    assert.equal(
      await readFile(join(target, 'journal', '0001.log'), 'utf8'),
      'run 40\n'.repeat(2000),
    );
  });

  test('a name is unique per run: a second upload under it fails', async () => {
    const { root, files } = await makeFolder('run40-again', 'again');
    await assert.rejects(
      step({ runId: 40, attempt: 2 }, () => client.uploadArtifact('ledger-shard-1', files, root)),
      /409|already exists/,
    );
    assert.equal(
      runtime.state.listArtifacts().filter((a) => a.name === 'ledger-shard-1').length,
      1,
    );
  });

  test("another run sees none of this run's artifacts through the runtime service", async () => {
    const { root, files } = await makeFolder('run41', 'run 41');
    const mine = await step({ runId: 41 }, () =>
      client.uploadArtifact('ledger-shard-1', files, root),
    );
    const listed = await step({ runId: 41 }, () => client.listArtifacts());
    assert.deepEqual(
      listed.artifacts.map((a) => a.id),
      [mine.id],
    );
    await assert.rejects(
      step({ runId: 42 }, () => client.getArtifact('ledger-shard-1')),
      /not found/i,
    );
    await assert.rejects(
      step({ runId: 42 }, () => client.downloadArtifact(uploadedId, { path: join(scratch, 'x') })),
      /No artifacts found/,
    );
    // Both are in the repository's state, for the REST API to serve.
    assert.deepEqual(
      runtime.state
        .listArtifacts()
        .filter((a) => a.name === 'ledger-shard-1')
        .map((a) => a.runId),
      [40, 41],
    );
  });

  test('deleteArtifact removes it from the run and from the state', async () => {
    const { root, files } = await makeFolder('run43', 'run 43');
    const uploaded = await step({ runId: 43 }, () => client.uploadArtifact('scratch', files, root));
    const deleted = await step({ runId: 43 }, () => client.deleteArtifact('scratch'));
    assert.equal(deleted.id, uploaded.id);
    assert.equal(
      runtime.state.listArtifacts().some((a) => a.id === uploaded.id),
      false,
    );
    assert.equal(runtime.state.artifactBytes(uploaded.id ?? 0), undefined);
    assert.equal(runtime.state.deleteArtifact(uploadedId), true);
    assert.equal(runtime.state.deleteArtifact(uploadedId), false);
  });
});
