import type { Config } from '../config/config.ts';
import { formatBytes, formatDuration } from '../config/values.ts';
import { DropboxSource } from '../dropbox/source.ts';
import { runChunk, type ChunkResult } from '../engine/chunk.ts';
import { S3Target } from '../s3/target.ts';
import { stderrProgress } from './progress.ts';
import { stopOnSignals } from './signals.ts';

/** `dropbox-to-s3 migrate`: one chunk. Returns the exit code. */
export async function runMigrate(config: Config): Promise<number> {
  const progress = stderrProgress(process.stderr.isTTY);
  const signals = stopOnSignals((signal) => {
    progress.note(`${signal}: finishing files in flight, then saving the ledger.`);
  });
  let result: ChunkResult;
  try {
    result = await runChunk(config, {
      source: new DropboxSource(config.dropbox),
      target: new S3Target(config.s3),
      progress,
      stop: signals.signal,
    });
  } finally {
    signals.dispose();
    progress.stop();
  }
  report(config, result);
  return result.fatal === undefined ? 0 : 1;
}

function report(config: Config, result: ChunkResult): void {
  const { chunk, total } = result;
  if (config.json) {
    process.stdout.write(
      `${JSON.stringify({
        chunk: {
          migrated: chunk.migrated,
          failed: chunk.failed,
          checkpointed: chunk.checkpointed,
          bytes: chunk.bytes,
          durationMs: chunk.durationMs,
          stoppedBy: chunk.stoppedBy,
        },
        total: {
          migrated: total.migrated,
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
      `Chunk: ${String(chunk.migrated)} migrated (${formatBytes(chunk.bytes)}), ${String(chunk.failed)} failed, ` +
        (chunk.checkpointed > 0
          ? `${String(chunk.checkpointed)} checkpointed (resumed next chunk), `
          : '') +
        `in ${formatDuration(chunk.durationMs)}; stopped: ${chunk.stoppedBy}.\n` +
        `Total: ${String(total.migrated)} migrated (${formatBytes(total.bytesMigrated)}), ` +
        `${String(total.failed)} failed, ${String(total.pending)} pending (${formatBytes(total.bytesPending)}), ` +
        `${String(total.deleted)} deleted in Dropbox.${result.done ? ' Done.' : ''}\n`,
    );
  }
  if (result.fatal !== undefined) {
    process.stderr.write(`dropbox-to-s3: stopped: ${result.fatal.message}\n`);
  }
}
