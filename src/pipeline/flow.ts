/**
 * One partition's events handed over by `eachBatch` and still in flight, across batches: lanes by key
 * (one user's events in offset order, across batches too; different users concurrently), the window
 * of handed-over offsets whose done prefix is committed (with the offsets done above it in the
 * metadata, commit.ts), and the in-flight budget released as events get their outcome. KafkaJS fetches
 * the partition's next batch while these are still in flight (handover.ts).
 *
 * An outage met by a run stops the partition's lanes at their next run; once the runs in flight have
 * ended the partition is paused with backoff (partitions.ts) and its undelivered events stay here, to be
 * delivered when the pause ends. A drain (rebalance, shutdown) starts no new run and waits, bounded,
 * for the runs in flight; an abandoned flow (a partition revoked, a shutdown past its deadline) commits
 * nothing more: what it had not settled is delivered again by the partition's next owner.
 */
import pLimit from 'p-limit';
import { deliver, nextRun, type BatchContext } from './batch.js';
import { PartitionCommitter } from './commit.js';
import {
  compareOffsets,
  messageBytes,
  offsetDistance,
  OffsetWindow,
  ownBytes,
  type InFlightBudget,
} from './inflight.js';
import type { PartitionState } from './partitions.js';
import type { Decoded } from './types.js';

export type FlowContext = Pick<
  BatchContext,
  | 'destination'
  | 'observer'
  | 'counts'
  | 'inFlight'
  | 'log'
  | 'reporter'
  | 'partitions'
  | 'laneConcurrency'
  | 'maxRun'
  | 'metadataMaxBytes'
  | 'commitIntervalMs'
  | 'repeatsVisibly'
> & {
  budget: InFlightBudget;
  /** Budget was released: paused partitions may fetch again. */
  onRoom(): void;
};

interface Lane {
  queue: Decoded[];
  head: number;
  active: boolean;
}

export type FlowState = 'open' | 'draining' | 'abandoned';

export class PartitionFlow {
  readonly key: string;
  readonly window = new OffsetWindow();
  state: FlowState = 'open';
  /** The outage that stopped this partition's lanes; cleared when its pause ends. */
  outage: unknown = null;
  /** The last high watermark a batch of this partition reported (as KafkaJS gives it). */
  highWatermark: string | null = null;
  /** Sends a commit through the consumer (the latest batch's `commitOffsetsIfNecessary`). */
  send?: (offset: string, metadata: string | null) => Promise<void>;
  private readonly lanes = new Map<string, Lane>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly committer: PartitionCommitter;
  private running = 0;
  private events = 0;
  private bytes = 0;
  private idle: (() => void)[] = [];

  constructor(
    readonly st: PartitionState,
    private readonly ctx: FlowContext,
    /** The first offset this flow may commit below (the group's commit when it started). */
    private readonly first: string,
  ) {
    this.key = `${st.topic}:${st.partition}`;
    this.limit = pLimit(ctx.laneConcurrency);
    this.committer = new PartitionCommitter(st, {
      log: ctx.log,
      metadataMaxBytes: ctx.metadataMaxBytes,
      intervalMs: ctx.commitIntervalMs,
      send: (offset, metadata) => (this.send ? this.send(offset, metadata) : Promise.resolve()),
      state: () => {
        if (this.state === 'abandoned') return null;
        const w = this.window.watermark();
        const offset = w === null ? this.first : (BigInt(w) + 1n).toString();
        // The window's offsets done are above its watermark and in order; those read back from the
        // group's commit (st.done, usually none) only count from the offset committed.
        const done = this.window.doneAbove();
        for (const o of this.st.done) if (compareOffsets(o, offset) >= 0) done.push(o);
        return w === null && done.length === 0 ? null : { offset, done };
      },
    });
  }

  /** Runs in flight now. */
  get runsInFlight(): number {
    return this.running;
  }

  /**
   * Takes over messages fetched in offset order, all above what was handed over before: `decoded` are
   * those to deliver (their budget already reserved by the caller), in the same order; every other
   * offset of `offsets` already has its outcome (skips reported, offsets done before).
   */
  handOver(offsets: readonly string[], decoded: Decoded[]): void {
    let next = 0;
    for (const o of offsets) {
      const pending = next < decoded.length && decoded[next]!.message.offset === o;
      if (pending) next++;
      this.window.add(o, !pending);
    }
    if (next < decoded.length) throw new Error('handOver: events to deliver that are not among the offsets');
    for (const d of decoded) {
      d.message = ownBytes(d.message);
      const size = messageBytes(d.message);
      this.events++;
      this.bytes += size;
      const k = d.message.key ? d.message.key.toString('latin1') : `\u0000${d.message.offset}`;
      let lane = this.lanes.get(k);
      if (!lane) {
        lane = { queue: [], head: 0, active: false };
        this.lanes.set(k, lane);
      }
      lane.queue.push(d);
      this.schedule(k, lane);
    }
    this.st.busy = this.window.pending > 0;
    this.advanced();
  }

  private schedule(k: string, lane: Lane): void {
    if (lane.active || !this.mayRun()) return;
    lane.active = true;
    void this.limit(() => this.runLane(k, lane));
  }

  private mayRun(): boolean {
    return this.state === 'open' && this.outage === null && this.st.pausedUntil === undefined;
  }

  private async runLane(k: string, lane: Lane): Promise<void> {
    while (lane.head < lane.queue.length) {
      if (!this.mayRun()) {
        lane.active = false;
        return this.settle();
      }
      const run = nextRun(lane.queue, lane.head, this.ctx.maxRun);
      this.running++;
      try {
        await deliver(this.ctx, this.st.topic, this.st.partition, run);
      } catch (e) {
        // An outage: the run stays at the head of its lane, delivered again when the pause ends.
        this.outage ??= e;
        this.running--;
        lane.active = false;
        return this.settle();
      }
      this.running--;
      lane.head += run.length;
      if (lane.head > 256 && lane.head * 2 > lane.queue.length) {
        lane.queue = lane.queue.slice(lane.head);
        lane.head = 0;
      }
      this.finished(run);
    }
    lane.active = false;
    if (this.lanes.get(k) === lane) this.lanes.delete(k);
    this.settle();
  }

  /** A run has its outcomes: release its budget; unless abandoned, mark it done and commit. */
  private finished(run: Decoded[]): void {
    let events = 0;
    let bytes = 0;
    for (const d of run) {
      events++;
      bytes += messageBytes(d.message);
    }
    this.releaseBudget(events, bytes);
    if (this.state === 'abandoned') return;
    this.st.outages = 0;
    for (const d of run) this.window.markDone(d.message.offset);
    this.st.busy = this.window.pending > 0;
    this.ctx.partitions.progressed(this.st);
    this.advanced();
    if (run.some((d) => this.ctx.repeatsVisibly(d)) || this.state === 'draining')
      void this.committer.urgent();
    else this.committer.lazy();
  }

  private releaseBudget(events: number, bytes: number): void {
    const e = Math.min(events, this.events);
    const b = Math.min(bytes, this.bytes);
    this.events -= e;
    this.bytes -= b;
    this.ctx.budget.release(this.key, e, b);
    this.ctx.onRoom();
  }

  /** The watermark moved (or may have): lag and observer. */
  advanced(): void {
    if (this.highWatermark === null) return;
    const w = this.window.watermark();
    // The watermark's next offset is w + 1; before any, the first offset this flow may commit below.
    const lag = Math.max(
      0,
      w === null ? offsetDistance(this.first, this.highWatermark) : offsetDistance(w, this.highWatermark) - 1,
    );
    this.ctx.partitions.setLag(this.st, lag);
    this.ctx.observer?.lag?.(this.st.topic, this.st.partition, lag);
  }

  /** No run in flight: wake drains; after an outage, pause the partition (its events stay here). */
  private settle(): void {
    if (this.running > 0) return;
    for (const wake of this.idle.splice(0)) wake();
    if (this.outage !== null && this.state === 'open' && this.st.pausedUntil === undefined) {
      void this.committer.urgent();
      this.ctx.counts.outages++;
      this.ctx.partitions.pause(this.st.topic, this.st.partition, this.outage);
    }
  }

  /** The partition's outage pause ended: its lanes go on from where they stopped. */
  resumed(): void {
    this.outage = null;
    this.reopen();
  }

  /** Runs start again (after a drain that kept the partition, or a pause). */
  reopen(): void {
    if (this.state === 'abandoned') return;
    this.state = 'open';
    if (this.outage !== null) return this.settle();
    for (const [k, lane] of this.lanes) if (lane.head < lane.queue.length) this.schedule(k, lane);
  }

  /** Commits what is done now (never rejects). */
  commit(): Promise<void> {
    return this.committer.urgent();
  }

  /** The periodic commit: only when the commit interval has passed. */
  commitLazily(): void {
    this.committer.lazy();
  }

  /**
   * No new run; waits for the runs in flight (at most `ms`), then commits what is done. Resolves true
   * when no run was left in flight.
   */
  async drain(ms: number): Promise<boolean> {
    if (this.state === 'abandoned') return this.running === 0;
    this.state = 'draining';
    if (this.running > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => this.idle.push(r)),
        new Promise<void>((r) => (timer = setTimeout(r, ms))),
      ]);
      clearTimeout(timer);
    }
    await this.committer.urgent();
    return this.running === 0;
  }

  /** The partition is no longer ours (or we stop): nothing more is committed; the budget is released. */
  abandon(): number {
    if (this.state === 'abandoned') return 0;
    this.state = 'abandoned';
    const unsettled = this.window.pending;
    this.lanes.clear();
    this.st.busy = false;
    this.releaseBudget(this.events, this.bytes);
    return unsettled;
  }
}
