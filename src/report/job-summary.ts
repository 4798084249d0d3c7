import type { Config } from '../config/config.ts';
import { formatBytes, formatDuration } from '../format.ts';
import type { ChunkResult } from '../engine/chunk.ts';
import { isFailureClass } from '../errors.ts';
import { escapeMarkdown } from './escape.ts';
import type { FailureGroup } from './failures.ts';

function rate(bytes: number, ms: number): number {
  return ms <= 0 ? 0 : (bytes * 1000) / ms;
}

/** Remaining time at this chunk's rate, and the runs that takes at `max-duration` each. */
function eta(config: Config, result: ChunkResult): string {
  const { total, chunk } = result;
  if (result.done) return 'nothing left';
  const perSecond = rate(chunk.bytes, chunk.durationMs);
  const filesPerMs = chunk.durationMs <= 0 ? 0 : chunk.migrated / chunk.durationMs;
  if (perSecond <= 0 && filesPerMs <= 0) return 'unknown (nothing moved in this chunk)';
  const byBytes = perSecond > 0 ? (total.bytesPending / perSecond) * 1000 : 0;
  const byFiles = filesPerMs > 0 ? total.pending / filesPerMs : 0;
  const ms = Math.max(byBytes, byFiles);
  const runs =
    config.budget.maxDurationMs === undefined
      ? ''
      : `, about ${String(Math.max(1, Math.ceil(ms / config.budget.maxDurationMs)))} more run(s)`;
  return `about ${formatDuration(ms)} at this chunk's rate${runs}`;
}

/**
 * A failure class as code, as `status` shows it; anything else a ledger on disk holds is
 * escaped, never trusted.
 */
function className(name: string): string {
  return isFailureClass(name) ? `\`${name}\`` : escapeMarkdown(name);
}

/** The job summary of one chunk: this chunk and the shard overall, and failures by class. */
export function summaryMarkdown(
  config: Config,
  result: ChunkResult,
  failures: readonly FailureGroup[],
): string {
  const { chunk, total } = result;
  const shard = `shard ${String(config.shard.index)} of ${String(config.shard.count)}`;
  const lines = [
    `## Dropbox to S3: ${shard}`,
    '',
    result.done
      ? '**Done**: nothing is pending in this shard.'
      : result.fatal === undefined
        ? `**Not done yet**: the next run carries on (this chunk stopped: ${chunk.stoppedBy}).`
        : `**Stopped by an error**: ${escapeMarkdown(result.fatal.message)}`,
    '',
    '| | this chunk | overall |',
    '| --- | ---: | ---: |',
    `| files migrated | ${String(chunk.migrated)} | ${String(total.migrated)} |`,
    `| bytes migrated | ${formatBytes(chunk.bytes)} | ${formatBytes(total.bytesMigrated)} |`,
    `| failed | ${String(chunk.failed)} | ${String(total.failed)} |`,
    `| remaining | | ${String(total.pending)} files, ${formatBytes(total.bytesPending)} |`,
    '',
    `Chunk time ${formatDuration(chunk.durationMs)}, rate ${formatBytes(rate(chunk.bytes, chunk.durationMs))}/s. ` +
      `Remaining: ${eta(config, result)}.`,
  ];
  if (failures.length > 0) {
    lines.push('', '### Failures by class', '');
    for (const group of failures) {
      lines.push(`**${className(group.failureClass)}**: ${String(group.count)} file(s)`, '');
      for (const example of group.examples) {
        lines.push(`- ${escapeMarkdown(example.path)}: ${escapeMarkdown(example.reason)}`);
      }
      if (group.count > group.examples.length) {
        lines.push(`- … and ${String(group.count - group.examples.length)} more`);
      }
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}
