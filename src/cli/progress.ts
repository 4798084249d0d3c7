import cliProgress from 'cli-progress';
import { formatBytes, formatDuration } from '../format.ts';
import type { ProgressListener } from '../engine/progress.ts';

const LINE_EVERY_MS = 10_000;

/**
 * Progress on stderr: a live bar on a terminal (files, bytes, rate, ETA), a line every ten seconds
 * otherwise (CI logs), and notes as they come.
 */
export function stderrProgress(isTerminal: boolean): ProgressListener & { stop(): void } {
  const started = Date.now();
  let files = 0;
  let failed = 0;
  let plannedFiles = 0;
  let plannedBytes = 0;
  let bytes = 0;
  let lastLine = started;
  const bar = isTerminal
    ? new cliProgress.SingleBar(
        {
          format:
            '{bar} {value}/{total} files | {done} of {planned} | {rate}/s | ETA {eta_formatted} | {failed} failed',
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;

  const fields = () => {
    const elapsed = Math.max((Date.now() - started) / 1000, 0.001);
    return {
      done: formatBytes(bytes),
      planned: formatBytes(plannedBytes),
      rate: formatBytes(Math.round(bytes / elapsed)),
      failed,
    };
  };
  const line = (): string => {
    const now = Date.now();
    const rate = bytes / Math.max((now - started) / 1000, 0.001);
    const left = Math.max(plannedBytes - bytes, 0);
    const eta = rate > 0 ? formatDuration((left / rate) * 1000) : '?';
    return (
      `${String(files)}/${String(plannedFiles)} files, ${formatBytes(bytes)} of ${formatBytes(plannedBytes)}, ` +
      `${formatBytes(Math.round(rate))}/s, ETA ${eta}, ${String(failed)} failed`
    );
  };
  const tick = (): void => {
    if (bar) {
      bar.update(files, fields());
      return;
    }
    const now = Date.now();
    if (now - lastLine >= LINE_EVERY_MS) {
      lastLine = now;
      process.stderr.write(`${line()}\n`);
    }
  };
  return {
    planned(count, total) {
      plannedFiles = count;
      plannedBytes = total;
      if (bar) bar.start(count, 0, fields());
      else process.stderr.write(`Chunk plan: ${String(count)} files, ${formatBytes(total)}\n`);
    },
    bytes(count) {
      bytes += count;
      tick();
    },
    finished(outcome) {
      if (outcome === 'migrated') files += 1;
      else if (outcome === 'failed') failed += 1;
      tick();
    },
    note(text) {
      if (bar) bar.stop();
      process.stderr.write(`${text}\n`);
    },
    stop() {
      if (bar) {
        bar.update(files, fields());
        bar.stop();
      } else process.stderr.write(`${line()}\n`);
    },
  };
}
