import { Cursors, type CursorState } from './cursors.ts';
import { inScope, Journal, type Change, type Scope } from './changes.ts';
import { badRequest, endpointError, internalError, lookupError } from './errors.ts';
import type { MetadataBuilder } from './metadata.ts';
import { type Metadata } from './metadata.ts';
import type { Snapshot } from './tree.ts';
import type { Tree } from './tree.ts';
import type { Args } from './args.ts';
import type { PathRoots } from './path-root.ts';
import type { AccountInfo, Node, View } from './types.ts';

export interface ListFolderResult {
  entries: Metadata[];
  cursor: string;
  has_more: boolean;
}

export interface AccountOptions {
  tree: Tree;
  metadata: MetadataBuilder;
  info: AccountInfo;
  roots: PathRoots;
  defaultLimit: number;
  /** Current recursive-listing threshold (a fault), read on every call. */
  recursiveMax: () => number | null;
  onScan: () => void;
}

/**
 * The files and users routes over the folder on disk. Listings rescan the folder, so what is on
 * disk now is what a new listing (or a `continue` on a finished cursor) sees.
 */
export class Account {
  private readonly tree: Tree;
  private readonly metadata: MetadataBuilder;
  private readonly info: AccountInfo;
  private readonly roots: PathRoots;
  private readonly defaultLimit: number;
  private readonly recursiveMax: () => number | null;
  private readonly onScan: () => void;
  private readonly journal = new Journal();
  readonly cursors = new Cursors();
  private scanning: Promise<Snapshot> | null = null;

  constructor(options: AccountOptions) {
    this.tree = options.tree;
    this.metadata = options.metadata;
    this.info = options.info;
    this.roots = options.roots;
    this.defaultLimit = options.defaultLimit;
    this.recursiveMax = options.recursiveMax;
    this.onScan = options.onScan;
  }

  /**
   * Scans the folder and feeds the journal. Concurrent callers share one scan: a scan that
   * started before a caller arrived may miss that caller's changes, so a waiting caller gets the
   * next one.
   */
  async rescan(): Promise<Snapshot> {
    const running = this.scanning;
    if (running !== null) await running.catch(() => undefined);
    if (this.scanning !== null && this.scanning !== running) return this.scanning;
    const scan = (async () => {
      const snapshot = await this.tree.scan();
      this.onScan();
      this.journal.apply(snapshot);
      return snapshot;
    })();
    this.scanning = scan;
    try {
      return await scan;
    } finally {
      if (this.scanning === scan) this.scanning = null;
    }
  }

  currentAccount(): Record<string, unknown> {
    const i = this.info;
    const display = `${i.givenName} ${i.surname}`.trim();
    return {
      account_id: i.accountId,
      name: {
        given_name: i.givenName,
        surname: i.surname,
        familiar_name: i.givenName,
        display_name: display,
        abbreviated_name: `${i.givenName.slice(0, 1)}${i.surname.slice(0, 1)}`,
      },
      email: i.email,
      email_verified: true,
      disabled: false,
      country: i.country,
      locale: i.locale,
      referral_link: 'https://db.tt/emulator',
      is_paired: false,
      account_type: { '.tag': i.accountType },
      root_info: this.roots.rootInfo(),
    };
  }

  async listFolder(route: string, args: Args, view: View): Promise<ListFolderResult> {
    const { scope, state } = await this.openListing(route, args, view);
    const snapshot = this.journal.current;
    const entries: Change[] = [];
    let count = 0;
    for (const node of snapshot.byPath.values()) {
      if (inScope(node.pathLower, scope) && node.pathLower !== view.prefix) {
        count += 1;
        if (this.wanted(node, state)) entries.push({ kind: 'live', node });
      }
    }
    const max = this.recursiveMax();
    if (scope.recursive && max !== null && count > max) throw internalError();
    if (state.includeDeleted) {
      for (const last of this.journal.tombstones(scope)) {
        if (last.pathLower !== view.prefix) entries.push({ kind: 'deleted', last });
      }
    }
    return this.page(state, entries, 0);
  }

  async latestCursor(route: string, args: Args, view: View): Promise<{ cursor: string }> {
    const { state } = await this.openListing(route, args, view);
    return { cursor: this.cursors.encode(state) };
  }

  /**
   * A cursor names the path root it was made under. Used under another root (another
   * `Dropbox-API-Path-Root`), it answers `reset`: its paths mean other folders there, and `reset`
   * is the answer a client already handles by listing again. (Dropbox does not document this case.)
   */
  async continueListing(route: string, cursor: string, view: View): Promise<ListFolderResult> {
    const state = this.cursors.decode(cursor);
    if (state === null) throw badRequest(route, 'request body: cursor: invalid cursor');
    if (state.epoch !== this.cursors.epoch || state.seq > this.journal.seq) throw reset();
    if (state.view !== view.prefix) throw reset();
    if (state.page !== undefined) {
      const changes = this.cursors.session(state.page.key);
      if (changes === null) throw reset();
      return this.page(state, changes, state.page.offset, state.page.key);
    }
    await this.rescan();
    const delta = this.journal
      .changesSince(state.seq, state)
      .filter((c) => (c.kind === 'deleted' ? c.last : c.node).pathLower !== view.prefix)
      .filter((c) => c.kind === 'deleted' || this.wanted(c.node, state));
    return this.page({ ...state, seq: this.journal.seq }, delta, 0);
  }

  async getMetadata(route: string, args: Args, view: View): Promise<Metadata> {
    const path = args.path as string;
    const node = await this.resolve(route, path, view);
    if (node !== null) return this.metadata.of(outward(node, view));
    if (args.include_deleted === true && !path.startsWith('id:') && !path.startsWith('rev:')) {
      await this.rescan();
      const last = this.journal.deletedAt(this.normalize(route, path, view));
      if (last !== null) return this.metadata.deleted(outward(last, view));
    }
    throw lookupError('not_found');
  }

  /**
   * The file a download or export names, checked as those routes check it; its paths are
   * relative to the view, as the answer shows them.
   */
  async fileFor(route: string, path: string, rev: string | undefined, view: View): Promise<Node> {
    const node = await this.resolve(route, path, view);
    if (node === null) throw lookupError('not_found');
    if (node.kind === 'folder') throw lookupError('not_file');
    if (rev !== undefined && rev !== node.rev) throw lookupError('not_found');
    return outward(node, view);
  }

  private async openListing(
    route: string,
    args: Args,
    view: View,
  ): Promise<{ scope: Scope; state: CursorState }> {
    const path = args.path as string;
    if (path === '/') {
      throw badRequest(
        route,
        'request body: path: Specify the root folder as an empty string rather than as "/".',
      );
    }
    await this.rescan();
    let pathLower = view.prefix;
    if (path !== '') {
      const node = await this.resolve(route, path, view);
      if (node === null) throw lookupError('not_found');
      if (node.kind !== 'folder') throw lookupError('not_folder');
      pathLower = node.pathLower;
    }
    const scope: Scope = { pathLower, recursive: args.recursive === true };
    const state: CursorState = {
      ...scope,
      view: view.prefix,
      epoch: this.cursors.epoch,
      seq: this.journal.seq,
      limit: typeof args.limit === 'number' ? args.limit : this.defaultLimit,
      includeDeleted: args.include_deleted === true,
      includeNonDownloadable: args.include_non_downloadable_files !== false,
    };
    return { scope, state };
  }

  private wanted(node: Node, state: CursorState): boolean {
    if (state.includeNonDownloadable || node.kind === 'folder') return true;
    return this.metadata.exportInfo(node.name) === null;
  }

  private page(
    state: CursorState,
    changes: Change[],
    offset: number,
    key?: string,
  ): ListFolderResult {
    const end = Math.min(changes.length, offset + state.limit);
    const view: View = { prefix: state.view };
    const entries = changes.slice(offset, end).map((c) => {
      return c.kind === 'live'
        ? this.metadata.of(outward(c.node, view))
        : this.metadata.deleted(outward(c.last, view));
    });
    const hasMore = end < changes.length;
    const next: CursorState = { ...state };
    delete next.page;
    if (hasMore) next.page = { key: key ?? this.cursors.openSession(changes), offset: end };
    return { entries, cursor: this.cursors.encode(next), has_more: hasMore };
  }

  /** The live node a path, id or rev names now, in the view (never its top folder), or null. */
  private async resolve(route: string, path: string, view: View): Promise<Node | null> {
    const node = await this.resolveAnywhere(route, path, view);
    if (node === null || node.pathLower === view.prefix) return null;
    return isInside(node.pathLower, view) || path.startsWith('ns:') ? node : null;
  }

  private async resolveAnywhere(route: string, path: string, view: View): Promise<Node | null> {
    if (path.startsWith('id:') || path.startsWith('rev:')) {
      const byKey = (s: Snapshot) =>
        path.startsWith('id:') ? s.byId.get(path) : s.byRev.get(path.slice(4));
      let pathLower = byKey(this.journal.current);
      let node = pathLower === undefined ? null : await this.nodeByPath(pathLower);
      if (node === null || (path.startsWith('id:') ? node.id : `rev:${node.rev}`) !== path) {
        pathLower = byKey(await this.rescan());
        node = pathLower === undefined ? null : await this.nodeByPath(pathLower);
      }
      return node;
    }
    return this.nodeByPath(this.normalize(route, path, view));
  }

  /**
   * "/A/b.txt" (relative to the view) or "ns:<id>/A/b.txt" (relative to that namespace) → the
   * lowercased path from the top of the served folder, e.g. "/alice/a/b.txt"; malformed paths are
   * a 409.
   */
  private normalize(route: string, path: string, view: View): string {
    let rest = path;
    let prefix = view.prefix;
    if (rest.startsWith('ns:')) {
      const slash = rest.indexOf('/');
      const ns = slash < 0 ? rest.slice(3) : rest.slice(3, slash);
      const known = this.roots.namespacePrefix(ns);
      if (known === null) throw lookupError('not_found');
      prefix = known;
      rest = slash < 0 ? '' : rest.slice(slash);
    }
    if (rest === '') return prefix;
    if (!rest.startsWith('/'))
      throw badRequest(route, `request body: path: '${path}' is not a path`);
    const parts = rest.slice(1).split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw endpointError({ '.tag': 'path', path: { '.tag': 'malformed_path' } });
    }
    return `${prefix}${rest.toLowerCase()}`;
  }

  /** Looks a lowercased path up on disk now, case-insensitively, as a scan would pick it. */
  private async nodeByPath(pathLower: string): Promise<Node | null> {
    if (pathLower === '') return null;
    const known = this.journal.current.byPath.get(pathLower);
    if (known !== undefined) {
      const fresh = await this.tree.nodeAt(known.diskPath, known.pathExact);
      if (fresh !== null) return fresh;
    }
    let diskDir = this.tree.root;
    let exactDir = '';
    const parts = pathLower.slice(1).split('/');
    for (const [i, part] of parts.entries()) {
      const names = await this.tree.children(diskDir, exactDir);
      const name = names.find((n) => n.toLowerCase() === part);
      if (name === undefined) return null;
      diskDir = `${diskDir}/${name}`;
      exactDir = `${exactDir}/${name}`;
      if (i === parts.length - 1) return this.tree.nodeAt(diskDir, exactDir);
    }
    return null;
  }
}

function isInside(pathLower: string, view: View): boolean {
  return view.prefix === '' || pathLower.startsWith(`${view.prefix}/`);
}

/** The node as a request in `view` sees it: its paths relative to the view's top folder. */
function outward(node: Node, view: View): Node {
  if (view.prefix === '' || !isInside(node.pathLower, view)) return node;
  const depth = view.prefix.split('/').length - 1;
  let cut = 0;
  for (let i = 0; i < depth; i += 1) cut = node.pathExact.indexOf('/', cut + 1);
  return {
    ...node,
    pathLower: node.pathLower.slice(view.prefix.length),
    pathExact: node.pathExact.slice(cut),
  };
}

function reset() {
  return endpointError({ '.tag': 'reset' });
}
