import { build } from 'esbuild';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_OPTIONS } from '../scripts/bundle-options.ts';

const made: string[] = [];

/** Removes every bundle made so far. */
export async function removeBundles(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

/**
 * A program bundled from the current source as dist/ is built, into a scratch folder: the engine's
 * CLI and the raw pipe then start the same way (one JavaScript file, no type stripping).
 */
export async function bundle(source: string): Promise<string> {
  const outdir = await mkdtemp(join(tmpdir(), 'bench-bundle-'));
  made.push(outdir);
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { index: fileURLToPath(new URL(source, import.meta.url)) },
    outdir,
  });
  return join(outdir, 'index.js');
}
