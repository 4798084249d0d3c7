/**
 * What every `Source` promises the engine, as tests any implementation must pass: DropboxSource
 * against the Dropbox emulator and MemorySource (test/support/memory-source.ts) both run it (see
 * source-contract.test.ts), so the fake the engine's unit tests use cannot drift from the adapter.
 * Assertions are on what the interface says (kinds, paths, ids, revs, hashes, error kinds and
 * classes), never on how an implementation gets there.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { hashOf } from '../../src/engine/content-hash.ts';
import {
  CursorResetError,
  type ListPage,
  type Source,
  type SourceEntry,
  type SourceFile,
} from '../../src/engine/source.ts';
import { MigrationError } from '../../src/errors.ts';
import { deterministicBytes } from '../emulators/s3/data.ts';
import { assertFailsAs, readAll } from '../support/assertions.ts';

/** A source under test over a tree the test can change, as a person would in Dropbox. */
export interface SourceUnderTest {
  readonly source: Source;
  /** Adds or replaces a file ("/Folder/name"), making its folders. */
  write(path: string, bytes: Uint8Array | string): Promise<void>;
  mkdir(path: string): Promise<void>;
  /** Deletes a file, or a folder with everything in it. */
  remove(path: string): Promise<void>;
  move(from: string, to: string): Promise<void>;
  /** Makes every cursor handed out so far invalid (Dropbox's `reset`). */
  resetCursors(): void;
  /** Every download from now on is cut (the connection dropped) after this many bytes. */
  cutDownloadsAfter(bytes: number): void;
}

export interface SourceFactory {
  /** The most entries one page of a listing holds. */
  readonly pageSize: number;
  /**
   * Starts a source over `files` (path → bytes). A file named `*.paper` is a document that cannot
   * be downloaded and exports as markdown (also html and plain_text), as Paper docs in Dropbox.
   */
  start(t: TestContext, files: Record<string, Uint8Array | string>): Promise<SourceUnderTest>;
}

const SIGNAL = new AbortController().signal;

/** Registers the contract's tests for one implementation. */
export function sourceContract(name: string, factory: SourceFactory): void {
  const start = factory.start.bind(factory);
  describe(`Source contract: ${name}`, () => {
    test('a recursive listing holds every file and folder below the root, hashed with the source’s algorithm', async (t) => {
      const files = {
        '/Docs/Report.pdf': deterministicBytes(70_000, 'report'),
        '/Docs/Sub/deep.txt': 'deep',
        '/top.txt': '',
      };
      const bed = await start(t, files);
      await bed.mkdir('/Empty');
      const { entries } = await listAll(bed.source, '', true);
      assert.deepEqual(
        entries.map(describeEntry).sort(),
        [
          'file /docs/report.pdf',
          'file /docs/sub/deep.txt',
          'file /top.txt',
          'folder /docs',
          'folder /docs/sub',
          'folder /empty',
        ],
        'the root itself is not listed',
      );
      for (const [path, bytes] of Object.entries(files)) {
        const file = fileAt(entries, path);
        const data = Buffer.from(bytes);
        assert.equal(file.name, path.slice(path.lastIndexOf('/') + 1), path);
        assert.equal(file.pathDisplay, path, 'each component in its own case');
        assert.equal(file.size, data.length, path);
        assert.equal(file.contentHash, hashOf(bed.source.contentHash, data), path);
        assert.equal(file.downloadable, true, path);
        assert.ok(file.rev !== '', path);
        assert.ok(Number.isFinite(Date.parse(file.clientModified)), path);
        assert.ok(Number.isFinite(Date.parse(file.serverModified)), path);
      }
      const ids = entries.flatMap((entry) => (entry.kind === 'deleted' ? [] : [entry.id]));
      assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    });

    test('pages hold at most the page size; continuing by cursor yields each entry once', async (t) => {
      const paths: string[] = [];
      for (let i = 0; i <= factory.pageSize; i += 1) {
        paths.push(`/many/f${String(i).padStart(5, '0')}.txt`);
      }
      const bed = await start(t, Object.fromEntries(paths.map((path) => [path, path])));
      const { entries, pages } = await listAll(bed.source, '', true);
      assert.ok(pages.length >= 2, `${String(pages.length)} page(s)`);
      for (const page of pages) assert.ok(page.entries.length <= factory.pageSize);
      assert.deepEqual(
        pages.map((page) => page.hasMore),
        [...pages.map(() => true).slice(1), false],
      );
      const listed = entries.map(describeEntry);
      assert.equal(new Set(listed).size, listed.length, 'no entry twice');
      assert.deepEqual(
        listed.sort(),
        ['folder /many', ...paths.map((path) => `file ${path}`)].sort(),
      );
    });

    test('a folder listed recursively includes itself and all below it; not recursively, its children', async (t) => {
      const bed = await start(t, { '/A/one.txt': '1', '/A/Sub/two.txt': '2', '/B/three.txt': '3' });
      const below = await listAll(bed.source, '/A', true);
      assert.deepEqual(below.entries.map(describeEntry).sort(), [
        'file /a/one.txt',
        'file /a/sub/two.txt',
        'folder /a',
        'folder /a/sub',
      ]);
      const children = await listAll(bed.source, '/a', false);
      assert.deepEqual(children.entries.map(describeEntry).sort(), [
        'file /a/one.txt',
        'folder /a/sub',
      ]);
    });

    test('listing a folder that does not exist fails as not_found, for good', async (t) => {
      const bed = await start(t, { '/a.txt': 'a' });
      await assertFailsAs(bed.source.list('/missing', true), 'permanent', 'not_found');
      await assertFailsAs(bed.source.latestCursor('/missing', true), 'permanent', 'not_found');
    });

    test('a finished cursor returns what changed since: added, modified, deleted, moved', async (t) => {
      const bed = await start(t, {
        '/keep.txt': 'kept',
        '/edit.txt': 'first',
        '/gone.txt': 'gone',
        '/moved.txt': 'moving',
        '/Dir/x.txt': 'x',
        '/Dir/y.txt': 'y',
      });
      const before = await listAll(bed.source, '', true);
      const quiet = await bed.source.listContinue(before.cursor);
      assert.deepEqual(quiet.entries, [], 'nothing changed yet');
      assert.equal(quiet.hasMore, false);

      await bed.write('/new.txt', 'new');
      await bed.write('/edit.txt', 'second version');
      await bed.remove('/gone.txt');
      await bed.remove('/Dir');
      await bed.move('/moved.txt', '/renamed.txt');
      const after = await listAll(bed.source, quiet.cursor, true, { continued: true });
      assert.deepEqual(after.entries.map(describeEntry).sort(), [
        'deleted /dir',
        'deleted /gone.txt',
        'deleted /moved.txt',
        'file /edit.txt',
        'file /new.txt',
        'file /renamed.txt',
      ]);
      const oldEdit = fileAt(before.entries, '/edit.txt');
      const edit = fileAt(after.entries, '/edit.txt');
      assert.equal(edit.id, oldEdit.id, 'an edited file keeps its id');
      assert.notEqual(edit.rev, oldEdit.rev, 'and gets a new rev');
      assert.equal(edit.size, 'second version'.length);
      assert.equal(edit.contentHash, hashOf(bed.source.contentHash, Buffer.from('second version')));
      assert.equal(
        fileAt(after.entries, '/renamed.txt').id,
        fileAt(before.entries, '/moved.txt').id,
      );
      const again = await bed.source.listContinue(after.cursor);
      assert.deepEqual(again.entries, [], 'each change is reported once');
    });

    test('a cursor from latestCursor returns only the changes made after it', async (t) => {
      const bed = await start(t, { '/a.txt': 'a' });
      const cursor = await bed.source.latestCursor('', true);
      await bed.write('/later.txt', 'later');
      const { entries } = await listAll(bed.source, cursor, true, { continued: true });
      assert.deepEqual(entries.map(describeEntry), ['file /later.txt']);
    });

    test('a cursor the source reset fails with CursorResetError', async (t) => {
      const bed = await start(t, { '/a.txt': 'a' });
      const { cursor } = await listAll(bed.source, '', true);
      bed.resetCursors();
      await assert.rejects(bed.source.listContinue(cursor), CursorResetError);
    });

    test('open streams exactly the file’s bytes, from any offset inside it', async (t) => {
      const data = deterministicBytes(300_000, 'stream');
      const bed = await start(t, { '/data.bin': data, '/empty.txt': '' });
      const { entries } = await listAll(bed.source, '', true);
      const file = fileAt(entries, '/data.bin');
      assert.ok((await readAll(await bed.source.open(file, 0, SIGNAL))).equals(data));
      const tail = await readAll(await bed.source.open(file, 123_457, SIGNAL));
      assert.ok(tail.equals(data.subarray(123_457)), 'from the offset on');
      const empty = fileAt(entries, '/empty.txt');
      assert.equal((await readAll(await bed.source.open(empty, 0, SIGNAL))).length, 0);
    });

    test('a download cut part-way fails, mid-stream, as a retryable network error', async (t) => {
      const data = deterministicBytes(300_000, 'cut');
      const bed = await start(t, { '/data.bin': data });
      const { entries } = await listAll(bed.source, '', true);
      bed.cutDownloadsAfter(100_000);
      const body = await bed.source.open(fileAt(entries, '/data.bin'), 0, SIGNAL);
      let received = 0;
      await assertFailsAs(
        (async () => {
          for await (const piece of body) received += piece.length;
        })(),
        'retryable',
        'network',
      );
      assert.ok(received <= 100_000, `${String(received)} bytes before the cut`);
    });

    test('open of a file changed since it was listed gives the listed rev or fails as not_found; of a document, unsupported_file', async (t) => {
      const bed = await start(t, { '/a.txt': 'first', '/Notes.paper': 'notes' });
      const { entries } = await listAll(bed.source, '', true);
      const listed = fileAt(entries, '/a.txt');
      await bed.write('/a.txt', 'changed since');
      // Dropbox keeps old revisions downloadable by rev; the emulator (and so the memory source)
      // knows only the current one. Either way, never the new bytes under the listed rev.
      const outcome = await bed.source.open(listed, 0, SIGNAL).then(
        async (body) => (await readAll(body)).toString(),
        (error: unknown) =>
          error instanceof MigrationError ? `${error.kind} ${error.failureClass}` : String(error),
      );
      assert.ok(['first', 'permanent not_found'].includes(outcome), outcome);
      const document = fileAt(entries, '/Notes.paper');
      await assertFailsAs(bed.source.open(document, 0, SIGNAL), 'permanent', 'unsupported_file');
    });

    test('a document exports in each format it offers, with a size and export hash its bytes match', async (t) => {
      const bed = await start(t, { '/Notes.paper': '# Notes\n', '/a.txt': 'a' });
      const { entries } = await listAll(bed.source, '', true);
      const document = fileAt(entries, '/Notes.paper');
      assert.equal(document.downloadable, false);
      assert.equal(document.exportInfo?.exportAs, 'markdown');
      assert.ok(document.exportInfo.exportOptions.includes('html'));
      for (const format of document.exportInfo.exportOptions) {
        const exported = await bed.source.exportDocument(document, format, SIGNAL);
        const body = await readAll(exported.body);
        assert.equal(body.length, exported.size, format);
        assert.equal(exported.exportHash, hashOf(bed.source.contentHash, body), format);
        assert.equal(exported.rev, document.rev, format);
      }
      await assertFailsAs(
        bed.source.exportDocument(document, 'docx', SIGNAL),
        'permanent',
        'unsupported_file',
      );
      await assertFailsAs(
        bed.source.exportDocument(fileAt(entries, '/a.txt'), 'markdown', SIGNAL),
        'permanent',
        'unsupported_file',
      );
    });
  });
}

/**
 * Every page of a listing (from a path, or `continued` from a cursor), to the end: the entries, the
 * pages and the cursor that then returns later changes.
 */
async function listAll(
  source: Source,
  from: string,
  recursive: boolean,
  options: { continued?: boolean } = {},
): Promise<{ entries: SourceEntry[]; pages: ListPage[]; cursor: string }> {
  const pages: ListPage[] = [];
  let page =
    options.continued === true
      ? await source.listContinue(from)
      : await source.list(from, recursive);
  pages.push(page);
  while (page.hasMore) {
    page = await source.listContinue(page.cursor);
    pages.push(page);
  }
  return { entries: pages.flatMap((p) => p.entries), pages, cursor: page.cursor };
}

function describeEntry(entry: SourceEntry): string {
  return `${entry.kind} ${entry.pathLower}`;
}

function fileAt(entries: readonly SourceEntry[], path: string): SourceFile {
  const found = entries.find((entry) => entry.pathLower === path.toLowerCase());
  assert.ok(found?.kind === 'file', `a file at ${path}`);
  return found;
}
