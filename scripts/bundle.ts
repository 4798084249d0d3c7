/**
 * Builds one ESM bundle per entry point into dist/. The output must be byte-for-byte reproducible:
 * `.ci/run` and the check-dist workflow rebuild it and fail on any difference from what is committed.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

const entryPoints = {
  'main/index': 'src/action/main/index.ts',
  'post/index': 'src/action/post/index.ts',
  'cli/index': 'src/cli/index.ts',
};

// Bundled CommonJS dependencies (the Dropbox and AWS SDKs) call require() for Node built-ins,
// which an ES module does not have; give them one.
const banner = [
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
].join('\n');

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  outExtension: { '.js': '.js' },
  banner: { js: banner },
  legalComments: 'none',
  sourcemap: false,
  minify: false,
  logLevel: 'warning',
});
