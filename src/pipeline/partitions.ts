/**
 * Stage 4: the state of each partition this member owns: outcomes remembered above the watermark, the
 * pause of an outage (exponential backoff, resumed by a timer that survives rebalances), and progress,
 * watched so that a partition with lag that neither moves nor is paused is named (`/readyz`, a gauge,
 * an error log) and, if it lasts, ends the process for the orchestrator to restart.
 */
import { partitionKey, type Log, type PipelineObserver } from './types.js';

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Offsets above the committed watermark that already have an outcome (survive a pause; a rebalance or a restart reads them back from the commit's metadata). */
  done: Set<string>;
  /** `done` was read back from the group's commit since this partition was assigned. */
  restored: boolean;
  /** The last commit of this partition: offset and metadata, so an unchanged one is not sent again. */
  lastCommit?: string;
  /** The broker refused our commit metadata (a smaller offset.metadata.max.bytes): the watermark alone. */
  metadataRefused?: boolean;
  /**
   * A commit of this partition the broker has not acknowledged: why (its error, or no answer yet).
   * Until one lands, the outcomes since the last commit that did are delivered again by a next owner.
   */
  unacknowledgedCommit?: string;
  outages: number;
  pausedUntil?: number;
  pauseReason?: string;
  /**
   * Resumed after an outage pause and no outcome since: the partition is trying again, not known to be
   * well. Readiness stays down until an outcome comes out of it, so /readyz does not answer 200 between
   * the pauses of an outage that never heals.
   */
  retryingAfter?: string;
  timer?: NodeJS.Timeout;
  /** Messages behind the end of the partition, as of the last batch. */
  lag: number;
  /** When an outcome last came out of this partition (or it was assigned, resumed, caught up). */
  lastProgressAt: number;
  stalledSince?: number;
  /** A batch of this partition is being processed now. */
  busy: boolean;
}

/** What the partition state needs of the KafkaJS consumer. */
export interface PartitionControl {
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
}

export interface PartitionsOptions {
  log: Log;
  observer?: PipelineObserver;
  outageBackoff: { initialMs: number; maxMs: number };
  /** No progress for this long, with lag and no pause: stalled (default: twice the session timeout). */
  stallAfterMs: number;
  /** Stalled for this long: the process gives up (onFatal) so the orchestrator restarts it. */
  stallExitMs: number;
  onFatal?: (error: Error) => void;
  /** A partition's outage pause ended (after KafkaJS resumed it). */
  onResume?: (topic: string, partition: number) => void;
  now?: () => number;
}

export class Partitions {
  private readonly states = new Map<string, PartitionState>();
  private control?: PartitionControl;
  private stopped = false;
  private readonly now: () => number;
  /** When any partition of this member last had an outcome. */
  private memberProgressAt: number;

  constructor(private readonly o: PartitionsOptions) {
    this.now = o.now ?? Date.now;
    this.memberProgressAt = this.now();
  }

  attach(control: PartitionControl): void {
    this.control = control;
  }

  get(topic: string, partition: number): PartitionState {
    const k = partitionKey(topic, partition);
    let s = this.states.get(k);
    if (!s) {
      s = {
        topic,
        partition,
        done: new Set(),
        restored: false,
        outages: 0,
        lag: 0,
        lastProgressAt: this.now(),
        busy: false,
      };
      this.states.set(k, s);
    }
    return s;
  }

  isPaused(topic: string, partition: number): boolean {
    return this.states.get(partitionKey(topic, partition))?.pausedUntil !== undefined;
  }

  /** An outage met this partition: pause it, resume it after a backoff that grows with each outage in a row. */
  pause(topic: string, partition: number, err: unknown): void {
    const st = this.get(topic, partition);
    st.outages++;
    const { initialMs, maxMs } = this.o.outageBackoff;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(st.outages - 1, 20));
    st.pausedUntil = this.now() + delay;
    st.pauseReason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.clearStall(st);
    this.o.log.warn('partition paused: outage', {
      topic,
      partition,
      reason: st.pauseReason,
      retryInMs: delay,
      attempt: st.outages,
    });
    this.o.observer?.paused?.(topic, partition, st.pauseReason, delay);
    this.control?.pause(topic, partition);
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => this.resume(st), delay);
    st.timer.unref();
  }

  /** Keeps a partition paused in KafkaJS while our pause lasts (a consumer restarted by KafkaJS forgets it). */
  repause(st: PartitionState): void {
    this.control?.pause(st.topic, st.partition);
  }

  private resume(st: PartitionState): void {
    st.timer = undefined;
    st.retryingAfter = st.pauseReason;
    st.pausedUntil = undefined;
    st.pauseReason = undefined;
    st.lastProgressAt = this.now();
    if (this.stopped) return;
    try {
      this.control?.resume(st.topic, st.partition);
      this.o.log.info('partition resumed', { topic: st.topic, partition: st.partition });
      this.o.observer?.resumed?.(st.topic, st.partition);
      this.o.onResume?.(st.topic, st.partition);
    } catch (e) {
      this.o.log.warn('could not resume partition', {
        topic: st.topic,
        partition: st.partition,
        error: (e as Error).message,
      });
    }
  }

  /** A run of this partition finished with outcomes (or it has nothing left to do). */
  progressed(st: PartitionState, lag?: number): void {
    if (lag !== undefined) st.lag = lag;
    st.retryingAfter = undefined;
    this.moved(st);
  }

  /**
   * The last batch said how far behind the partition is. Caught up counts as progress for the stall
   * watchdog, but not as the end of an outage: the run that met it may still be pending.
   */
  setLag(st: PartitionState, lag: number): void {
    st.lag = lag;
    if (lag === 0) this.moved(st);
  }

  private moved(st: PartitionState): void {
    st.lastProgressAt = this.memberProgressAt = this.now();
    this.clearStall(st);
  }

  /**
   * The group's new assignment for this member. Partitions no longer ours: timers cleared, resumed in
   * KafkaJS (a pause would outlive the assignment), state and series dropped. Partitions still ours: a
   * pause in force keeps its timer; outcomes remembered above the watermark are forgotten (another member
   * may have had the partition in between): the next batch reads them back from the group's commit.
   * Anything KafkaJS holds paused that we do
   * not is resumed.
   */
  assigned(
    assignment: Record<string, number[]>,
    kafkaPaused: { topic: string; partitions: number[] }[] = [],
  ): void {
    const mine = new Set<string>();
    for (const [topic, parts] of Object.entries(assignment))
      for (const p of parts) mine.add(partitionKey(topic, p));
    for (const [k, st] of this.states) {
      if (mine.has(k)) {
        st.done = new Set();
        st.restored = false;
        st.lastCommit = undefined;
        st.unacknowledgedCommit = undefined;
        st.lastProgressAt = this.now();
        this.clearStall(st);
        continue;
      }
      if (st.timer) clearTimeout(st.timer);
      if (st.pausedUntil !== undefined) this.safeResume(st.topic, st.partition);
      this.states.delete(k);
      this.o.observer?.revoked?.(st.topic, st.partition);
    }
    for (const { topic, partitions } of kafkaPaused)
      for (const p of partitions) if (!this.isPaused(topic, p)) this.safeResume(topic, p);
  }

  /** Partitions whose last commit the broker has not acknowledged (see `unacknowledgedCommit`). */
  unacknowledgedCommits(): PartitionState[] {
    return [...this.states.values()].filter((st) => st.unacknowledgedCommit !== undefined);
  }

  private safeResume(topic: string, partition: number): void {
    try {
      this.control?.resume(topic, partition);
    } catch {
      // not assigned any more: nothing to resume
    }
  }

  /**
   * The watchdog's tick: a partition with lag, not paused, without progress for `stallAfterMs` is
   * stalled; stalled for `stallExitMs`, the process gives up. A partition waiting for its turn (no
   * batch of it running while others of this member run theirs) is not stalled while the member as a
   * whole makes progress: a slow account must not look like a stuck partition.
   */
  checkStalls(): void {
    const now = this.now();
    for (const st of this.states.values()) {
      const since = st.busy ? st.lastProgressAt : Math.max(st.lastProgressAt, this.memberProgressAt);
      if (st.pausedUntil !== undefined || st.lag <= 0 || now - since < this.o.stallAfterMs) {
        this.clearStall(st);
        continue;
      }
      if (st.stalledSince === undefined) {
        st.stalledSince = now;
        this.o.log.error('partition stalled: lag and no progress, not paused', {
          topic: st.topic,
          partition: st.partition,
          lag: st.lag,
          sinceMs: now - st.lastProgressAt,
        });
        this.o.observer?.stalled?.(st.topic, st.partition, true);
      } else if (now - st.stalledSince >= this.o.stallExitMs) {
        this.o.onFatal?.(
          new Error(
            `partition ${st.topic}:${st.partition} stalled for ${Math.round((now - st.lastProgressAt) / 1000)} s with lag ${st.lag}`,
          ),
        );
      }
    }
  }

  private clearStall(st: PartitionState): void {
    if (st.stalledSince === undefined) return;
    st.stalledSince = undefined;
    this.o.log.info('partition progressing again', { topic: st.topic, partition: st.partition });
    this.o.observer?.stalled?.(st.topic, st.partition, false);
  }

  /** Why this member is not ready, partition by partition; undefined when every partition is fine. */
  notReadyReason(): string | undefined {
    const paused: string[] = [];
    const retrying: string[] = [];
    const stalled: string[] = [];
    for (const [k, st] of this.states) {
      if (st.pausedUntil !== undefined) paused.push(`${k} (${st.pauseReason})`);
      else if (st.retryingAfter !== undefined)
        retrying.push(`${k} (attempt ${st.outages + 1} after ${st.retryingAfter})`);
      else if (st.stalledSince !== undefined) stalled.push(`${k} (lag ${st.lag}, no progress)`);
    }
    const parts = [];
    if (paused.length) parts.push(`paused by an outage: ${paused.join(', ')}`);
    if (retrying.length) parts.push(`retrying after an outage: ${retrying.join(', ')}`);
    if (stalled.length) parts.push(`stalled: ${stalled.join(', ')}`);
    return parts.length ? parts.join('; ') : undefined;
  }

  get stalledCount(): number {
    let n = 0;
    for (const st of this.states.values()) if (st.stalledSince !== undefined) n++;
    return n;
  }

  stop(): void {
    this.stopped = true;
    for (const st of this.states.values()) if (st.timer) clearTimeout(st.timer);
  }
}
