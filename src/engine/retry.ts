import { MigrationError } from '../errors.ts';
import type { Clock } from './clock.ts';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly tries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const REQUEST_RETRY: RetryPolicy = { tries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Exponential backoff with full jitter, at least what the service asked for. */
export function backoffMs(policy: RetryPolicy, attempt: number, askedMs = 0): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.max(askedMs, Math.random() * ceiling);
}

/**
 * Runs `operation`, retrying retryable `MigrationError`s with backoff. Anything else (permanent,
 * fatal, or an unclassified error) is thrown at once; so is the last retryable error.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    clock: Clock;
    signal?: AbortSignal;
    onRetry?: (error: MigrationError, attempt: number) => void;
  },
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      const last = attempt + 1 >= options.policy.tries;
      if (!(error instanceof MigrationError) || error.kind !== 'retryable' || last) throw error;
      if (options.signal?.aborted) throw error;
      options.onRetry?.(error, attempt);
      await options.clock.sleep(
        backoffMs(options.policy, attempt, error.retryAfterMs),
        options.signal,
      );
    }
  }
}
