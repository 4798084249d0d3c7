/**
 * Stop signals for a chunk. The first SIGINT or SIGTERM asks the chunk to stop: nothing new
 * starts, files in flight get the grace period, the ledger is saved. What a later signal does
 * depends on the front door: at a terminal a second Ctrl-C ends the process at once; on GitHub,
 * which cancels with SIGINT, then SIGTERM 7.5 s later, then kills 2.5 s after, later signals are
 * only noted so the ledger still gets saved in the time left.
 */
export function stopOnSignals(
  onSignal: (signal: string, first: boolean) => void,
  options: { exitOnSecond: boolean },
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    const first = !controller.signal.aborted;
    if (!first && options.exitOnSecond) process.exit(130);
    onSignal(signal, first);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
