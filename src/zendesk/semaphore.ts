/**
 * The 30-job limit as a counting semaphore: a slot is taken before a bulk job is created and
 * given back when the job has finished (or was never created).
 */
export class Semaphore {
  private waiters: (() => void)[] = [];
  private taken = 0;

  constructor(private readonly permits: number) {}

  get inUse(): number {
    return this.taken;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves once a permit is held; true when it had to wait. */
  acquire(): Promise<boolean> {
    if (this.taken < this.permits) {
      this.taken++;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => this.waiters.push(() => resolve(true)));
  }

  release(): void {
    const next = this.waiters.shift();
    // The permit passes straight to the next waiter, so `taken` does not change.
    if (next) next();
    else this.taken = Math.max(0, this.taken - 1);
  }
}
