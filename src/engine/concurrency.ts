import type { Clock } from './clock.ts';

export interface ConcurrencyOptions {
  /** A fixed number of workers, or undefined for automatic (AIMD) control. */
  readonly fixed: number | undefined;
  readonly max: number;
  /** Where automatic control starts. */
  readonly initial: number;
  /** After a halving, further throttles within this window are the same congestion event. */
  readonly cooldownMs: number;
}

export const DEFAULT_CONCURRENCY: ConcurrencyOptions = {
  fixed: undefined,
  max: 32,
  initial: 4,
  cooldownMs: 2000,
};

/**
 * Additive-increase, multiplicative-decrease control of how many transfers run at once: one more
 * worker after each full round of successes (as many successes as there are workers), half as many
 * on a 429 or a 5xx, never below 1 or above the maximum. Requests in flight when the limit is hit
 * fail together; they count as one event, so a burst does not drive the limit straight to 1.
 */
export class ConcurrencyController {
  private current: number;
  private successesThisRound = 0;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private readonly options: ConcurrencyOptions;
  private readonly clock: Clock;

  constructor(options: ConcurrencyOptions, clock: Clock) {
    this.options = options;
    this.clock = clock;
    this.current = options.fixed ?? Math.min(Math.max(1, options.initial), options.max);
  }

  get limit(): number {
    return this.current;
  }

  get automatic(): boolean {
    return this.options.fixed === undefined;
  }

  onSuccess(): void {
    if (!this.automatic) return;
    this.successesThisRound += 1;
    if (this.successesThisRound >= this.current) {
      this.successesThisRound = 0;
      this.current = Math.min(this.current + 1, this.options.max);
    }
  }

  /** A sign of overload: 429, 5xx, or a connection the service dropped. */
  onThrottle(): void {
    if (!this.automatic) return;
    const now = this.clock.now();
    if (now - this.lastDecreaseAt < this.options.cooldownMs) return;
    this.lastDecreaseAt = now;
    this.successesThisRound = 0;
    this.current = Math.max(1, Math.floor(this.current / 2));
  }
}
