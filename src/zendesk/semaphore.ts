/**
 * The 30-job limit as a counting semaphore: a slot is taken before a bulk job is created and
 * given back when the job has finished (or was never created).
 */
export class Semaphore {
  private waiters: (() => void)[] = [];
  private taken = 0;
  private permits: number;

  constructor(private readonly most: number) {
    this.permits = most;
  }

  get limit(): number {
    return this.permits;
  }

  /**
   * What Zendesk says is free (`zendesk-ratelimit-inflight-jobs` on a job answer): our share is what
   * we hold plus what nobody holds, so instances sharing one account divide its 30 slots between them
   * instead of each counting on all 30 and meeting TooManyJobs.
   */
  learn(remaining: number, total?: number): void {
    const most = Math.min(this.most, total ?? this.most);
    this.permits = Math.max(1, Math.min(most, this.taken + remaining));
    while (this.taken < this.permits && this.waiters.length > 0) {
      this.taken++;
      this.waiters.shift()!();
    }
  }

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
    // The permit passes straight to the next waiter, so `taken` does not change — unless the share
    // learnt from Zendesk shrank below what is held.
    const next = this.taken <= this.permits ? this.waiters.shift() : undefined;
    if (next) next();
    else this.taken = Math.max(0, this.taken - 1);
  }
}
