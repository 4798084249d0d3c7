import path from 'node:path';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { APART, BACKEND_FREE_LAYERS, BACKEND_PACKAGES, LAYERS, ONE_WAY } from './scripts/layers.js';

const root = import.meta.dirname;
const absolute = (projectPath) => path.resolve(root, projectPath);

/**
 * The zones of import-x/no-restricted-paths, one per importer and reason, from scripts/layers.js.
 * The rule sees every form of import: static, `export … from`, `import type` and `import()`.
 */
function layerZones() {
  return LAYERS.flatMap((layer, index) =>
    layer.paths.flatMap(({ path: importer }) => {
      const target = absolute(importer);
      const above = LAYERS.slice(0, index).map((higher) => ({
        target,
        from: higher.paths.map((entry) => absolute(entry.path)),
        message: `${importer} (${layer.name}) must not import from ${higher.name} (${higher.paths.map((entry) => entry.path).join(', ')}), a layer above it: see scripts/layers.js.`,
      }));
      const apart = APART.filter((pair) => pair.includes(importer)).map((pair) => {
        const other = pair.find((entry) => entry !== importer);
        return {
          target,
          from: absolute(other),
          message: `${importer} and ${other} never import each other: see scripts/layers.js.`,
        };
      });
      const oneWay = ONE_WAY.filter(([, lower]) => lower === importer).map(([upper]) => ({
        target,
        from: absolute(upper),
        message: `${upper} may import ${importer}, not the other way round: see scripts/layers.js.`,
      }));
      const backend = BACKEND_FREE_LAYERS.includes(layer.name)
        ? [
            {
              target,
              from: BACKEND_PACKAGES.map((name) => absolute(`node_modules/${name}`)),
              message: `${importer} (${layer.name}) knows no backend and no GitHub: only the adapters and the front doors import ${BACKEND_PACKAGES.join(', ')}.`,
            },
          ]
        : [];
      return [...above, ...apart, ...oneWay, ...backend];
    }),
  );
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/', '.dropbox-to-s3/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The layers of src/ (scripts/layers.js). Tests, bench and scripts may import anything.
    files: ['src/**'],
    plugins: { 'import-x': importX },
    // A zone applies to an import only once the resolver finds the file (one it cannot find is
    // skipped, and tsc refuses it anyway); no-cycle reads only files with these extensions.
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones() }],
      // Type-only imports are erased at run time, so no-cycle does not follow them; the zones above
      // still hold them to the layers.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSImportType',
          message:
            "Write `import type { … } from '…'` instead of an inline import('…') type, so the layer rule sees it.",
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
