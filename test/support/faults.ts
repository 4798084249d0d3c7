/**
 * Faults for the in-memory Source and Target (memory-source.ts, memory-target.ts): a rule says
 * which calls it hits (method, path or key, which ones by count) and what happens to them. The
 * fakes also record every call, with the time on their clock, so a test can see when things were
 * asked for; it should still assert on outcomes (bytes stored, ledger contents) first.
 */
import type { Clock } from '../../src/engine/clock.ts';

/** What happens to a call a rule hits. */
export type Fault =
  /** The call fails with this error (a fresh one per call when given a function). */
  | { readonly kind: 'throw'; readonly error: Error | (() => Error) }
  /** The call answers this much later on the fake's clock (a slow response). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** A body (a download, an export, a read) fails part-way, after this many bytes of it. */
  | { readonly kind: 'cut'; readonly afterBytes: number }
  /** A body arrives with the byte at this position of it flipped (damage in transit). */
  | { readonly kind: 'corrupt'; readonly atByte: number };

export const fail = (error: Error | (() => Error)): Fault => ({ kind: 'throw', error });
export const delay = (ms: number): Fault => ({ kind: 'delay', ms });
export const cut = (afterBytes: number): Fault => ({ kind: 'cut', afterBytes });
export const corrupt = (atByte = 0): Fault => ({ kind: 'corrupt', atByte });

export interface FaultRule<M extends string> {
  /** The methods it hits; every method when absent. */
  readonly on?: M | readonly M[];
  /**
   * The path (Source: compared in lower case) or key (Target) it hits: exact text, a pattern, or a
   * test; every call when absent. Calls without a path (a listing continued by cursor) are hit
   * only by rules without one.
   */
  readonly path?: string | RegExp | ((path: string) => boolean);
  /** Matching calls let through before it starts hitting (0 when absent). */
  readonly after?: number;
  /** Matching calls it hits, then it is spent; every one when absent. */
  readonly times?: number;
  readonly fault: Fault;
}

/** One call as a fake saw it: the method, its path or key, when (on the fake's clock), and details. */
export interface Call<M extends string> {
  readonly method: M;
  readonly path: string | undefined;
  readonly at: number;
  /** Download offset, part number: what else tells this call apart. */
  readonly detail?: number;
}

interface LiveRule<M extends string> {
  readonly rule: FaultRule<M>;
  seen: number;
  hit: number;
}

/** The faults injected into one fake, and the calls it saw. */
export class FaultPlan<M extends string> {
  readonly calls: Call<M>[] = [];
  private readonly rules: LiveRule<M>[] = [];
  private readonly clock: Clock;
  private readonly caseless: boolean;

  constructor(clock: Clock, options: { caseless: boolean }) {
    this.clock = clock;
    this.caseless = options.caseless;
  }

  add(rule: FaultRule<M>): void {
    this.rules.push({ rule, seen: 0, hit: 0 });
  }

  /** Forgets every rule (the calls stay recorded). */
  clear(): void {
    this.rules.splice(0);
  }

  /**
   * Records a call and applies its faults: waits out its delays, throws its error; returns the
   * body faults (cut, corrupt) for the fake to apply to what it sends.
   */
  async enter(
    method: M,
    path: string | undefined,
    signal?: AbortSignal,
    detail?: number,
  ): Promise<BodyFaults> {
    this.calls.push({
      method,
      path,
      at: this.clock.now(),
      ...(detail === undefined ? {} : { detail }),
    });
    const faults = this.take(method, path);
    for (const fault of faults) {
      if (fault.kind === 'delay') await this.clock.sleep(fault.ms, signal);
    }
    for (const fault of faults) {
      if (fault.kind === 'throw')
        throw typeof fault.error === 'function' ? fault.error() : fault.error;
    }
    return new BodyFaults(faults);
  }

  /** The calls of one method (or all), in order. */
  callsTo(method?: M): Call<M>[] {
    return method === undefined ? [...this.calls] : this.calls.filter((c) => c.method === method);
  }

  private take(method: M, path: string | undefined): Fault[] {
    const faults: Fault[] = [];
    for (const live of this.rules) {
      if (!this.matches(live.rule, method, path)) continue;
      live.seen += 1;
      if (live.seen <= (live.rule.after ?? 0)) continue;
      if (live.rule.times !== undefined && live.hit >= live.rule.times) continue;
      live.hit += 1;
      faults.push(live.rule.fault);
    }
    return faults;
  }

  private matches(rule: FaultRule<M>, method: M, path: string | undefined): boolean {
    if (rule.on !== undefined) {
      const methods: readonly M[] = typeof rule.on === 'string' ? [rule.on] : rule.on;
      if (!methods.includes(method)) return false;
    }
    const wanted = rule.path;
    if (wanted === undefined) return true;
    if (path === undefined) return false;
    if (typeof wanted === 'string') {
      return this.caseless ? wanted.toLowerCase() === path.toLowerCase() : wanted === path;
    }
    return wanted instanceof RegExp ? wanted.test(path) : wanted(path);
  }
}

/** The faults a call carries into the body it sends. */
export class BodyFaults {
  private readonly faults: readonly Fault[];

  constructor(faults: readonly Fault[]) {
    this.faults = faults;
  }

  /** Bytes the body is cut after, if a rule cuts it. */
  get cutAfter(): number | undefined {
    const cuts = this.faults.flatMap((fault) => (fault.kind === 'cut' ? [fault.afterBytes] : []));
    return cuts.length === 0 ? undefined : Math.min(...cuts);
  }

  /** The body with the bytes a rule corrupts flipped (a copy; the original is left alone). */
  damage(body: Buffer): Buffer {
    let damaged = body;
    for (const fault of this.faults) {
      if (fault.kind !== 'corrupt' || fault.atByte >= body.length) continue;
      if (damaged === body) damaged = Buffer.copyBytesFrom(body);
      damaged[fault.atByte] = (damaged[fault.atByte] ?? 0) ^ 0xff;
    }
    return damaged;
  }
}

/**
 * A body sent in pieces of `pieceBytes`; with a cut, the stream fails after that many bytes with
 * `cutError()` (how the adapter reports a connection dropped mid-body). Checks `signal` between
 * pieces, as a socket would be torn down.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- the bytes are at hand; the body is async because a download is
export async function* sentBody(
  body: Buffer,
  options: {
    pieceBytes: number;
    cutAfter: number | undefined;
    cutError: () => Error;
    signal?: AbortSignal | undefined;
    abortError?: () => Error;
  },
): AsyncGenerator<Uint8Array> {
  const end = Math.min(body.length, options.cutAfter ?? body.length);
  for (let offset = 0; offset < end; offset += options.pieceBytes) {
    if (options.signal?.aborted === true) throw (options.abortError ?? options.cutError)();
    // A copy: the receiver may keep or change it, never the fake's stored bytes.
    yield Buffer.copyBytesFrom(body, offset, Math.min(end - offset, options.pieceBytes));
  }
  if (end < body.length) throw options.cutError();
}
