// The layer rule of `npm run lint`, run by ESLint's Node API with the project's own eslint.config.js
// on a tiny copy of the project: scripts/layers.js and the config, the project's node_modules, and a
// few probe files under src/ and test/. A copy, because the rules resolve imports on disk (no-cycle
// reads the imported files) and must not be fed probes inside the real src/.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { APART, LAYERS, ONE_WAY, OUTSIDE_SRC } from '../../scripts/layers.js';

const ROOT = resolve(import.meta.dirname, '../..');

const lines = (...text: string[]): string => `${text.join('\n')}\n`;

/** The probe files, by path in the copy. Each says in its name what it tries. */
const PROBES: Record<string, string> = {
  'src/s3/target.ts': lines('export interface Target {}', 'export const S3_LIMITS = 1;'),
  'src/engine/chunk.ts': lines('export const CHUNK = 1;'),
  'src/engine/static-import.ts': lines(
    "import { S3_LIMITS } from '../s3/target.ts';",
    'export const limits = S3_LIMITS;',
  ),
  'src/engine/export-from.ts': lines("export { S3_LIMITS } from '../s3/target.ts';"),
  'src/engine/export-all.ts': lines("export * from '../s3/target.ts';"),
  'src/engine/import-type.ts': lines(
    "import type { Target } from '../s3/target.ts';",
    'export type EngineTarget = Target;',
  ),
  'src/engine/dynamic-import.ts': lines("export const load = () => import('../s3/target.ts');"),
  'src/engine/inline-import-type.ts': lines("export type T = import('../s3/target.ts').Target;"),
  'src/engine/backend-package.ts': lines(
    "import { Dropbox } from 'dropbox';",
    'export const D = Dropbox;',
  ),
  'src/engine/config-type.ts': lines(
    "import type { Config } from '../config/config.ts';",
    'export type C = Config;',
  ),
  'src/s3/uses-engine.ts': lines(
    "import { CHUNK } from '../engine/chunk.ts';",
    "import type { EngineTarget } from '../engine/import-type.ts';",
    'export const c = CHUNK;',
    'export type E = EngineTarget;',
  ),
  'src/dropbox/uses-s3.ts': lines(
    "import { S3_LIMITS } from '../s3/target.ts';",
    'export const l = S3_LIMITS;',
  ),
  'src/config/config.ts': lines(
    "import { CHUNK } from '../engine/chunk.ts';",
    "import type { Target } from '../s3/target.ts';",
    'export interface Config { chunk: number; target?: Target }',
    'export const DEFAULT_CHUNK = CHUNK;',
  ),
  'src/report/escape.ts': lines('export const escape = (text: string) => text;'),
  'src/report/uses-plan.ts': lines(
    "import { plan } from '../plan/render.ts';",
    'export const p = plan;',
  ),
  'src/plan/render.ts': lines(
    "import { escape } from '../report/escape.ts';",
    'export const plan = (text: string) => escape(text);',
  ),
  'src/action/uses-cli.ts': lines(
    "import { CLI } from '../cli/program.ts';",
    'export const c = CLI;',
  ),
  'src/cli/program.ts': lines(
    "import { CHUNK } from '../engine/chunk.ts';",
    'export const CLI = CHUNK;',
  ),
  'src/wiring/open.ts': lines(
    "import { S3_LIMITS } from '../s3/target.ts';",
    "import { DEFAULT_CHUNK } from '../config/config.ts';",
    'export const opened = S3_LIMITS + DEFAULT_CHUNK;',
  ),
  'src/errors.ts': lines("import { twice } from './format.ts';", 'export const E = twice(1);'),
  'src/format.ts': lines(
    "import type { Ledger } from './ledger/a.ts';",
    'export const twice = (n: number) => 2 * n;',
    'export type L = Ledger;',
  ),
  'src/ledger/a.ts': lines(
    "import { B } from './b.ts';",
    'export const A = 1;',
    'export const fromB = B;',
    'export type Ledger = number;',
  ),
  'src/ledger/b.ts': lines("import { A } from './a.ts';", 'export const B = A + 1;'),
  'test/anything.test.ts': lines(
    "import { S3_LIMITS } from '../src/s3/target.ts';",
    "import { CLI } from '../src/cli/program.ts';",
    'export const t = S3_LIMITS + CLI;',
  ),
};

/** A stand-in for a backend package, installed for real (not a link) so it resolves inside the copy. */
const FAKE_DROPBOX = {
  'package.json': JSON.stringify({ name: 'dropbox', type: 'module', exports: './index.js' }),
  'index.js': 'export class Dropbox {}\n',
};

let tree: string | undefined;
let linted: Promise<Map<string, Linter.LintMessage[]>> | undefined;

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

async function makeTree(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lint-boundaries-'));
  for (const file of ['eslint.config.js', 'scripts/layers.js', 'tsconfig.json']) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(dir, file));
  }
  await write(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  await mkdir(join(dir, 'node_modules'));
  for (const entry of await readdir(join(ROOT, 'node_modules'))) {
    if (entry.startsWith('.') || entry === 'dropbox') continue;
    await symlink(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const [file, text] of Object.entries(FAKE_DROPBOX)) {
    await write(join(dir, 'node_modules/dropbox', file), text);
  }
  for (const [file, text] of Object.entries(PROBES)) await write(join(dir, file), text);
  return dir;
}

/** The findings of the project's ESLint config on the probe tree, by file; made once. */
function lintProbes(): Promise<Map<string, Linter.LintMessage[]>> {
  linted ??= (async () => {
    tree = await makeTree();
    const eslint = new ESLint({
      cwd: tree,
      // The layer rules only: the type-aware rules have their say in `npm run lint`.
      ruleFilter: ({ ruleId }) =>
        ruleId.startsWith('import-x/') || ruleId === 'no-restricted-syntax',
    });
    const results = await eslint.lintFiles(['src', 'test']);
    const root = tree;
    return new Map(results.map((result) => [relative(root, result.filePath), result.messages]));
  })();
  return linted;
}

after(async () => {
  if (tree !== undefined) await rm(tree, { recursive: true, force: true });
});

/** `rule line: message` for each finding in one probe file. */
async function findings(file: string): Promise<string[]> {
  const found = (await lintProbes()).get(file);
  assert.ok(found !== undefined, `${file} was not linted`);
  return found.map(
    (message) => `${message.ruleId ?? 'fatal'} ${String(message.line)}: ${message.message}`,
  );
}

async function assertRefused(file: string, line: number, reason: string): Promise<void> {
  const found = await findings(file);
  assert.equal(found.length, 1, found.join('\n'));
  assert.match(found[0] ?? '', new RegExp(`^import-x/no-restricted-paths ${String(line)}: `));
  assert.ok(found[0]?.includes(reason), `${found[0] ?? ''}\nshould say: ${reason}`);
}

const ENGINE_NOT_ADAPTERS =
  'src/engine/ (engine) must not import from adapters (src/dropbox/, src/s3/)';

test('nothing in the probe tree fails to parse', async () => {
  const fatal = [...(await lintProbes()).values()]
    .flat()
    .filter((message) => message.fatal === true);
  assert.deepEqual(fatal, []);
});

test('an engine file that imports src/s3 by a static import is refused', async () => {
  await assertRefused('src/engine/static-import.ts', 1, ENGINE_NOT_ADAPTERS);
});

test('an engine file that re-exports src/s3 by export … from is refused', async () => {
  await assertRefused('src/engine/export-from.ts', 1, ENGINE_NOT_ADAPTERS);
  await assertRefused('src/engine/export-all.ts', 1, ENGINE_NOT_ADAPTERS);
});

test('an engine file that imports src/s3 by import type is refused', async () => {
  await assertRefused('src/engine/import-type.ts', 1, ENGINE_NOT_ADAPTERS);
});

test('an engine file that imports src/s3 by a dynamic import() is refused', async () => {
  await assertRefused('src/engine/dynamic-import.ts', 1, ENGINE_NOT_ADAPTERS);
});

test('an inline import() type, which the layer rule cannot see, is refused in src/', async () => {
  assert.deepEqual(
    (await findings('src/engine/inline-import-type.ts')).map((found) => found.split(':')[0]),
    ['no-restricted-syntax 1'],
  );
});

test('the engine imports no backend package', async () => {
  await assertRefused('src/engine/backend-package.ts', 1, 'knows no backend and no GitHub');
});

test('an adapter may import the engine, by value and by type', async () => {
  assert.deepEqual(await findings('src/s3/uses-engine.ts'), []);
});

test('the Dropbox adapter may not import the S3 adapter', async () => {
  await assertRefused(
    'src/dropbox/uses-s3.ts',
    1,
    'src/dropbox/ and src/s3/ never import each other',
  );
});

test('config may import the engine and the adapters; the engine may not import config', async () => {
  assert.deepEqual(await findings('src/config/config.ts'), []);
  await assertRefused(
    'src/engine/config-type.ts',
    1,
    'src/engine/ (engine) must not import from config (src/config/)',
  );
});

test('plan may import report, report may not import plan', async () => {
  assert.deepEqual(await findings('src/plan/render.ts'), []);
  await assertRefused(
    'src/report/uses-plan.ts',
    1,
    'src/plan/ may import src/report/, not the other way round',
  );
});

test('the two front doors never import each other; both may import the engine', async () => {
  await assertRefused(
    'src/action/uses-cli.ts',
    1,
    'src/action/ and src/cli/ never import each other',
  );
  assert.deepEqual(await findings('src/cli/program.ts'), []);
});

test('wiring may import config and the adapters', async () => {
  assert.deepEqual(await findings('src/wiring/open.ts'), []);
});

test('the plain helpers import each other, and nothing above them, not even a type', async () => {
  assert.deepEqual(await findings('src/errors.ts'), []);
  await assertRefused(
    'src/format.ts',
    1,
    'src/format.ts (plain helpers) must not import from ledger (src/ledger/)',
  );
});

test('a two-file import cycle is reported in both files', async () => {
  for (const file of ['src/ledger/a.ts', 'src/ledger/b.ts']) {
    assert.deepEqual(
      await findings(file),
      ['import-x/no-cycle 1: Dependency cycle detected'],
      file,
    );
  }
});

test('tests may import anything', async () => {
  assert.deepEqual(await findings('test/anything.test.ts'), []);
});

/** The layer path that holds a file of src/: a folder (ending in /) or the file itself. */
function layerPathsOf(file: string): string[] {
  return LAYERS.flatMap((layer) => layer.paths.map((entry) => entry.path)).filter((path) =>
    path.endsWith('/') ? file.startsWith(path) : file === path,
  );
}

test('every file of src/ is in exactly one layer, so none escapes the rule', async () => {
  const files = (await readdir(join(ROOT, 'src'), { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
  assert.ok(files.length > 0);
  const misplaced = files.filter((file) => layerPathsOf(file).length !== 1);
  assert.deepEqual(misplaced, [], 'add the file or its folder to one layer in scripts/layers.js');
});

test('the pairs of scripts/layers.js name paths of one layer', () => {
  for (const pair of [...APART, ...ONE_WAY]) {
    const layers = pair.map((path) =>
      LAYERS.findIndex((layer) => layer.paths.some((entry) => entry.path === path)),
    );
    assert.ok(layers[0] !== -1 && layers[0] === layers[1], pair.join(' and '));
  }
});

test('every folder the layout lists outside src/ exists', async () => {
  for (const { path } of OUTSIDE_SRC) {
    assert.ok(
      (await stat(join(ROOT, path))).isDirectory(),
      `${path} is listed in scripts/layers.js`,
    );
  }
});
