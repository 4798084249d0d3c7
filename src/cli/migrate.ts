import type { Config } from '../config/config.ts';
import { engineSettings } from '../config/engine-settings.ts';
import { formatBytes, formatDuration } from '../format.ts';
import { runChunk, type ChunkResult } from '../engine/chunk.ts';
import { stopOnSignals } from '../signals.ts';
import { openS3, openSource, openTarget, setUpBucketFor } from '../wiring/open.ts';
import { stderrProgress } from './progress.ts';
import { EXIT } from './exit-codes.ts';

/** `dropbox-to-s3 migrate`: one chunk. Returns the exit code. */
export async function runMigrate(config: Config): Promise<number> {
  const progress = stderrProgress(process.stderr.isTTY);
  const signals = stopOnSignals(
    (signal) => {
      progress.note(`${signal}: finishing files in flight, then saving the ledger.`);
    },
    { exitOnSecond: true },
  );
  let result: ChunkResult;
  try {
    const client = openS3(config);
    const target = openTarget(config, client);
    // Once per migration, not by every shard: shard 0 runs in every migration.
    if (config.shard.index === 0) {
      // Its lines go to stderr with the other notes; the --json line keeps its documented shape.
      const setup = await setUpBucketFor(config, client);
      for (const line of setup.lines) progress.note(line);
      for (const warning of setup.warnings) progress.note(`Warning: ${warning}`);
    }
    result = await runChunk(engineSettings(config), {
      source: openSource(config, {
        note: (line) => {
          progress.note(line);
        },
      }),
      target,
      progress,
      stop: signals.signal,
    });
  } finally {
    signals.dispose();
    progress.stop();
  }
  report(config, result);
  return result.fatal === undefined ? EXIT.ok : EXIT.fatal;
}

function report(config: Config, result: ChunkResult): void {
  const { chunk, total } = result;
  if (config.json) {
    process.stdout.write(
      `${JSON.stringify({
        chunk: {
          migrated: chunk.migrated,
          exports: chunk.exports,
          failed: chunk.failed,
          checkpointed: chunk.checkpointed,
          bytes: chunk.bytes,
          durationMs: chunk.durationMs,
          stoppedBy: chunk.stoppedBy,
          removed: chunk.removed,
        },
        total: {
          migrated: total.migrated,
          exports: total.exports,
          failed: total.failed,
          pending: total.pending,
          bytes: total.bytesMigrated,
        },
        done: result.done,
        ...(result.fatal === undefined ? {} : { error: result.fatal.message }),
      })}\n`,
    );
  } else {
    process.stderr.write(
      `Chunk: ${String(chunk.migrated)} migrated (${formatBytes(chunk.bytes)}${exportsOf(chunk.exports)}), ` +
        `${String(chunk.failed)} failed, ` +
        (chunk.checkpointed > 0
          ? `${String(chunk.checkpointed)} checkpointed (resumed next chunk), `
          : '') +
        `in ${formatDuration(chunk.durationMs)}; stopped: ${chunk.stoppedBy}.` +
        `${chunk.removed > 0 ? ` Deleted ${String(chunk.removed)} object(s) of files deleted in Dropbox.` : ''}\n` +
        `Total: ${String(total.migrated)} migrated (${formatBytes(total.bytesMigrated)}${exportsOf(total.exports)}), ` +
        `${String(total.failed)} failed, ${String(total.pending)} pending (${formatBytes(total.bytesPending)}), ` +
        `${String(total.deleted)} deleted in Dropbox.${result.done ? ' Done.' : ''}\n`,
    );
  }
  if (result.fatal !== undefined) {
    process.stderr.write(`dropbox-to-s3: stopped: ${result.fatal.message}\n`);
  }
}

/** ", 2 exported documents" when some of the migrated files are exports. */
function exportsOf(count: number): string {
  return count === 0 ? '' : `, ${String(count)} exported document${count === 1 ? '' : 's'}`;
}
