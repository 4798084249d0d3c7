/**
 * A global cap on file bytes held in memory: every transfer reserves what it buffers before it
 * buffers it, and waiters are served in order. A request larger than the whole cap waits for the
 * whole cap, so one huge part cannot deadlock the rest.
 */
export class MemoryBudget {
  private available: number;
  private readonly capacity: number;
  private readonly waiters: { bytes: number; grant: () => void; fail: (error: unknown) => void }[] =
    [];

  constructor(capacity: number) {
    this.capacity = capacity;
    this.available = capacity;
  }

  get inUse(): number {
    return this.capacity - this.available;
  }

  /** Waits until `bytes` are free, takes them, and returns the function that gives them back. */
  async acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const wanted = Math.min(Math.max(bytes, 0), this.capacity);
    if (this.waiters.length === 0 && wanted <= this.available) {
      this.available -= wanted;
      return this.releaser(wanted);
    }
    signal?.throwIfAborted();
    await new Promise<void>((grant, fail) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        fail(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        this.serve();
      };
      // One chunk's signal outlives thousands of waits: let go of the listener once granted.
      const waiter = {
        bytes: wanted,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          grant();
        },
        fail,
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.releaser(wanted);
  }

  private releaser(bytes: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.available += bytes;
      this.serve();
    };
  }

  private serve(): void {
    for (let next = this.waiters[0]; next && next.bytes <= this.available; next = this.waiters[0]) {
      this.waiters.shift();
      this.available -= next.bytes;
      next.grant();
    }
  }
}
