import type { Snapshot } from './tree.ts';
import type { Node } from './types.ts';

/** A path's latest state: the live node, or what it was when it was deleted. */
export interface PathState {
  seq: number;
  node: Node | null;
  /** The node as last seen alive (for deleted entries' name and display path). */
  last: Node;
}

/** One entry of a listing or delta: a live node, or a deletion of what `last` was. */
export type Change = { kind: 'live'; node: Node } | { kind: 'deleted'; last: Node };

/** Which entries a cursor covers. */
export interface Scope {
  pathLower: string;
  recursive: boolean;
}

/**
 * The change journal. Each scan is diffed against the previous one; every path that was added,
 * changed (new rev, new id, file<->folder) or removed gets the next sequence number. A delta for a
 * cursor at sequence S walks the log from S, so its cost is the number of changes, not the size
 * of the account, and a cursor stays valid however old it is. Changes of case only are not
 * changes (Dropbox does not report them either).
 */
export class Journal {
  private seqValue = 0;
  private snapshot: Snapshot | null = null;
  private readonly states = new Map<string, PathState>();
  private readonly log: { seq: number; pathLower: string }[] = [];

  get seq(): number {
    return this.seqValue;
  }

  get current(): Snapshot {
    if (this.snapshot === null) throw new Error('the journal has not seen a scan yet');
    return this.snapshot;
  }

  /** Records the differences between the last scan and this one; returns the new sequence. */
  apply(next: Snapshot): number {
    const previous = this.snapshot;
    this.snapshot = next;
    if (previous === null) {
      for (const node of next.byPath.values()) {
        this.states.set(node.pathLower, { seq: 0, node, last: node });
      }
      return this.seqValue;
    }
    for (const [pathLower, old] of previous.byPath) {
      if (!next.byPath.has(pathLower)) this.record(pathLower, null, old);
    }
    for (const [pathLower, node] of next.byPath) {
      const old = previous.byPath.get(pathLower);
      if (old === undefined || isChanged(old, node)) this.record(pathLower, node, node);
      else {
        const state = this.states.get(pathLower);
        if (state !== undefined) {
          state.node = node;
          state.last = node;
        }
      }
    }
    return this.seqValue;
  }

  private record(pathLower: string, node: Node | null, last: Node): void {
    this.seqValue += 1;
    this.states.set(pathLower, { seq: this.seqValue, node, last });
    this.log.push({ seq: this.seqValue, pathLower });
  }

  /** Deleted paths in scope (for `include_deleted` on a fresh listing). */
  tombstones(scope: Scope): Node[] {
    const out: Node[] = [];
    for (const [pathLower, state] of this.states) {
      if (state.node === null && inScope(pathLower, scope)) out.push(state.last);
    }
    return out;
  }

  deletedAt(pathLower: string): Node | null {
    const state = this.states.get(pathLower);
    return state !== undefined && state.node === null ? state.last : null;
  }

  /**
   * What changed in scope after `since`, latest state per path, in the order the changes were
   * recorded. A deleted folder stands for its deleted children: they are left out.
   */
  changesSince(since: number, scope: Scope): Change[] {
    const seen = new Set<string>();
    const paths: string[] = [];
    for (let i = this.firstAfter(since); i < this.log.length; i++) {
      const entry = this.log[i];
      if (entry === undefined || seen.has(entry.pathLower)) continue;
      seen.add(entry.pathLower);
      if (inScope(entry.pathLower, scope)) paths.push(entry.pathLower);
    }
    const deleted = new Set<string>();
    const states: [string, PathState][] = [];
    for (const pathLower of paths) {
      const state = this.states.get(pathLower);
      if (state === undefined) continue;
      states.push([pathLower, state]);
      if (state.node === null) deleted.add(pathLower);
    }
    states.sort((a, b) => a[1].seq - b[1].seq);
    const out: Change[] = [];
    for (const [pathLower, state] of states) {
      if (state.node !== null) out.push({ kind: 'live', node: state.node });
      else if (!hasDeletedAncestor(pathLower, deleted))
        out.push({ kind: 'deleted', last: state.last });
    }
    return out;
  }

  private firstAfter(since: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const entry = this.log[mid];
      if (entry !== undefined && entry.seq <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function isChanged(old: Node, node: Node): boolean {
  return (
    old.kind !== node.kind || old.id !== node.id || (node.kind === 'file' && old.rev !== node.rev)
  );
}

/**
 * Recursive scopes cover the folder itself (Dropbox lists a non-root folder as the first entry of
 * its own recursive listing) and everything below it; non-recursive scopes, direct children only.
 */
export function inScope(pathLower: string, scope: Scope): boolean {
  if (scope.recursive) {
    if (scope.pathLower === '') return true;
    return pathLower === scope.pathLower || pathLower.startsWith(`${scope.pathLower}/`);
  }
  return parentOf(pathLower) === scope.pathLower;
}

export function parentOf(pathLower: string): string {
  return pathLower.slice(0, pathLower.lastIndexOf('/'));
}

function hasDeletedAncestor(pathLower: string, deleted: Set<string>): boolean {
  for (let p = parentOf(pathLower); p !== ''; p = parentOf(p)) {
    if (deleted.has(p)) return true;
  }
  return false;
}
