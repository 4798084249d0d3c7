import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, type RawSettings } from '../../src/config/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { Glob, GlobSyntaxError, normalizeGlob, PathFilter } from '../../src/engine/filters.ts';

/** Asserts which of `paths` (files unless they end in "/") the glob names. */
function check(pattern: string, matching: string[], notMatching: string[]): void {
  const glob = Glob.compile(pattern);
  const kindOf = (path: string): [string, 'file' | 'folder'] =>
    path.endsWith('/') ? [path.slice(0, -1), 'folder'] : [path, 'file'];
  for (const path of matching) {
    assert.equal(glob.matches(...kindOf(path)), true, `${pattern} should match ${path}`);
  }
  for (const path of notMatching) {
    assert.equal(glob.matches(...kindOf(path)), false, `${pattern} should not match ${path}`);
  }
}

test('a pattern without a slash matches a name at any depth', () => {
  check('*.tmp', ['a.tmp', 'x/a.tmp', 'x/y/.tmp'], ['a.tmpx', 'a.tmp.txt', 'tmp']);
  check('.ds_store', ['.ds_store', 'photos/2024/.ds_store'], ['x.ds_store', '.ds_store2']);
  check('report-??.pdf', ['report-01.pdf', 'a/report-ab.pdf'], ['report-1.pdf', 'report-a/b.pdf']);
});

test('a pattern with a slash is anchored at the source path; a leading slash anchors too', () => {
  check('photos/*.jpg', ['photos/a.jpg'], ['photos/2024/a.jpg', 'x/photos/a.jpg', 'a.jpg']);
  check('/*.txt', ['a.txt'], ['docs/a.txt']);
  check('/photos', ['photos/a.jpg', 'photos/x/y.png', 'photos/'], ['x/photos/a.jpg']);
});

test('a pattern that names a folder names everything inside it', () => {
  check('photos', ['photos/a.jpg', 'x/photos/y/z.png', 'photos'], ['photos2/a.jpg', 'xphotos/a']);
  check('projects/**', ['projects/a', 'projects/x/y/z.txt'], ['projects', 'old/projects/a']);
});

test('** matches any number of whole segments, also none', () => {
  check('**/.ds_store', ['.ds_store', 'a/.ds_store', 'a/b/c/.ds_store'], ['a/x.ds_store']);
  check('a/**/b.txt', ['a/b.txt', 'a/x/b.txt', 'a/x/y/b.txt'], ['b.txt', 'ab.txt', 'a/xb.txt']);
  check('**', ['a', 'a/b/c'], []);
  check('a/**/**/b', ['a/b', 'a/x/b', 'a/x/y/b'], ['b']);
  check('**/**', ['a', 'a/b'], []);
  // Not a whole segment: the same as one *.
  check('a**b', ['a-x-b', 'y/axb'], ['a/b', 'a/x/b']);
});

test('* and ? never cross a slash', () => {
  check('docs/*', ['docs/a', 'docs/a/b'], ['docs']);
  check('docs/*/', ['docs/a/b'], ['docs/a']);
  check('a?b', ['a-b'], ['a/b']);
});

test('a trailing slash matches folders only', () => {
  check('cache/', ['cache/x', 'a/cache/y/z', 'cache/'], ['cache', 'a/cache']);
  check('build/*/', ['build/x/y'], ['build/x']);
});

test('character classes: sets, ranges, negation, a literal ] first, never a slash', () => {
  check('file[0-9].txt', ['file1.txt', 'file9.txt'], ['filea.txt', 'file10.txt']);
  check('[abc].md', ['a.md', 'x/c.md'], ['d.md', 'ab.md']);
  check('[!a-c]x', ['dx', '-x'], ['ax', 'cx', 'y/bx']);
  check('[^a]x', ['bx'], ['ax']);
  check('x[!a]y', ['x-y'], ['x/y', 'xay']);
  check('[]]x', [']x'], ['x']);
  check('[a-]x', ['-x', 'ax'], ['bx']);
  check('[\\]a]x', [']x', 'ax'], ['bx']);
});

test('braces: alternatives, with slashes, nested; without a comma they are literal', () => {
  check('*.{jpg,png}', ['a.jpg', 'x/b.png'], ['a.gif', 'a.{jpg,png}']);
  check('{photos,videos}/**', ['photos/a', 'videos/b/c'], ['music/a', 'x/photos/a']);
  check('{a/b,c}', ['a/b', 'a/b/x', 'c', 'x/c'], ['x/a/b', 'b']);
  check('x.{a,b{c,d}}', ['x.a', 'x.bc', 'x.bd'], ['x.b', 'x.bcd']);
  check('{draft}.txt', ['{draft}.txt'], ['draft.txt']);
  check('a,b', ['a,b'], ['a', 'b']);
  check('a}b', ['a}b'], ['ab']);
});

test('backslash makes a character literal; regex characters are plain text', () => {
  check('\\*.txt', ['*.txt'], ['a.txt']);
  check('a\\?', ['a?'], ['ab']);
  check('\\{a,b\\}', ['{a,b}'], ['a']);
  check('(1) a+b$.txt', ['(1) a+b$.txt', 'x/(1) a+b$.txt'], ['(1) aab$.txt']);
  check('a.b', ['a.b'], ['axb']);
  check('ümlaut-?.txt', ['ümlaut-é.txt', 'ümlaut-😀.txt'], ['ümlaut-ab.txt']);
});

test('bad patterns are refused with a reason', () => {
  const refused: [string, RegExp][] = [
    ['[abc', /\[ without its \]/],
    ['a[', /\[ without its \]/],
    ['{a,b', /\{ without its \}/],
    ['a\\', /lone \\/],
    ['a//b', /empty segment/],
    ['[z-a]', /runs backwards/],
    ['[[:alpha:]]', /not supported/],
    ['/', /empty/],
    ['{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}', /more than 256/],
  ];
  for (const [pattern, reason] of refused) {
    assert.throws(
      () => Glob.compile(pattern),
      (error: unknown) => error instanceof GlobSyntaxError && reason.test(error.message),
      pattern,
    );
  }
});

test('PathFilter: no include means everything; exclude wins; folders are pruned by excludes only', () => {
  const everything = new PathFilter({ include: [], exclude: [] });
  assert.equal(everything.includesFile('any/thing.bin'), true);
  assert.equal(everything.includesFolder('any'), true);

  const filter = new PathFilter({
    include: ['photos/**', '*.md'],
    exclude: ['*.tmp', 'photos/private', 'cache/**'],
  });
  assert.equal(filter.includesFile('photos/a.jpg'), true);
  assert.equal(filter.includesFile('docs/readme.md'), true);
  assert.equal(filter.includesFile('docs/a.txt'), false);
  assert.equal(filter.includesFile('photos/x/a.tmp'), false);
  assert.equal(filter.includesFile('photos/private/a.jpg'), false);
  assert.equal(filter.includesFile('photos/private'), false);
  assert.equal(filter.includesFile('cache/readme.md'), false);
  // Folders: not pruned by includes (docs may hold a .md), pruned by excludes.
  assert.equal(filter.includesFolder('docs'), true);
  assert.equal(filter.includesFolder('photos/private'), false);
  assert.equal(filter.includesFolder('photos/private/deeper'), false);
  assert.equal(filter.includesFolder('cache'), false);
  assert.equal(filter.includesFolder('photos'), true);
});

test('normalizeGlob: lower case, and a leading slash only where it anchors', () => {
  assert.equal(normalizeGlob('Photos/**'), 'photos/**');
  assert.equal(normalizeGlob('/Photos/**'), 'photos/**');
  assert.equal(normalizeGlob('//Photos/*.JPG'), 'photos/*.jpg');
  assert.equal(normalizeGlob('/*.txt'), '/*.txt');
  assert.equal(normalizeGlob('/Photos'), '/photos');
  assert.equal(normalizeGlob('/Cache/'), '/cache/');
  assert.equal(normalizeGlob('/{a/b,c}'), '/{a/b,c}');
  assert.equal(normalizeGlob('/{a/b,c/d}'), '{a/b,c/d}');
  assert.throws(() => normalizeGlob('/'), GlobSyntaxError);
});

test('config: repeated globs are normalised; a bad one is a ConfigError naming its flag', () => {
  const env = { DROPBOX_APP_KEY: 'key', DROPBOX_REFRESH_TOKEN: 'refresh' };
  const config = buildConfig(
    'migrate',
    { bucket: 'my-bucket', include: ['/Photos/**', 'Docs/*.MD'], exclude: ['*.TMP'] },
    env,
  );
  assert.deepEqual(config.filters, { include: ['photos/**', 'docs/*.md'], exclude: ['*.tmp'] });
  // The action gives one a line.
  const lines = buildConfig('migrate', { bucket: 'my-bucket', include: 'a/**\n\n b/** ' }, env);
  assert.deepEqual(lines.filters.include, ['a/**', 'b/**']);

  const refused: [RawSettings, RegExp][] = [
    [
      { include: ['Photos/[abc'] },
      /^--include "Photos\/\[abc" is not a valid glob: it has a \[ without its \]/,
    ],
    [{ exclude: ['ok', '{a,b'] }, /^--exclude "\{a,b" is not a valid glob/],
    [{ exclude: ['!keep.txt'] }, /^--exclude "!keep.txt": negation with ! is not supported/],
    [{ include: ['/'] }, /^--include "\/" is not a valid glob: it is empty/],
  ];
  for (const [raw, message] of refused) {
    assert.throws(
      () => buildConfig('migrate', { bucket: 'my-bucket', ...raw }, env),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      JSON.stringify(raw),
    );
  }
});
