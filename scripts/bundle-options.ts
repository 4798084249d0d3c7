import type { BuildOptions } from 'esbuild';

/**
 * How every entry point is bundled: by scripts/bundle.ts into dist/, and by the bench into a
 * scratch folder (so it measures the code as it ships, built from the current source).
 */
export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  outExtension: { '.js': '.js' },
  // Bundled CommonJS dependencies (the Dropbox and AWS SDKs) call require() for Node built-ins,
  // which an ES module does not have; give them one.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      'const require = __createRequire(import.meta.url);',
    ].join('\n'),
  },
  legalComments: 'none',
  sourcemap: false,
  minify: false,
  logLevel: 'warning',
};
