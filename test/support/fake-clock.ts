import type { Clock } from '../../src/engine/clock.ts';

/** A clock that only moves when a test advances it; sleepers wake in time order. */
export class FakeClock implements Clock {
  private time: number;
  private sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = { until: this.time + ms, wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((other) => other !== sleeper);
        resolve();
      });
    });
  }

  /** Moves time forward, waking every sleeper whose time has come. */
  advance(ms: number): void {
    this.time += ms;
    const due = this.sleepers.filter((sleeper) => sleeper.until <= this.time);
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.until > this.time);
    for (const sleeper of due.sort((a, b) => a.until - b.until)) sleeper.wake();
  }

  /** When the earliest sleeper wakes; undefined when nobody sleeps. */
  protected get nextWake(): number | undefined {
    let next: number | undefined;
    for (const sleeper of this.sleepers) {
      if (next === undefined || sleeper.until < next) next = sleeper.until;
    }
    return next;
  }
}

/**
 * A FakeClock that moves itself: once everything that can run without time has run (a few turns
 * of the event loop with someone asleep), it jumps to the earliest sleeper. Backoffs, delays,
 * grace periods and deadlines then take no real time, in the order they would happen. Work that
 * waits on real I/O meanwhile (gzip on the thread pool) may see time jump past it: keep such work
 * out of timed tests.
 */
export class AutoClock extends FakeClock {
  private scheduled = false;

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const sleeping = super.sleep(ms, signal);
    this.schedule();
    return sleeping;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the promise jobs and the I/O callbacks already due; three turns let
    // chains of those (a ledger write, a stream's next piece) settle before time moves.
    const turns = (left: number): void => {
      setImmediate(() => {
        if (left > 1) {
          turns(left - 1);
          return;
        }
        this.scheduled = false;
        const next = this.nextWake;
        if (next === undefined) return;
        this.advance(next - this.now());
        if (this.nextWake !== undefined) this.schedule();
      });
    };
    turns(3);
  }
}
