import { spawnSync } from 'node:child_process';

/** How to install each external tool a test may need, shown when it is missing. */
const INSTALL: Record<string, string> = {
  rclone: 'apt-get update && apt-get install -y rclone',
  'cmark-gfm': 'apt-get update && apt-get install -y cmark-gfm',
  jq: 'apt-get update && apt-get install -y jq',
};

/**
 * The absolute path of `tool`, or an error that says how to install it. Tests call this instead of
 * skipping, so a machine without the tool fails loudly with the fix.
 */
export function requireTool(tool: string): string {
  const found = spawnSync('/bin/sh', ['-c', 'command -v "$0"', tool], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path !== '') return path;
  const install = INSTALL[tool] ?? `install ${tool}`;
  throw new Error(`${tool} is needed by this test but is not on PATH; install it with: ${install}`);
}

/** Renders Markdown as GitHub does: cmark-gfm with GitHub's extensions. */
export function renderGfm(markdown: string): string {
  const result = spawnSync(
    requireTool('cmark-gfm'),
    ['-e', 'table', '-e', 'autolink', '-e', 'strikethrough', '-e', 'tagfilter', '--unsafe'],
    { input: markdown, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`cmark-gfm failed: ${result.stderr}`);
  return result.stdout;
}
