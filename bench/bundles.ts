import { build } from 'esbuild';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_OPTIONS } from '../scripts/bundle-options.ts';

/**
 * A program bundled from the current source as dist/ is built, into a scratch folder: the engine's
 * CLI and the raw pipe then start the same way (one JavaScript file, no type stripping).
 */
export async function bundle(source: string): Promise<string> {
  const outdir = await mkdtemp(join(tmpdir(), 'bench-bundle-'));
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { index: fileURLToPath(new URL(source, import.meta.url)) },
    outdir,
  });
  return join(outdir, 'index.js');
}
