/**
 * Collects items from many concurrent callers for a short window (or until a batch is full) and
 * hands them to one `run` call; each caller awaits its own item's result. Used to turn one-request-
 * per-event traffic into Zendesk bulk calls (user upserts, look-ups, memberships).
 *
 * The window adapts (`maxWaitMs`): when it ends while items are still arriving and batches of this
 * batcher are in flight (a job takes seconds, so one more window costs little next to it), the batch
 * waits one more window, up to `maxWaitMs` in all; it goes at once when nothing of ours is in flight
 * (latency: the account is idle) or when the last window brought nothing (the stream paused). Fetching
 * ahead hands events over as they are fetched rather than a whole batch at once, so a fixed window
 * cut a steady stream into many small jobs.
 *
 * `partialInFlight` keeps a batch that is not full open while that many batches of ours are running
 * (a full batch still goes whenever `maxConcurrent` allows): where every batch costs requests whatever
 * its size, the next batch grows for as long as the last one takes instead of going every window.
 * Held at most `partialHoldMs`: a batch in flight that never ends (a Zendesk job stuck "queued" until
 * the job deadline, 10 minutes) would otherwise hold every later batch of its kind with it.
 *
 * The clock is injected (`timer`) so the window logic is tested without real time.
 */

/** One item's result from a batch run. */
export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface BatchTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimer: BatchTimer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface MicroBatcherOptions {
  /** Largest batch (Zendesk bulk endpoints take 100). */
  maxItems: number;
  /** How long the first item of a batch waits for company. */
  windowMs: number;
  /**
   * Longest wait of a batch that keeps growing while batches of ours are in flight, in whole windows
   * (default `windowMs`: a fixed window).
   */
  maxWaitMs?: number;
  /**
   * Batches running at once (asked anew each time a batch could start). While all are busy, new items
   * keep filling the next batch, so under load batches grow instead of the request count.
   */
  maxConcurrent: number | (() => number);
  /**
   * Batches running at most when one that is not full starts (default `maxConcurrent`): while as
   * many are running, a batch whose window is over keeps growing until one finishes or it is full.
   */
  partialInFlight?: number | (() => number);
  /**
   * Longest a batch whose window is over is held by `partialInFlight` (default 10 s); then it goes as
   * soon as `maxConcurrent` allows. Each batch released this way counts as in flight for the next one.
   */
  partialHoldMs?: number;
  /**
   * A full batch goes at once, past `maxConcurrent` (default false: it waits for a run slot like any
   * other). Waiting cannot make it grow; for bulk jobs it then waits for a job slot at the semaphore,
   * which learns slots freed at Zendesk from every job answer, not only when a batch of ours ends.
   */
  fullGoesAtOnce?: boolean;
  timer?: BatchTimer;
}

interface Pending<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class MicroBatcher<I, R> {
  private open: Pending<I, R>[] = [];
  /** Full or timed-out batches waiting for a free run slot, oldest first. */
  private readonly ready: Pending<I, R>[][] = [];
  private handle: unknown = null;
  /** The open batch's window is over; it is waiting only for a run slot. */
  private due = false;
  /** How long the open batch has waited, in ended windows, and its size when the last one ended. */
  private waited = 0;
  private sizeAtWindow = 0;
  private running = 0;
  /** The hold of the open batch by `partialInFlight` (its timer), and whether it is over. */
  private holdHandle: unknown = null;
  private holdOver = false;
  private readonly timer: BatchTimer;
  readonly stats = { batches: 0, items: 0, largest: 0 };

  constructor(
    private readonly run: (items: I[]) => Promise<ItemResult<R>[]>,
    private readonly o: MicroBatcherOptions,
  ) {
    if (o.maxItems < 1 || (typeof o.maxConcurrent === 'number' && o.maxConcurrent < 1))
      throw new Error('maxItems and maxConcurrent must be ≥ 1');
    this.timer = o.timer ?? realTimer;
  }

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.open.push({ item, resolve, reject });
      if (this.open.length >= this.o.maxItems) {
        this.stopTimer();
        this.stopHold();
        this.due = false;
        this.ready.push(this.open);
        this.open = [];
        this.pump();
      } else if (this.open.length === 1 && !this.due) {
        this.waited = 0;
        this.sizeAtWindow = 1;
        this.handle = this.timer.set(() => this.windowOver(), this.o.windowMs);
      } else if (this.due) {
        // Its window is over and it waits for a run slot: a `maxConcurrent` that is asked anew
        // may have grown since (jobs Zendesk shows finished), so look again.
        this.pump();
      }
    });
  }

  /** Items not yet handed to `run` (tests, metrics). */
  get waiting(): number {
    return this.open.length + this.ready.reduce((n, b) => n + b.length, 0);
  }

  private stopTimer(): void {
    if (this.handle !== null) {
      this.timer.clear(this.handle);
      this.handle = null;
    }
  }

  private stopHold(): void {
    if (this.holdHandle !== null) {
      this.timer.clear(this.holdHandle);
      this.holdHandle = null;
    }
    this.holdOver = false;
  }

  /**
   * A window ended. The batch waits one more window while it grew in this one, batches of ours are
   * in flight and `maxWaitMs` allows; otherwise it goes as soon as a run slot is free, growing until then.
   */
  private windowOver(): void {
    this.handle = null;
    this.waited += this.o.windowMs;
    const grew = this.open.length > this.sizeAtWindow;
    this.sizeAtWindow = this.open.length;
    if (grew && this.running > 0 && this.waited + this.o.windowMs <= (this.o.maxWaitMs ?? 0)) {
      this.handle = this.timer.set(() => this.windowOver(), this.o.windowMs);
      return;
    }
    this.due = true;
    this.pump();
  }

  private get cap(): number {
    return limit(this.o.maxConcurrent);
  }

  private get partialCap(): number {
    return this.o.partialInFlight === undefined
      ? this.cap
      : Math.min(this.cap, limit(this.o.partialInFlight));
  }

  private pump(): void {
    if (this.o.fullGoesAtOnce) while (this.ready.length > 0) this.start(this.ready.shift()!);
    while (this.running < this.cap) {
      let batch = this.ready.shift();
      if (!batch && this.due && this.open.length > 0) {
        if (this.running < this.partialCap || this.holdOver) {
          batch = this.open;
          this.open = [];
          this.due = false;
          this.stopHold();
        } else if (this.holdHandle === null) {
          // Held only by `partialInFlight`, for at most partialHoldMs.
          this.holdHandle = this.timer.set(() => {
            this.holdHandle = null;
            this.holdOver = true;
            this.pump();
          }, this.o.partialHoldMs ?? 10_000);
        }
      }
      if (!batch) return;
      this.start(batch);
    }
  }

  private start(batch: Pending<I, R>[]): void {
    this.running++;
    void this.execute(batch).finally(() => {
      this.running--;
      this.pump();
    });
  }

  private async execute(batch: Pending<I, R>[]): Promise<void> {
    this.stats.batches++;
    this.stats.items += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    let results: ItemResult<R>[];
    try {
      results = await this.run(batch.map((p) => p.item));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (r === undefined) p.reject(new Error(`batch run returned no result for item ${i}`));
      else if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
  }
}

const limit = (m: number | (() => number)): number => Math.max(1, typeof m === 'number' ? m : m());
