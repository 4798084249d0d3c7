/**
 * The workflows' rules that actionlint does not check, and the migrate workflow's settings step
 * run with bash as the runner would (the Actions cache between runs stood in for by the file it
 * saves and restores).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { requireTool } from '../support/tools.ts';

const DIR = '.github/workflows';
const workflows = await Promise.all(
  (await readdir(DIR))
    .filter((name) => name.endsWith('.yml'))
    .map(async (name) => ({ name, text: await readFile(join(DIR, name), 'utf8') })),
);
const root = await mkdtemp(join(tmpdir(), 'workflows-'));
const migrate = workflows.find((workflow) => workflow.name === 'migrate.yml')?.text ?? '';

/** The `run: |` scripts of a workflow, each with the step's `id` when it has one. */
function runScripts(text: string): { id: string | undefined; script: string }[] {
  const lines = text.split('\n');
  const scripts: { id: string | undefined; script: string }[] = [];
  let id: string | undefined;
  lines.forEach((line, index) => {
    if (/^\s*- /.test(line)) id = undefined;
    const idMatch = /^\s*(?:- )?id: (\S+)/.exec(line);
    if (idMatch !== null) id = idMatch[1];
    const run = /^(\s*)(?:- )?run: (.*)$/.exec(line);
    if (run === null) return;
    if (run[2] !== '|') {
      scripts.push({ id, script: run[2] ?? '' });
      return;
    }
    const indent = (run[1] ?? '').length;
    const body: string[] = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() !== '' && next.length - next.trimStart().length <= indent) break;
      body.push(next);
    }
    const depth = Math.min(
      ...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length),
    );
    scripts.push({ id, script: body.map((l) => l.slice(depth)).join('\n') });
  });
  return scripts;
}

describe('workflows', () => {
  it('pass no ${{ }} expression into a run script (values go through env)', () => {
    for (const { name, text } of workflows) {
      for (const { script } of runScripts(text)) {
        assert.doesNotMatch(script, /\$\{\{/, `${name}: ${script}`);
      }
    }
  });

  it('pin every action from elsewhere to a full commit SHA, with its version in a comment', () => {
    for (const { name, text } of workflows) {
      for (const match of text.matchAll(/uses: (\S+)(.*)$/gm)) {
        const target = match[1] ?? '';
        if (target.startsWith('./')) continue;
        assert.match(target, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${name}: ${target}`);
        assert.match(match[2] ?? '', /# v\d+\.\d+\.\d+/, `${name}: ${target} names its version`);
      }
    }
  });

  it('grant only contents: read at the top; the rest per job', () => {
    for (const { name, text } of workflows) {
      assert.match(text, /^permissions:\n {2}contents: read\n\n/m, name);
    }
    assert.match(migrate, /cancel-in-progress: false/);
    // issues: write only on the finalize job.
    const finalizeAt = migrate.indexOf('\n  finalize:');
    assert.ok(finalizeAt > 0);
    assert.equal(migrate.indexOf('issues: write'), migrate.lastIndexOf('issues: write'));
    assert.ok(migrate.indexOf('issues: write') > finalizeAt);
  });
});

describe('migrate.yml settings step', () => {
  const settings = runScripts(migrate).find((run) => run.id === 'settings')?.script ?? '';
  after(() => rm(root, { recursive: true, force: true }));

  async function step(
    workspace: string,
    env: Record<string, string>,
  ): Promise<{ status: number | null; outputs: Record<string, string>; stderr: string }> {
    requireTool('jq'); // the settings step uses it, as GitHub's runners have it
    const output = join(workspace, 'output');
    await rm(output, { force: true });
    const result = spawnSync('bash', ['-c', settings], {
      cwd: workspace,
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, ...env },
      encoding: 'utf8',
    });
    const text = await readFile(output, 'utf8').catch(() => '');
    const outputs = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    return { status: result.status, outputs, stderr: result.stdout + result.stderr };
  }

  it('is found', () => {
    assert.match(settings, /GITHUB_OUTPUT/);
  });

  it('records a dispatch and a scheduled run reuses it', async () => {
    const workspace = await mkdtemp(join(root, 'run-'));
    const dispatched = await step(workspace, {
      EVENT: 'workflow_dispatch',
      INPUT_BATCH_SIZE: '250',
      INPUT_SHARD_COUNT: '3',
      INPUT_MAX_DURATION: '40m',
    });
    assert.equal(dispatched.status, 0, dispatched.stderr);
    assert.deepEqual(dispatched.outputs, {
      'batch-size': '250',
      'shard-count': '3',
      'max-duration': '40m',
      shards: '[0,1,2]',
      'role-duration-seconds': String(40 * 60 + 600),
      'timeout-minutes': '60',
    });
    // The cache hands the saved file to the scheduled run; it has no inputs.
    const scheduled = await step(workspace, { EVENT: 'schedule' });
    assert.equal(scheduled.status, 0, scheduled.stderr);
    assert.deepEqual(scheduled.outputs, dispatched.outputs);
    assert.match(scheduled.stderr, /reusing the settings of the last dispatch/);
  });

  it('uses the defaults for a scheduled run before any dispatch', async () => {
    const workspace = await mkdtemp(join(root, 'run-'));
    const scheduled = await step(workspace, { EVENT: 'schedule' });
    assert.equal(scheduled.status, 0, scheduled.stderr);
    assert.equal(scheduled.outputs['shard-count'], '2');
    assert.equal(scheduled.outputs['max-duration'], '50m');
    assert.equal(scheduled.outputs['role-duration-seconds'], '3600');
  });

  it('refuses values that are not what they claim, before any output', async () => {
    const workspace = await mkdtemp(join(root, 'run-'));
    const bad: [string, string, string][] = [
      ['x', '2', '50m'],
      ['10\nshards=[0]', '2', '50m'],
      ['', '0', '50m'],
      ['', '257', '50m'],
      ['', '2', 'soon'],
      ['', '2', '6h'],
      ['', '2', ''],
    ];
    for (const [batch, shards, duration] of bad) {
      const result = await step(workspace, {
        EVENT: 'workflow_dispatch',
        INPUT_BATCH_SIZE: batch,
        INPUT_SHARD_COUNT: shards,
        INPUT_MAX_DURATION: duration,
      });
      assert.equal(result.status, 1, `${batch}/${shards}/${duration}`);
      assert.deepEqual(result.outputs, {});
      assert.match(result.stderr, /::error::/);
    }
  });
});
