// A counting semaphore: at most `limit` holders at once, the rest wait in order. Waiting ends
// early when the caller's signal is aborted, so a cancelled task never keeps a place in line.
import { setMaxListeners } from 'node:events';

export class RequestLimiter {
  private active = 0;
  private readonly waiting: { grant: () => void; reject: (err: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`maxConcurrency must be a whole number ≥ 1, got ${limit}`);
  }

  get inFlight(): number {
    return this.active;
  }

  /** Runs `fn` once a place is free; the place is given back when it settles. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry: (typeof this.waiting)[number] = { grant: resolve, reject, signal };
      if (signal) {
        entry.onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
        };
        // One task's signal legitimately has a listener per queued request (a batch of many);
        // each goes when its request is granted, so this is no leak.
        setMaxListeners(0, signal);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.waiting.push(entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (!next) {
      this.active--;
      return;
    }
    // The place passes straight to the next waiter (active stays the same).
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    next.grant();
  }
}
