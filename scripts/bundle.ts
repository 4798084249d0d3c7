/**
 * Builds one ESM bundle per entry point into dist/. The output must be byte-for-byte reproducible:
 * `.ci/run` and the check-dist workflow rebuild it and fail on any difference from what is committed.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { BUNDLE_OPTIONS } from './bundle-options.ts';

const entryPoints = {
  'main/index': 'src/action/main/index.ts',
  'post/index': 'src/action/post/index.ts',
  'cli/index': 'src/cli/index.ts',
};

await rm('dist', { recursive: true, force: true });
await build({ ...BUNDLE_OPTIONS, entryPoints, outdir: 'dist' });
