import { setTimeout as sleepFor } from 'node:timers/promises';

/** Time as the engine sees it, so tests can drive the scheduler with a simulated clock. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0) return;
    try {
      await sleepFor(ms, undefined, signal === undefined ? undefined : { signal });
    } catch (error) {
      // An aborted sleep just ends early; the caller checks its own signal.
      if (!(error instanceof Error && error.name === 'AbortError')) throw error;
    }
  },
};
