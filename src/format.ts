/** How sizes and durations read in messages, progress lines, summaries and reports. */

/** Human-readable byte counts for messages and progress. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? String(value) : value.toFixed(value < 10 ? 2 : 1)} ${units[unit] ?? 'B'}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${String(h)}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${String(m)}m${String(s).padStart(2, '0')}s`;
  return `${String(s)}s`;
}
