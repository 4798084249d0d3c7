import * as core from '@actions/core';
import { failuresByClass, type FailureGroup } from '../../report/failures.ts';
import { forShard, type Config } from '../../config/config.ts';
import { engineSettings } from '../../config/engine-settings.ts';
import { formatBytes } from '../../format.ts';
import { runChunk, type ChunkResult } from '../../engine/chunk.ts';
import { shardText } from '../../engine/shard.ts';
import type { ProgressListener } from '../../engine/progress.ts';
import type { Source } from '../../engine/source.ts';
import { messageOf } from '../../errors.ts';
import { LedgerView } from '../../ledger/ledger.ts';
import { buildPlan } from '../../plan/plan.ts';
import { renderMarkdown, renderText } from '../../plan/render.ts';
import { stepContext } from '../context.ts';
import { checkCredentialLifetime } from '../credentials.ts';
import { finalizeStep } from '../finalize.ts';
import { readConfig, readMode } from '../inputs.ts';
import { stopOnSignals } from '../../signals.ts';
import { openS3, openSource, openTarget, setUpBucketFor, targetLimits } from '../../wiring/open.ts';
import { markRestored, markSaved } from '../state.ts';
import { ledgerStoreFor } from '../stores/index.ts';
import { summaryMarkdown } from '../../report/job-summary.ts';

/** The action's main step: restore the shard's ledger, run one chunk, save it, report. */
export async function run(): Promise<void> {
  try {
    const mode = readMode();
    if (mode === 'plan') await planStep(readConfig());
    else if (mode === 'finalize') await finalizeShards(readConfig());
    else await migrate(readConfig());
  } catch (error) {
    core.setFailed(messageOf(error));
  }
}

async function migrate(config: Config): Promise<void> {
  const s3 = openS3(config);
  await checkCredentialLifetime(config, s3);
  const store = ledgerStoreFor(config, stepContext(), s3);
  const restored = await core.group(`Restoring the ledger from ${store.description}`, () =>
    store.restore(config.ledgerDir),
  );
  if (!restored) {
    core.info(
      `No saved ledger for shard ${String(config.shard.index)} of ${String(config.shard.count)} in ` +
        `${store.description}: starting one (files already in the bucket are found, not copied again).`,
    );
  }
  markRestored();
  const cancel = stopOnSignals(
    (signal, first) => {
      core.info(
        first
          ? `${signal}: finishing files in flight, then saving the ledger.`
          : `${signal}: still saving the ledger.`,
      );
    },
    { exitOnSecond: false },
  );
  let result: ChunkResult;
  try {
    result = await runChunk(engineSettings(config), {
      source: dropboxSource(config),
      target: openTarget(config, s3),
      progress: actionProgress(),
      stop: cancel.signal,
    });
  } finally {
    // The ledger is saved below whatever happened; a cancellation meanwhile changes nothing.
    await store
      .save(config.ledgerDir, 'main')
      .then(() => {
        markSaved();
      })
      .catch((error: unknown) => {
        core.warning(`The ledger was not saved by the main step: ${messageOf(error)}`);
      });
    cancel.dispose();
  }
  await report(config, result);
  if (result.fatal !== undefined) core.setFailed(result.fatal.message);
}

/**
 * `mode: finalize`: restore every shard's ledger from the store (a missing one is reported, not an
 * error), set up the bucket once for the migration (our lifecycle rule, a versioning warning), then
 * the summary issue or the progress, the failures CSV, the job summary and outputs.
 */
async function finalizeShards(config: Config): Promise<void> {
  const s3 = openS3(config);
  const context = stepContext();
  const { count } = config.shard;
  const shards: { shard: string; dir: string }[] = [];
  for (let index = 0; index < count; index += 1) {
    const shard = forShard(config, { index, count });
    const store = ledgerStoreFor(shard, context, s3);
    const restored = await core.group(
      `Restoring the ledger of shard ${String(index)} of ${String(count)} from ${store.description}`,
      () => store.restore(shard.ledgerDir),
    );
    if (!restored) core.info(`Shard ${String(index)} of ${String(count)} has no saved ledger yet.`);
    shards.push({ shard: shardText(shard.shard), dir: shard.ledgerDir });
  }
  const bucketSetup = await core.group(`Lifecycle rule of ${config.s3.bucket}`, () =>
    setUpBucketFor(config, s3),
  );
  await finalizeStep({
    shards,
    bucketSetup,
    token: config.action?.githubToken ?? '',
    disableScheduleWhenDone: config.action?.disableScheduleWhenDone ?? false,
    migrateJobFailed: config.action?.migrateResult === 'failure',
    env: process.env,
  });
}

/**
 * `mode: plan`: list the account (nothing is copied, S3 is not called), print the plan, write it
 * to the job summary. The shard's saved ledger, when the store gives it, supplies the measured
 * rate; it is never saved back (main did not mark it restored, so post leaves it too).
 */
async function planStep(config: Config): Promise<void> {
  await core.group('Looking for a saved ledger to measure the transfer rate', async () => {
    try {
      const s3 = openS3(config);
      const store = ledgerStoreFor(config, stepContext(), s3);
      const restored =
        config.s3.bucket === '' && config.action?.ledgerStore === 's3'
          ? false
          : await store.restore(config.ledgerDir);
      core.info(
        restored ? `Restored from ${store.description}.` : 'None: the default rate is used.',
      );
    } catch (error) {
      core.info(`No ledger (${messageOf(error)}): the default rate is used.`);
    }
  });
  const plan = await core.group('Listing the account (nothing is copied)', () =>
    buildPlan(config, engineSettings(config), {
      source: dropboxSource(config),
      targetLimits: targetLimits(config),
      log: (line) => {
        core.info(line);
      },
    }),
  );
  core.info(renderText(plan));
  const longest = plan.cheapest.at(-1);
  if (longest !== undefined) core.setOutput('cheapest', longest.id);
  if (process.env.GITHUB_STEP_SUMMARY === undefined) return;
  try {
    await core.summary.addRaw(renderMarkdown(plan)).write();
  } catch (error) {
    core.warning(`The job summary was not written: ${messageOf(error)}`);
  }
}

/** Dropbox as the action uses it: notes go to the log, every access token is masked on sight. */
function dropboxSource(config: Config): Source {
  return openSource(config, {
    note: (line) => {
      core.info(line);
    },
    onSecret: core.setSecret,
  });
}

function actionProgress(): ProgressListener {
  return {
    planned: (files, bytes) => {
      core.info(`This chunk: ${String(files)} files, ${formatBytes(bytes)} to move.`);
    },
    bytes: () => undefined,
    finished: () => undefined,
    note: (line) => {
      core.info(line);
    },
  };
}

async function report(config: Config, result: ChunkResult): Promise<void> {
  const view = await LedgerView.inspect(config.ledgerDir);
  const failures: FailureGroup[] = view === undefined ? [] : failuresByClass(view.records());
  const { chunk, total } = result;
  core.setOutput('migrated', chunk.migrated);
  core.setOutput('failed', chunk.failed);
  core.setOutput('bytes', chunk.bytes);
  core.setOutput('remaining', total.pending);
  core.setOutput('done', result.done);
  core.info(
    `Chunk: ${String(chunk.migrated)} migrated (${formatBytes(chunk.bytes)}), ${String(chunk.failed)} failed; ` +
      `shard: ${String(total.migrated)} migrated, ${String(total.failed)} failed, ${String(total.pending)} pending` +
      `${result.done ? '; done' : ''}.`,
  );
  // GitHub shows about ten annotations per step: one per class, not one per file.
  for (const group of failures) {
    const example = group.examples[0];
    core.warning(
      `${String(group.count)} file(s) failed: ${group.failureClass}` +
        (example === undefined ? '' : ` (for example ${example.path}: ${example.reason})`),
      { title: `dropbox-to-s3: ${group.failureClass}` },
    );
  }
  if (process.env.GITHUB_STEP_SUMMARY === undefined) return;
  try {
    await core.summary.addRaw(summaryMarkdown(config, result, failures)).write();
  } catch (error) {
    core.warning(`The job summary was not written: ${messageOf(error)}`);
  }
}
