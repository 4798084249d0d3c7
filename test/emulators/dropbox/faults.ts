import type { Faults } from './types.ts';

export const DEFAULT_FAULTS: Faults = {
  rateLimitPerSecond: 0,
  rateLimitBurst: 0,
  random429Rate: 0,
  random500Rate: 0,
  retryAfterSeconds: 1,
  cutProbability: 0,
  cutAfterBytes: null,
  corruptExports: false,
  exportsNotReady: false,
  latencyMs: 0,
  bytesPerSecond: 0,
  recursiveListMaxEntries: null,
  seed: 1,
};

/**
 * Injected failures. One token bucket for the whole account: Dropbox limits per user, so every
 * token and every route draws from it. Random faults use a seeded RNG so a failing run repeats.
 */
export class FaultInjector {
  private value: Faults;
  private random: () => number;
  private tokens = 0;
  private refilledAt = Date.now();

  constructor(initial: Partial<Faults>) {
    this.value = { ...DEFAULT_FAULTS, ...initial };
    this.random = mulberry32(this.value.seed);
    this.tokens = this.capacity();
  }

  get current(): Faults {
    return { ...this.value };
  }

  set(partial: Partial<Faults>): void {
    const reseed = partial.seed !== undefined;
    const rateChanged =
      partial.rateLimitPerSecond !== undefined || partial.rateLimitBurst !== undefined;
    this.value = { ...this.value, ...partial };
    if (reseed) this.random = mulberry32(this.value.seed);
    if (rateChanged) {
      this.tokens = this.capacity();
      this.refilledAt = Date.now();
    }
  }

  /** Seconds to wait if the account is over its rate, or null if the request may go on. */
  takeRateToken(now = Date.now()): number | null {
    const rate = this.value.rateLimitPerSecond;
    if (rate <= 0) return null;
    const capacity = this.capacity();
    this.tokens = Math.min(capacity, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / rate));
  }

  random429(): boolean {
    return this.value.random429Rate > 0 && this.random() < this.value.random429Rate;
  }

  random500(): boolean {
    return this.value.random500Rate > 0 && this.random() < this.value.random500Rate;
  }

  /** Where to cut a body of `length` bytes, or null to send it whole. */
  cutPoint(length: number): number | null {
    const after = this.value.cutAfterBytes;
    if (after !== null && after < length) return after;
    if (this.value.cutProbability > 0 && length > 0 && this.random() < this.value.cutProbability) {
      return Math.floor(this.random() * length);
    }
    return null;
  }

  private capacity(): number {
    const { rateLimitBurst, rateLimitPerSecond } = this.value;
    return rateLimitBurst > 0 ? rateLimitBurst : Math.max(1, rateLimitPerSecond);
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
