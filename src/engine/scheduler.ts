import type { Clock } from './clock.ts';
import type { ConcurrencyController } from './concurrency.ts';

export type StopReason = 'done' | 'deadline' | 'stopped';

export interface ScheduleOptions<T> {
  /** The next item to start, or undefined when nothing is left to start. */
  readonly next: () => T | undefined;
  /**
   * Does one item, records its outcome itself, and never throws. `signal` aborts it outright (the
   * grace period ran out); `soft` says the deadline or a stop came: a long item should stop at a
   * safe point and save where it got to.
   */
  readonly process: (item: T, signal: AbortSignal, soft: AbortSignal) => Promise<void>;
  readonly controller: ConcurrencyController;
  readonly clock: Clock;
  /** After this time nothing new starts. */
  readonly deadlineAt: number | undefined;
  /** How long items in flight may run on after the deadline or a stop before they are aborted. */
  readonly graceMs: number;
  /** A stop from outside (a signal, a fatal error): nothing new starts. */
  readonly stop: AbortSignal;
}

/**
 * Runs items with as many in flight as the controller allows, until none are left, the deadline
 * passes or a stop arrives; then gives what is in flight the grace period and aborts the rest.
 */
export async function schedule<T>(options: ScheduleOptions<T>): Promise<StopReason> {
  const { clock, controller, stop } = options;
  const hard = new AbortController();
  const soft = new AbortController();
  const running = new Set<Promise<void>>();
  let reason: StopReason = 'done';

  for (;;) {
    if (stop.aborted) {
      reason = 'stopped';
      break;
    }
    if (options.deadlineAt !== undefined && clock.now() >= options.deadlineAt) {
      reason = 'deadline';
      break;
    }
    while (running.size < controller.limit) {
      const item = options.next();
      if (item === undefined) break;
      const task: Promise<void> = options
        .process(item, hard.signal, soft.signal)
        .catch(() => undefined)
        .finally(() => running.delete(task));
      running.add(task);
    }
    if (running.size === 0) break;
    await waitForAny(running, options, stop);
  }

  if (running.size > 0) {
    soft.abort(new Error(`stopping: ${reason}`));
    const graceOver = new AbortController();
    const all = Promise.allSettled(running);
    await Promise.race([all, clock.sleep(options.graceMs, graceOver.signal)]);
    graceOver.abort();
    if (running.size > 0) {
      hard.abort(new Error(`stopped: ${reason}`));
      await all;
    }
  }
  return reason;
}

async function waitForAny<T>(
  running: Set<Promise<void>>,
  options: ScheduleOptions<T>,
  stop: AbortSignal,
): Promise<void> {
  const wake = new AbortController();
  const onStop = (): void => {
    wake.abort();
  };
  stop.addEventListener('abort', onStop, { once: true });
  const waits: Promise<unknown>[] = [...running];
  if (options.deadlineAt !== undefined) {
    waits.push(options.clock.sleep(options.deadlineAt - options.clock.now(), wake.signal));
  }
  waits.push(
    new Promise<void>((resolve) => {
      wake.signal.addEventListener('abort', () => {
        resolve();
      });
    }),
  );
  await Promise.race(waits);
  wake.abort();
  stop.removeEventListener('abort', onStop);
}
