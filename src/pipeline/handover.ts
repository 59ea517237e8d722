/**
 * Stage 2 with fetching ahead: `eachBatch` returns once its events are handed over to their partition's
 * lanes (flow.ts), so KafkaJS fetches the next batches while Zendesk calls are still in flight instead
 * of waiting, round after round, for the slowest event of every partition. What is handed over and not
 * settled is bounded by events and bytes, per partition and in total (inflight.ts): a partition at its
 * bound takes what fits, is paused in KafkaJS and resumed once its events settle below three quarters
 * of the bound. Offsets are committed as events settle (commit.ts, through the flow).
 *
 * A rebalance heard by KafkaJS starts no new run; runs in flight go on, and what they settle is
 * committed at once while this generation may still commit. When the new assignment is known, the
 * partitions still ours go on; the flows of partitions revoked are abandoned (nothing more committed;
 * their next owner delivers what they had not settled). A shutdown drains every flow (bounded) and
 * commits before the consumer leaves the group.
 */
import type { EachBatchPayload, KafkaMessage, OffsetsByTopicPartition } from 'kafkajs';
import { deliver } from './batch.js';
import { restoreDone, type GroupCommit } from './commit.js';
import { PartitionFlow, type FlowContext } from './flow.js';
import { InFlightBudget, messageBytes, type InFlightLimits } from './inflight.js';
import type { PartitionControl } from './partitions.js';
import { isRetriable, kafkaErrorType, mustRejoin, partitionKey, type Decoded } from './types.js';

export type HandoverContext = Omit<FlowContext, 'budget' | 'onRoom'> & {
  /** How long a rebalance or a shutdown waits for the runs in flight. */
  drainMs: number;
  decode(messages: KafkaMessage[]): Promise<Decoded[]>;
  /** Resolves what decoding these messages needs from the registry (rejects only with an outage). */
  prepareDecode?(messages: readonly KafkaMessage[]): Promise<void>;
  isStopping(): boolean;
  readCommit?(topic: string, partition: number): Promise<GroupCommit | undefined>;
  limits: InFlightLimits;
  /** KafkaJS's pause and resume, for partitions at their in-flight bound. */
  control: PartitionControl;
};

/** A partition paused at its bound resumes once its use and the total are below this share of the bound. */
const RESUME_BELOW = 0.75;

/** Messages of a batch decoded and settled at a time. */
const DECODE_CHUNK = 256;

export class Handover {
  readonly budget: InFlightBudget;
  private readonly flows = new Map<string, PartitionFlow>();
  /** Partitions paused in KafkaJS because they reached their in-flight bound. */
  private readonly full = new Map<string, { topic: string; partition: number }>();
  private readonly ctx: FlowContext;
  private memberId?: string;
  private readonly timer: NodeJS.Timeout;
  /** The latest batch's heartbeat (KafkaJS's runner heartbeat; sent at most once per heartbeat interval). */
  private heartbeat?: () => Promise<void>;
  /** A rebalance heard by our heartbeat: the drain that holds KafkaJS's rejoin until it ends. */
  private holding: Promise<void> | null = null;
  /** The holding drain has ended: the next heartbeat that succeeds ends the hold (no rejoin came). */
  private held = false;

  constructor(private readonly o: HandoverContext) {
    this.budget = new InFlightBudget(o.limits);
    this.ctx = { ...o, budget: this.budget, onRoom: () => this.onRoom() };
    // Commits after outcomes that repeat harmlessly wait for the commit interval; this sends them when
    // no further outcome comes to do it.
    // It also heartbeats, so that a rebalance is heard here first while KafkaJS idles in a fetch.
    this.timer = setInterval(() => {
      for (const f of this.flows.values()) f.commitLazily();
      if (this.heartbeat && !this.o.isStopping()) void this.beat(this.heartbeat);
    }, 1000);
    this.timer.unref();
  }

  /** Events handed over and not settled, in total. */
  get inFlight(): { events: number; bytes: number } {
    return this.budget.total;
  }

  /** KafkaJS's `eachBatch`: hands the batch over (as much as the bound allows) and returns. */
  async eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = p;
    const { topic, partition } = batch;
    if (!batch.messages.length) return;
    const parts = this.o.partitions;
    const st = parts.get(topic, partition);
    if (parts.isPaused(topic, partition)) {
      // A consumer KafkaJS restarted forgot our pause: keep it paused until its timer resumes it.
      parts.repause(st);
      return;
    }
    const mustStop = () => this.o.isStopping() || !isRunning() || isStale();
    if (mustStop()) return;
    this.heartbeat = p.heartbeat;
    if (this.holding) {
      await this.beat(p.heartbeat);
      if (this.isHolding()) return;
    }
    const key = partitionKey(topic, partition);
    let flow = this.flows.get(key);
    if (flow && flow.st !== st) {
      flow.abandon();
      flow = undefined;
    }
    if (!flow) {
      if (!st.restored) await restoreDone(st, this.o.readCommit, this.o.log);
      flow = new PartitionFlow(st, this.ctx, batch.messages[0]!.offset);
      this.flows.set(key, flow);
    }
    if (flow.state !== 'open' || flow.outage !== null) {
      // Runs of this partition met an outage (it is paused once they end) or a rebalance is under way.
      if (flow.outage !== null) parts.repause(st);
      return;
    }
    // KafkaJS passes each partition's metadata through to OffsetCommit; its types only omit it.
    flow.send = (offset, metadata) => {
      const partitions = [{ partition, offset, metadata }];
      return p.commitOffsetsIfNecessary({ topics: [{ topic, partitions }] } as OffsetsByTopicPartition);
    };
    flow.highWatermark = batch.highWatermark;
    const { window } = flow;
    const fresh = window.isNew(batch.messages[0]!.offset)
      ? batch.messages
      : batch.messages.filter((m) => window.isNew(m.offset));
    if (fresh.length === 0) {
      // Fetched again from the group's commit after a rejoin: all of it was handed over already.
      resolveOffset(batch.messages.at(-1)!.offset);
      return;
    }
    const sizes = fresh.map(messageBytes);
    const n = this.budget.admit(key, sizes);
    if (n < fresh.length) this.pauseFull(topic, partition, key);
    if (n === 0) return;
    const take = fresh.slice(0, n);
    // Reserved now (other partitions' batches are admitted while this one decodes); what does not go
    // to the lanes is given back.
    let reserved = { events: n, bytes: sizes.slice(0, n).reduce((a, b) => a + b, 0) };
    this.budget.add(key, reserved.events, reserved.bytes);
    const giveBack = (ds: { message: KafkaMessage }[] | 'all') => {
      const events = ds === 'all' ? reserved.events : ds.length;
      const bytes = ds === 'all' ? reserved.bytes : ds.reduce((a, d) => a + messageBytes(d.message), 0);
      this.budget.release(key, events, bytes);
      reserved = { events: reserved.events - events, bytes: reserved.bytes - bytes };
      this.onRoom();
    };
    // Offsets read back from the group's commit as done (after a rebalance or a restart; usually none).
    const known = st.done.size ? take.filter((m) => st.done.has(m.offset)) : [];
    if (known.length) giveBack(known.map((message) => ({ message })));
    const toDecode = known.length ? take.filter((m) => !st.done.has(m.offset)) : take;
    // Decoded and settled a part at a time: a part's skips are reported and dropped before the next
    // is decoded, so they die young instead of outliving the batch (in a skip-heavy stream most of
    // what V8 would otherwise promote). The registry is asked first, so no outage comes half-way.
    try {
      await this.o.prepareDecode?.(toDecode);
    } catch (e) {
      giveBack('all');
      return this.outage(p, e);
    }
    const toLanes: Decoded[] = [];
    let settled = 0;
    for (let i = 0; i < toDecode.length; i += DECODE_CHUNK) {
      let decoded: Decoded[];
      try {
        decoded = await this.o.decode(toDecode.slice(i, i + DECODE_CHUNK));
      } catch (e) {
        giveBack('all');
        return this.outage(p, e);
      }
      if (flow.state !== 'open' || mustStop()) return giveBack('all');
      const skips: Decoded[] = [];
      for (const d of decoded) (d.outcome?.kind === 'skipped' ? skips : toLanes).push(d);
      if (skips.length === 0) continue;
      giveBack(skips);
      try {
        await deliver(this.ctx, topic, partition, skips);
      } catch (e) {
        giveBack('all');
        return this.outage(p, e);
      }
      settled += skips.length;
    }
    if (settled > 0) {
      parts.progressed(st);
      if (flow.state !== 'open' || mustStop()) return giveBack('all');
    }
    flow.handOver(
      take.map((m) => m.offset),
      toLanes,
    );
    resolveOffset(take.at(-1)!.offset);
    if (flow.window.pending === 0) flow.commitLazily();
    // Before KafkaJS's own heartbeat after this batch: a rebalance heard here holds the fetch round
    // (KafkaJS rejoins only once every batch of it has returned) while the runs in flight finish.
    await this.beat(p.heartbeat);
  }

  /**
   * Heartbeats; when the group is rebalancing, drains every flow (no new runs, the runs in flight get
   * `drainMs`, what is done is committed while this generation still may) and resolves when that is
   * done: awaited inside eachBatch, it keeps KafkaJS from rejoining before.
   */
  private async beat(heartbeat: () => Promise<void>): Promise<void> {
    if (this.holding && !this.held) return this.holding;
    try {
      await heartbeat();
      // The group answers: a hold whose drain ended and that no rejoin followed (a late answer to a
      // heartbeat sent before a rejoin, a coordinator found again) ends here.
      if (this.holding && this.held) this.release();
      return;
    } catch (e) {
      if (!mustRejoin(e)) return;
      return this.hold(kafkaErrorType(e) ?? String(e));
    }
  }

  /** No new runs; resolves once the runs in flight have finished (at most `drainMs`) and are committed. */
  private hold(why: string): Promise<void> {
    if (this.holding) return this.holding;
    this.o.log.info('rebalance heard: no new runs, the runs in flight finish and are committed', {
      error: why,
      runsInFlight: [...this.flows.values()].reduce((n, f) => n + f.runsInFlight, 0),
    });
    this.held = false;
    this.holding = Promise.all([...this.flows.values()].map((f) => f.drain(this.o.drainMs))).then(() => {
      this.held = true;
    });
    return this.holding;
  }

  /**
   * KafkaJS is about to (re)join the group (join-gate.ts): whatever made it rejoin, and however it heard
   * of the rebalance (our heartbeat, or its own after an empty fetch, with no batch of ours to hold it
   * back), it waits until the runs in flight have finished (at most `drainMs`) and are committed, so
   * the next owner of a revoked partition starts after them. Nothing in flight (the first join): at once.
   */
  beforeJoin(): Promise<void> {
    if (this.o.isStopping() || this.flows.size === 0) return Promise.resolve();
    return this.hold('joining the group');
  }

  /** Decoding or dead-lettering met an outage before anything was handed over: pause, fetch again later. */
  private outage(p: EachBatchPayload, e: unknown): void {
    if (this.o.isStopping() || !p.isRunning() || p.isStale()) return;
    if (!isRetriable(e))
      this.o.log.error('a non-retriable error reached the batch loop; pausing', { error: String(e) });
    this.o.counts.outages++;
    this.o.partitions.pause(p.batch.topic, p.batch.partition, e);
  }

  private pauseFull(topic: string, partition: number, key: string): void {
    if (this.full.has(key)) return;
    this.full.set(key, { topic, partition });
    this.o.control.pause(topic, partition);
  }

  private onRoom(): void {
    for (const [key, tp] of this.full) {
      if (!this.budget.hasRoom(key, RESUME_BELOW)) continue;
      this.full.delete(key);
      if (this.o.partitions.isPaused(tp.topic, tp.partition)) continue;
      try {
        this.o.control.resume(tp.topic, tp.partition);
      } catch {
        // not assigned any more
      }
    }
  }

  private isHolding(): boolean {
    return this.holding !== null;
  }

  private release(): void {
    this.holding = null;
    this.held = false;
    for (const f of this.flows.values()) f.reopen();
  }

  /** A partition's outage pause ended: its flow's lanes go on. */
  resumed(topic: string, partition: number): void {
    this.flows.get(partitionKey(topic, partition))?.resumed();
  }

  /** KafkaJS heard of a rebalance: no new runs; what the runs in flight settle is committed at once. */
  rebalancing(drainMs: number): void {
    for (const f of this.flows.values()) if (f.state === 'open') void f.drain(drainMs);
  }

  /**
   * The group's new assignment. Flows of partitions no longer ours are abandoned (as are all of them
   * when this member rejoined under a new member id: another may have had its partitions meanwhile);
   * the others go on.
   */
  joined(memberId: string, assignment: Record<string, number[]>): void {
    this.holding = null;
    this.held = false;
    const mine = new Set<string>();
    for (const [topic, ps] of Object.entries(assignment))
      for (const p of ps) mine.add(partitionKey(topic, p));
    const anew = this.memberId !== undefined && this.memberId !== memberId;
    this.memberId = memberId;
    for (const [key, flow] of this.flows) {
      if (mine.has(key) && !anew) {
        flow.reopen();
        continue;
      }
      this.flows.delete(key);
      this.full.delete(key);
      const unsettled = flow.abandon();
      if (unsettled > 0)
        this.o.log.info('partition revoked with events in flight: its next owner delivers them again', {
          topic: flow.st.topic,
          partition: flow.st.partition,
          unsettled,
        });
    }
    // The assignment resumed what KafkaJS held paused and no outage did: those still at their bound stay paused.
    for (const { topic, partition } of this.full.values()) this.o.control.pause(topic, partition);
  }

  /** Shutdown: no new runs, the runs in flight get `ms`, what is done is committed; then nothing more. */
  async drainAll(ms: number): Promise<void> {
    const flows = [...this.flows.values()];
    await Promise.all(flows.map((f) => f.drain(ms)));
    for (const f of flows) {
      const left = f.runsInFlight;
      const unsettled = f.abandon();
      if (left > 0)
        this.o.log.warn('stopped with runs still in flight; their events will be delivered again', {
          topic: f.st.topic,
          partition: f.st.partition,
          runsInFlight: left,
          unsettled,
        });
    }
    this.flows.clear();
    clearInterval(this.timer);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
