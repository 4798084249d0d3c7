import { createHash } from 'node:crypto';
import type { BigIntStats, Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { contentHashOfFile } from './content-hash.ts';
import type { Node } from './types.ts';

/** The account as one scan saw it: every file and folder below the root, folders first. */
export interface Snapshot {
  /** Entries by lowercased path, in listing order (each folder before its contents). */
  byPath: Map<string, Node>;
  byId: Map<string, string>;
  byRev: Map<string, string>;
}

interface HashEntry {
  key: string;
  hash: string;
}

const STAT_BATCH = 64;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the folder on disk as a Dropbox account. Ids come from the inode (so they survive renames),
 * revs from (inode, size, mtime, ctime) (so they change with content and only then), content
 * hashes are cached by inode + size + mtime + ctime so a rescan of 100k files reads no bytes.
 */
export class Tree {
  readonly root: string;
  private readonly warn: (message: string) => void;
  private readonly onHashed: () => void;
  private readonly hashes = new Map<string, HashEntry>();
  private readonly warned = new Set<string>();

  constructor(root: string, warn: (message: string) => void, onHashed: () => void) {
    this.root = root;
    this.warn = warn;
    this.onHashed = onHashed;
  }

  async scan(): Promise<Snapshot> {
    const snapshot: Snapshot = { byPath: new Map(), byId: new Map(), byRev: new Map() };
    for (const node of await this.scanFolder(this.root, '')) {
      snapshot.byPath.set(node.pathLower, node);
      snapshot.byId.set(node.id, node.pathLower);
      if (node.kind === 'file') snapshot.byRev.set(node.rev, node.pathLower);
    }
    return snapshot;
  }

  /** Everything below a folder, each folder before its contents; subfolders are read in parallel. */
  private async scanFolder(diskDir: string, exactDir: string): Promise<Node[]> {
    const children = await this.children(diskDir, exactDir);
    const nodes: Node[] = [];
    for (let i = 0; i < children.length; i += STAT_BATCH) {
      const batch = children.slice(i, i + STAT_BATCH);
      const built = await Promise.all(
        batch.map((c) => this.nodeAt(join(diskDir, c), `${exactDir}/${c}`)),
      );
      for (const node of built) if (node !== null) nodes.push(node);
    }
    const below: Node[][] = [];
    for (const node of nodes) {
      if (node.kind === 'folder') below.push(await this.scanFolder(node.diskPath, node.pathExact));
    }
    return nodes.concat(...below);
  }

  /**
   * The names in a folder that Dropbox could hold: valid UTF-8, not symlinks, one per
   * case-insensitive name (the first in code-unit order wins, and a warning names the others).
   */
  async children(diskDir: string, exactDir: string): Promise<string[]> {
    let dirents: Dirent<Buffer>[];
    try {
      dirents = await readdir(diskDir, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      if (isGone(error)) return [];
      throw error;
    }
    const byLower = new Map<string, string[]>();
    for (const dirent of dirents) {
      if (dirent.isSymbolicLink()) continue;
      if (!dirent.isFile() && !dirent.isDirectory()) continue;
      const name = decodeName(dirent.name);
      if (name === null) {
        this.warnOnce(`${exactDir}/${dirent.name.toString('latin1')}`, (p) => {
          return `skipping a name that is not valid UTF-8 in "${exactDir || '/'}" (${p})`;
        });
        continue;
      }
      const lower = name.toLowerCase();
      const twins = byLower.get(lower);
      if (twins === undefined) byLower.set(lower, [name]);
      else twins.push(name);
    }
    const chosen: string[] = [];
    for (const twins of byLower.values()) {
      twins.sort(compareCodeUnits);
      const first = twins[0];
      if (first === undefined) continue;
      chosen.push(first);
      if (twins.length > 1) {
        this.warnOnce(`${exactDir}/${first}`.toLowerCase(), () => {
          return `case twins in "${exactDir || '/'}": serving "${first}", hiding ${twins
            .slice(1)
            .map((t) => `"${t}"`)
            .join(', ')} (Dropbox is case-insensitive)`;
        });
      }
    }
    return chosen.sort((a, b) => compareCodeUnits(a.toLowerCase(), b.toLowerCase()));
  }

  /** The node for one path on disk, or null if it is gone or not a file/folder. */
  async nodeAt(diskPath: string, pathExact: string): Promise<Node | null> {
    let stats: BigIntStats;
    try {
      stats = await lstat(diskPath, { bigint: true });
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
    const name = pathExact.slice(pathExact.lastIndexOf('/') + 1);
    const base = {
      name,
      pathLower: pathExact.toLowerCase(),
      pathExact,
      diskPath,
      id: idOf(stats),
      mtimeMs: Number(stats.mtimeMs),
    };
    if (stats.isDirectory()) {
      return { kind: 'folder', ...base, rev: '', size: 0, contentHash: '' };
    }
    if (!stats.isFile()) return null;
    const contentHash = await this.hashOf(diskPath, stats);
    if (contentHash === null) return null;
    return { kind: 'file', ...base, rev: revOf(stats), size: Number(stats.size), contentHash };
  }

  private async hashOf(diskPath: string, stats: BigIntStats): Promise<string | null> {
    const key = `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
    const inode = `${stats.dev}:${stats.ino}`;
    const cached = this.hashes.get(inode);
    if (cached !== undefined && cached.key === key) return cached.hash;
    try {
      const hash = await contentHashOfFile(diskPath, Number(stats.size));
      this.onHashed();
      this.hashes.set(inode, { key, hash });
      return hash;
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
  }

  private warnOnce(key: string, message: (key: string) => string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message(key));
  }
}

function decodeName(raw: Buffer): string | null {
  try {
    return strictUtf8.decode(raw);
  } catch {
    return null;
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Stable across renames and moves (same inode); looks like Dropbox's "id:" + 22 characters. The
 * birth time is part of it because Linux hands a deleted file's inode to the next file created:
 * without it a file deleted and another added between two listings would look like a move, and
 * Dropbox never gives a new file an old id. (Where the file system has no birth time it is 0.)
 */
function idOf(stats: BigIntStats): string {
  const digest = createHash('sha256')
    .update(`${stats.dev}:${stats.ino}:${stats.birthtimeNs}`)
    .digest('base64url');
  return `id:${digest.slice(0, 22)}`;
}

/** Changes whenever the content may have changed, and never otherwise. Hex, 16 characters. */
function revOf(stats: BigIntStats): string {
  const key = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  return `0${createHash('sha256').update(key).digest('hex').slice(0, 15)}`;
}

function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'ELOOP';
}
