/**
 * A `Source` over an in-memory tree, for engine rules that need no HTTP: fast, and driven by the
 * test's clock. It keeps the contract DropboxSource keeps against the Dropbox emulator (the shared
 * suite in test/contract/source-contract.ts runs against both): recursive listings in pages of
 * `pageSize` that continue by cursor; a finished cursor returns later changes (latest state per
 * path, a deleted folder standing for its contents); ids that survive edits and moves; a rev per
 * content; `CursorResetError` after `resetCursors()`; downloads by rev from an offset; documents
 * that only export; errors of the same kind and class as DropboxSource's.
 *
 * Faults: `inject({ on, path, after, times, fault })` (see faults.ts). Calls are recorded in
 * `calls` with the clock's time.
 */
import { systemClock, type Clock } from '../../src/engine/clock.ts';
import { hashOf, SHA256_BLOCKS, type ContentHashAlgorithm } from '../../src/engine/content-hash.ts';
import {
  CursorResetError,
  type ExportedDocument,
  type ExportInfo,
  type ListPage,
  type Source,
  type SourceEntry,
  type SourceFile,
} from '../../src/engine/source.ts';
import { LIST_LIMIT } from '../../src/dropbox/source.ts';
import { permanent, retryable } from '../../src/errors.ts';
import { DEFAULT_EXPORT_FORMATS } from '../emulators/dropbox/index.ts';
import { FaultPlan, sentBody, type Call, type FaultRule } from './faults.ts';

export type SourceMethod = 'list' | 'listContinue' | 'latestCursor' | 'open' | 'exportDocument';

export interface MemorySourceOptions {
  /** Files to start with: path → bytes (text is UTF-8). Their folders are made too. */
  readonly files?: Record<string, Uint8Array | string>;
  /** Entries per page of a listing or of changes. Default DropboxSource's (LIST_LIMIT, 2000). */
  readonly pageSize?: number;
  /** Time for delays and for `calls`. Default the system clock. */
  readonly clock?: Clock;
  readonly contentHash?: ContentHashAlgorithm;
  /**
   * Files that cannot be downloaded, by extension (lower case, no dot), and how they export.
   * Default: the Dropbox emulator's (Paper as markdown/html/plain_text, Google files as Office).
   */
  readonly exportFormats?: Record<string, { exportAs: string; exportOptions: string[] }>;
  /** Bytes per piece of a download or export body. Default 64 KiB. */
  readonly pieceBytes?: number;
}

interface MemoryNode {
  readonly kind: 'file' | 'folder';
  readonly id: string;
  readonly name: string;
  readonly pathLower: string;
  readonly pathDisplay: string;
  /** Files only. */
  readonly rev: string;
  readonly bytes: Buffer;
  readonly contentHash: string;
  readonly modified: string;
}

/** A path's latest change: the node now there, or (null) what was there when it went. */
interface PathChange {
  readonly seq: number;
  readonly node: MemoryNode | null;
  readonly last: MemoryNode;
}

interface Scope {
  readonly pathLower: string;
  readonly recursive: boolean;
}

/** What a cursor stands for: the changes after `seq` in a scope, or the rest of a listing's pages. */
interface CursorState {
  readonly epoch: number;
  readonly scope: Scope;
  readonly seq: number;
  readonly rest?: readonly SourceEntry[];
}

const START = Date.parse('2026-01-01T00:00:00Z');

export class MemorySource implements Source {
  readonly contentHash: ContentHashAlgorithm;
  private readonly nodes = new Map<string, MemoryNode>();
  private readonly changes = new Map<string, PathChange>();
  private readonly cursors = new Map<string, CursorState>();
  private readonly plan: FaultPlan<SourceMethod>;
  private readonly pageSize: number;
  private readonly pieceBytes: number;
  private readonly exportFormats: Record<string, ExportInfo>;
  private seq = 0;
  private epoch = 0;
  private ids = 0;

  constructor(options: MemorySourceOptions = {}) {
    this.contentHash = options.contentHash ?? SHA256_BLOCKS;
    this.pageSize = options.pageSize ?? LIST_LIMIT;
    this.pieceBytes = options.pieceBytes ?? 64 * 1024;
    this.exportFormats = options.exportFormats ?? DEFAULT_EXPORT_FORMATS;
    this.plan = new FaultPlan(options.clock ?? systemClock, { caseless: true });
    for (const [path, bytes] of Object.entries(options.files ?? {})) this.write(path, bytes);
  }

  /** Every call so far, in order, with the clock's time. */
  get calls(): readonly Call<SourceMethod>[] {
    return this.plan.calls;
  }

  callsTo(method: SourceMethod): Call<SourceMethod>[] {
    return this.plan.callsTo(method);
  }

  inject(rule: FaultRule<SourceMethod>): void {
    this.plan.add(rule);
  }

  clearFaults(): void {
    this.plan.clear();
  }

  // --- The tree, as a person would change it in Dropbox ---

  /** Adds or replaces a file (a new rev; the id stays), making its folders. */
  write(path: string, bytes: Uint8Array | string): SourceFile {
    const body =
      typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.copyBytesFrom(bytes);
    const { parent, name } = this.place(path);
    const pathLower = path.toLowerCase();
    const old = this.nodes.get(pathLower);
    this.seq += 1;
    const node: MemoryNode = {
      kind: 'file',
      id: old?.kind === 'file' ? old.id : this.newId(),
      name: old?.kind === 'file' ? old.name : name,
      pathLower,
      pathDisplay: `${parent}/${old?.kind === 'file' ? old.name : name}`,
      rev: `0${this.seq.toString(16).padStart(15, '0')}`,
      bytes: body,
      contentHash: hashOf(this.contentHash, body),
      modified: new Date(START + this.seq * 1000).toISOString().replace('.000Z', 'Z'),
    };
    if (old?.kind === 'folder') this.removeBelow(pathLower);
    this.set(node);
    return this.file(path);
  }

  /** Makes a folder (and its parents); an existing one is left as it is. */
  mkdir(path: string): void {
    const pathLower = path.toLowerCase();
    const there = this.nodes.get(pathLower);
    if (there?.kind === 'folder') return;
    if (there !== undefined) throw new Error(`${path} is a file`);
    const { parent, name } = this.place(path);
    this.seq += 1;
    this.set(this.folderNode(pathLower, `${parent}/${name}`));
  }

  /** Deletes a file, or a folder with everything in it. */
  remove(path: string): void {
    const pathLower = path.toLowerCase();
    if (!this.nodes.has(pathLower)) throw new Error(`no ${path} to remove`);
    this.removeBelow(pathLower);
    this.drop(pathLower);
  }

  /** Moves a file or folder (ids stay with what moved). */
  move(from: string, to: string): void {
    const fromLower = from.toLowerCase();
    const moved = [...this.nodes.values()].filter(
      (node) => node.pathLower === fromLower || node.pathLower.startsWith(`${fromLower}/`),
    );
    if (moved.length === 0) throw new Error(`no ${from} to move`);
    const { parent, name } = this.place(to);
    const toDisplay = `${parent}/${name}`;
    this.remove(from);
    for (const node of moved) {
      const tail = node.pathDisplay.slice(from.length);
      this.seq += 1;
      this.set({
        ...node,
        name: tail === '' ? name : node.name,
        pathLower: `${toDisplay}${tail}`.toLowerCase(),
        pathDisplay: `${toDisplay}${tail}`,
      });
    }
  }

  /** Every cursor handed out so far answers `CursorResetError` from now on. */
  resetCursors(): void {
    this.epoch += 1;
    this.cursors.clear();
  }

  /** A file as a listing shows it now. */
  file(path: string): SourceFile {
    const node = this.nodes.get(path.toLowerCase());
    if (node?.kind !== 'file') throw new Error(`no file at ${path}`);
    return this.fileOf(node);
  }

  /** The bytes of the file at `path` now. */
  bytes(path: string): Buffer {
    const node = this.nodes.get(path.toLowerCase());
    if (node?.kind !== 'file') throw new Error(`no file at ${path}`);
    return Buffer.copyBytesFrom(node.bytes);
  }

  // --- Source ---

  async list(path: string, recursive: boolean): Promise<ListPage> {
    await this.plan.enter('list', path);
    const scope = { pathLower: this.folderAt(path, `listing ${path || '/'}`), recursive };
    const entries = this.ordered()
      .filter((node) => inScope(node.pathLower, scope))
      .map((node) => this.entryOf(node));
    return this.page({ epoch: this.epoch, scope, seq: this.seq }, entries);
  }

  async listContinue(cursor: string): Promise<ListPage> {
    await this.plan.enter('listContinue', undefined);
    const state = this.cursors.get(cursor);
    if (state === undefined) {
      if (/^mem:\d+:/.test(cursor)) throw new CursorResetError();
      throw permanent('unknown', 'continuing the listing: Dropbox answered 400 (invalid cursor)');
    }
    if (state.epoch !== this.epoch) throw new CursorResetError();
    if (state.rest !== undefined) return this.page({ ...state, rest: undefined }, state.rest);
    const entries = this.changesSince(state.seq, state.scope);
    return this.page({ ...state, seq: this.seq }, entries);
  }

  async latestCursor(path: string, recursive: boolean): Promise<string> {
    await this.plan.enter('latestCursor', path);
    const scope = {
      pathLower: this.folderAt(path, `getting a cursor for ${path || '/'}`),
      recursive,
    };
    return this.cursorFor({ epoch: this.epoch, scope, seq: this.seq });
  }

  async open(
    file: SourceFile,
    offset: number,
    signal: AbortSignal,
  ): Promise<AsyncIterable<Uint8Array>> {
    const what = `downloading ${file.pathDisplay}`;
    if (isAborted(signal)) throw networkError(what, 'This operation was aborted');
    const faults = await this.plan.enter('open', file.pathDisplay, signal, offset);
    if (isAborted(signal)) throw networkError(what, 'This operation was aborted');
    // As DropboxSource asks: by `rev:`, which names the file's current content only.
    const node = [...this.nodes.values()].find((n) => n.kind === 'file' && n.rev === file.rev);
    if (node === undefined) {
      throw permanent('not_found', `${what}: the file was deleted or changed after it was listed`);
    }
    if (this.exportInfoOf(node.name) !== undefined) {
      throw permanent('unsupported_file', `${what}: Dropbox cannot download this kind of file`);
    }
    // A Range from the end of the file or beyond: Dropbox answers 416.
    if (offset > 0 && offset >= node.bytes.length) {
      throw permanent('unknown', `${what}: Dropbox answered 416`);
    }
    return sentBody(faults.damage(node.bytes.subarray(offset)), {
      pieceBytes: this.pieceBytes,
      cutAfter: faults.cutAfter,
      cutError: () => networkError(what, 'the connection was cut'),
      signal,
      abortError: () => networkError(what, 'This operation was aborted'),
    });
  }

  async exportDocument(
    file: SourceFile,
    format: string,
    signal: AbortSignal,
  ): Promise<ExportedDocument> {
    const what = `exporting ${file.pathDisplay} as ${format}`;
    if (isAborted(signal)) throw networkError(what, 'This operation was aborted');
    const faults = await this.plan.enter('exportDocument', file.pathDisplay, signal);
    if (isAborted(signal)) throw networkError(what, 'This operation was aborted');
    // As DropboxSource asks: by id, so a moved document still exports.
    const node = [...this.nodes.values()].find((n) => n.kind === 'file' && n.id === file.id);
    if (node === undefined) throw permanent('not_found', `${what}: the file was deleted`);
    const info = this.exportInfoOf(node.name);
    if (info === undefined) {
      throw permanent('unsupported_file', `${what}: Dropbox cannot export this file`);
    }
    if (!info.exportOptions.includes(format)) {
      throw permanent(
        'unsupported_file',
        `${what}: Dropbox does not offer this document in that format`,
      );
    }
    // As the emulator renders one: a line naming the format, then the document's bytes.
    const body = Buffer.concat([Buffer.from(`[exported as ${format}]\n`), node.bytes]);
    return {
      size: body.length,
      exportHash: hashOf(this.contentHash, body),
      rev: node.rev,
      body: sentBody(faults.damage(body), {
        pieceBytes: this.pieceBytes,
        cutAfter: faults.cutAfter,
        cutError: () => networkError(what, 'the connection was cut'),
        signal,
      }),
    };
  }

  // --- Inside ---

  private page(state: CursorState, entries: readonly SourceEntry[]): ListPage {
    const first = entries.slice(0, this.pageSize);
    const rest = entries.slice(this.pageSize);
    const hasMore = rest.length > 0;
    const cursor = this.cursorFor(hasMore ? { ...state, rest } : state);
    return { entries: first, cursor, hasMore };
  }

  private cursorFor(state: CursorState): string {
    const cursor = `mem:${String(this.epoch)}:${String(this.cursors.size + 1)}:${String(state.seq)}`;
    this.cursors.set(cursor, state);
    return cursor;
  }

  /** Checks a listed path as Dropbox does; the folder's lower-case path. */
  private folderAt(path: string, what: string): string {
    if (path === '') return '';
    if (path === '/') {
      throw permanent('unknown', `${what}: Dropbox answered 400 (specify the root folder as "")`);
    }
    const node = this.nodes.get(path.toLowerCase());
    if (node === undefined) throw permanent('not_found', `${what}: no such folder`);
    if (node.kind !== 'folder') throw permanent('unknown', `${what}: path/not_folder`);
    return node.pathLower;
  }

  /** Latest state per path changed after `since`, in scope, in the order of the changes. */
  private changesSince(since: number, scope: Scope): SourceEntry[] {
    const changed = [...this.changes.entries()]
      .filter(([pathLower, change]) => change.seq > since && inScope(pathLower, scope))
      .sort((a, b) => a[1].seq - b[1].seq);
    const deleted = new Set(changed.filter(([, c]) => c.node === null).map(([p]) => p));
    const entries: SourceEntry[] = [];
    for (const [pathLower, change] of changed) {
      if (change.node !== null) entries.push(this.entryOf(change.node));
      else if (!hasDeletedAncestor(pathLower, deleted)) entries.push(deletedEntry(change.last));
    }
    return entries;
  }

  /** Every node as the emulator lists them: a folder's children by name, then each subfolder's. */
  private ordered(): MemoryNode[] {
    const children = new Map<string, MemoryNode[]>();
    for (const node of this.nodes.values()) {
      const parent = parentOf(node.pathLower);
      const siblings = children.get(parent) ?? [];
      siblings.push(node);
      children.set(parent, siblings);
    }
    const out: MemoryNode[] = [];
    const walk = (folder: string): void => {
      const kids = (children.get(folder) ?? []).sort((a, b) => compare(a.pathLower, b.pathLower));
      out.push(...kids);
      for (const kid of kids) if (kid.kind === 'folder') walk(kid.pathLower);
    };
    walk('');
    return out;
  }

  /** The display path of `path`'s folder (made if missing) and its own name. */
  private place(path: string): { parent: string; name: string } {
    if (!path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
      throw new Error(`"${path}" is not a Dropbox path (/Folder/name)`);
    }
    const slash = path.lastIndexOf('/');
    const parentPath = path.slice(0, slash);
    if (parentPath !== '') {
      const parent = this.nodes.get(parentPath.toLowerCase());
      if (parent?.kind === 'file') throw new Error(`${parentPath} is a file`);
      if (parent === undefined) this.mkdir(parentPath);
    }
    const parentDisplay =
      parentPath === '' ? '' : (this.nodes.get(parentPath.toLowerCase())?.pathDisplay ?? '');
    return { parent: parentDisplay, name: path.slice(slash + 1) };
  }

  private folderNode(pathLower: string, pathDisplay: string): MemoryNode {
    return {
      kind: 'folder',
      id: this.newId(),
      name: pathDisplay.slice(pathDisplay.lastIndexOf('/') + 1),
      pathLower,
      pathDisplay,
      rev: '',
      bytes: Buffer.alloc(0),
      contentHash: '',
      modified: '',
    };
  }

  private set(node: MemoryNode): void {
    this.nodes.set(node.pathLower, node);
    this.changes.set(node.pathLower, { seq: this.seq, node, last: node });
  }

  private drop(pathLower: string): void {
    const last = this.nodes.get(pathLower);
    if (last === undefined) return;
    this.nodes.delete(pathLower);
    this.seq += 1;
    this.changes.set(pathLower, { seq: this.seq, node: null, last });
  }

  private removeBelow(pathLower: string): void {
    for (const below of [...this.nodes.keys()]) {
      if (below.startsWith(`${pathLower}/`)) this.drop(below);
    }
  }

  private newId(): string {
    this.ids += 1;
    return `id:memory${String(this.ids).padStart(16, '0')}`;
  }

  private exportInfoOf(name: string): ExportInfo | undefined {
    const dot = name.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const info = this.exportFormats[name.slice(dot + 1).toLowerCase()];
    return info === undefined
      ? undefined
      : { exportAs: info.exportAs, exportOptions: [...info.exportOptions] };
  }

  private entryOf(node: MemoryNode): SourceEntry {
    if (node.kind === 'folder') {
      const { id, name, pathLower, pathDisplay } = node;
      return { kind: 'folder', id, name, pathLower, pathDisplay };
    }
    return this.fileOf(node);
  }

  private fileOf(node: MemoryNode): SourceFile {
    const exportInfo = this.exportInfoOf(node.name);
    return {
      kind: 'file',
      id: node.id,
      name: node.name,
      pathLower: node.pathLower,
      pathDisplay: node.pathDisplay,
      rev: node.rev,
      size: node.bytes.length,
      contentHash: node.contentHash,
      serverModified: node.modified,
      clientModified: node.modified,
      downloadable: exportInfo === undefined,
      ...(exportInfo === undefined ? {} : { exportInfo }),
    };
  }
}

/**
 * A Source that answers `listContinue` with these pages, in this order, and nothing else: for
 * orderings Dropbox may send but neither the emulator nor MemorySource makes (a move reported only
 * at the new path, a folder deleted and made again in one page).
 */
export function scriptedChanges(pages: readonly (readonly SourceEntry[])[]): Source {
  let next = 0;
  const unexpected = (what: string) => () => Promise.reject(new Error(`no ${what} expected`));
  return {
    contentHash: SHA256_BLOCKS,
    list: unexpected('full listing'),
    latestCursor: unexpected('cursor'),
    open: unexpected('download'),
    exportDocument: unexpected('export'),
    listContinue: (): Promise<ListPage> => {
      const entries = pages[next] ?? [];
      next += 1;
      return Promise.resolve({ entries, cursor: `c${String(next)}`, hasMore: next < pages.length });
    },
  };
}

function deletedEntry(last: MemoryNode): SourceEntry {
  return {
    kind: 'deleted',
    name: last.name,
    pathLower: last.pathLower,
    pathDisplay: last.pathDisplay,
  };
}

/** Read through a call, so a check after an await is not taken for the one before it. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function networkError(what: string, why: string): Error {
  return retryable('network', `connection to Dropbox failed while ${what} (${why})`);
}

/** A recursive scope covers its folder and everything below; the root's, everything. */
function inScope(pathLower: string, scope: Scope): boolean {
  if (!scope.recursive) return parentOf(pathLower) === scope.pathLower;
  if (scope.pathLower === '') return true;
  return pathLower === scope.pathLower || pathLower.startsWith(`${scope.pathLower}/`);
}

function parentOf(pathLower: string): string {
  return pathLower.slice(0, pathLower.lastIndexOf('/'));
}

function hasDeletedAncestor(pathLower: string, deleted: ReadonlySet<string>): boolean {
  for (let p = parentOf(pathLower); p !== ''; p = parentOf(p)) if (deleted.has(p)) return true;
  return false;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
