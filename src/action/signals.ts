/**
 * GitHub cancels a step with SIGINT, then SIGTERM 7.5 s later, then kills it 2.5 s after that.
 * The first signal stops the chunk (nothing new starts, files in flight get the grace period);
 * later ones are only noted, so the ledger still gets saved in the time left.
 */
export function stopOnCancel(onSignal: (signal: string, first: boolean) => void): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    onSignal(signal, !controller.signal.aborted);
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
