import type { Clock } from './clock.ts';

/**
 * Dropbox limits requests per user, so when it says "retry after N seconds" every worker of every
 * transfer must wait, not just the one that was told.
 */
export class RateGate {
  private until = 0;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  pauseFor(ms: number): void {
    this.until = Math.max(this.until, this.clock.now() + ms);
  }

  get pausedUntil(): number {
    return this.until;
  }

  async wait(signal?: AbortSignal): Promise<void> {
    for (let left = this.until - this.clock.now(); left > 0; left = this.until - this.clock.now()) {
      if (signal?.aborted) return;
      await this.clock.sleep(left, signal);
    }
  }
}
