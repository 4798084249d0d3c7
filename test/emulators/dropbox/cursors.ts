import { randomBytes } from 'node:crypto';
import type { Change, Scope } from './changes.ts';

/** What a cursor carries. Encoded as base64url JSON: opaque to clients, readable in a debugger. */
export interface CursorState extends Scope {
  /** The path root it was made under (the view's prefix): another root answers `reset`. */
  view: string;
  /** Emulator instance and invalidation epoch: a cursor from another run or epoch is reset. */
  epoch: string;
  /** Journal sequence the listing is complete up to (after the last page). */
  seq: number;
  limit: number;
  includeDeleted: boolean;
  includeNonDownloadable: boolean;
  /** Set while pages of a listing or delta remain: the session and the next offset. */
  page?: { key: string; offset: number };
}

interface PageSession {
  changes: Change[];
}

const MAX_SESSIONS = 256;

/** Encodes cursors and keeps the not-yet-served pages of listings and deltas. */
export class Cursors {
  private readonly instance = randomBytes(6).toString('hex');
  private generation = 0;
  private readonly sessions = new Map<string, PageSession>();

  get epoch(): string {
    return `${this.instance}.${this.generation}`;
  }

  /** Every cursor handed out so far now answers `reset`. */
  invalidate(): void {
    this.generation += 1;
    this.sessions.clear();
  }

  encode(state: CursorState): string {
    const wire = {
      e: state.epoch,
      v: state.view,
      s: state.seq,
      p: state.pathLower,
      r: state.recursive,
      l: state.limit,
      d: state.includeDeleted,
      n: state.includeNonDownloadable,
      k: state.page?.key,
      o: state.page?.offset,
    };
    return `AAE${Buffer.from(JSON.stringify(wire)).toString('base64url')}`;
  }

  /** The state, or null if the string is not a cursor at all (a 400, not a reset). */
  decode(cursor: string): CursorState | null {
    if (!cursor.startsWith('AAE')) return null;
    let wire: unknown;
    try {
      wire = JSON.parse(Buffer.from(cursor.slice(3), 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof wire !== 'object' || wire === null) return null;
    const w = wire as Record<string, unknown>;
    if (
      typeof w.e !== 'string' ||
      typeof w.v !== 'string' ||
      typeof w.s !== 'number' ||
      typeof w.p !== 'string' ||
      typeof w.r !== 'boolean' ||
      typeof w.l !== 'number' ||
      typeof w.d !== 'boolean' ||
      typeof w.n !== 'boolean'
    ) {
      return null;
    }
    const state: CursorState = {
      epoch: w.e,
      view: w.v,
      seq: w.s,
      pathLower: w.p,
      recursive: w.r,
      limit: w.l,
      includeDeleted: w.d,
      includeNonDownloadable: w.n,
    };
    if (typeof w.k === 'string' && typeof w.o === 'number') state.page = { key: w.k, offset: w.o };
    return state;
  }

  /** Keeps the pages after the first so `continue` can serve them from the same snapshot. */
  openSession(changes: Change[]): string {
    const key = randomBytes(9).toString('base64url');
    this.sessions.set(key, { changes });
    while (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    return key;
  }

  session(key: string): Change[] | null {
    return this.sessions.get(key)?.changes ?? null;
  }

  closeSession(key: string): void {
    this.sessions.delete(key);
  }
}
