/**
 * Commits of one partition: the watermark, with the offsets already done above it in the commit's
 * metadata (offset-metadata.ts), so neither a rebalance nor a restart delivers them again; and reading
 * them back when the partition is assigned. KafkaJS's own commits are off (they would write the
 * watermark with empty metadata over ours): every commit of the group goes through here.
 */
import { decodeDone, encodeDone } from './offset-metadata.js';
import type { PartitionState } from './partitions.js';
import { kafkaErrorType, type Log } from './types.js';

/** The group's commit of one partition, as the broker holds it. */
export interface GroupCommit {
  offset: string;
  metadata: string | null;
}

/** What a commit says: the next offset to consume and the offsets done above it. */
export interface CommitState {
  offset: string;
  done: Iterable<string>;
}

export interface CommitterOptions {
  log: Log;
  /** Sends one partition's commit (KafkaJS's `commitOffsetsIfNecessary` with explicit offsets). */
  send(offset: string, metadata: string | null): Promise<void>;
  /** The state to commit now; null when there is nothing (no outcome yet). */
  state(): CommitState | null;
  metadataMaxBytes: number;
  /** A commit that nothing urgent asks for waits at least this long after the previous one. */
  intervalMs: number;
  now?: () => number;
}

/**
 * One partition's commits during a batch: at most one in flight; asked again while one is in flight,
 * it commits once more when that one ends (never a queue). `urgent()` after an outcome that a second
 * delivery would show twice (a track event): the window between Zendesk's answer and the commit is what
 * a crash resends, so it commits now. `lazy()` after any other outcome: commits only when `intervalMs`
 * passed since the last commit, so idempotent traffic costs the broker what it did before.
 */
export class PartitionCommitter {
  private inFlight: Promise<void> | null = null;
  private again = false;
  private lastAt: number;
  private readonly now: () => number;

  constructor(
    private readonly st: PartitionState,
    private readonly o: CommitterOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.lastAt = this.now();
  }

  /** Commits now (or right after the commit in flight); never rejects. */
  urgent(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      do {
        this.again = false;
        await this.commitOnce();
      } while (this.again);
    })().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  lazy(): void {
    if (this.now() - this.lastAt >= this.o.intervalMs) void this.urgent();
  }

  private async commitOnce(): Promise<void> {
    const s = this.o.state();
    if (!s) return;
    const { metadata, dropped } = this.st.metadataRefused
      ? { metadata: null, dropped: 0 }
      : encodeDone(s.offset, s.done, this.o.metadataMaxBytes);
    const key = `${s.offset}|${metadata ?? ''}`;
    if (key === this.st.lastCommit) return;
    this.lastAt = this.now();
    if (dropped)
      this.o.log.debug('offsets done above the watermark do not all fit in the commit metadata', {
        topic: this.st.topic,
        partition: this.st.partition,
        dropped,
      });
    this.st.unacknowledgedCommit ??= 'no answer from the broker';
    try {
      await this.o.send(s.offset, metadata);
      this.st.lastCommit = key;
      this.st.unacknowledgedCommit = undefined;
    } catch (e) {
      if (metadata !== null && kafkaErrorType(e) === 'OFFSET_METADATA_TOO_LARGE') {
        // A broker with a smaller offset.metadata.max.bytes: the watermark alone, as without metadata.
        this.st.metadataRefused = true;
        this.o.log.warn(
          'the broker refused the commit metadata (offset.metadata.max.bytes); committing the watermark alone',
          { topic: this.st.topic, partition: this.st.partition, bytes: metadata.length },
        );
        return this.commitOnce();
      }
      // Not committed: the next commit carries it (an error here is a rebalance or the broker away).
      const error = e instanceof Error ? e.message : String(e);
      this.st.unacknowledgedCommit = error;
      this.o.log.debug('commit failed', { topic: this.st.topic, partition: this.st.partition, error });
    }
  }
}

/**
 * After an assignment: the offsets done above the group's commit, read back from its metadata. A
 * failure to read costs only redelivery (as before this existed), so it is logged and not retried.
 */
export async function restoreDone(
  st: PartitionState,
  read: ((topic: string, partition: number) => Promise<GroupCommit | undefined>) | undefined,
  log: Log,
): Promise<void> {
  st.restored = true;
  if (!read) return;
  try {
    const c = await read(st.topic, st.partition);
    if (!c) return;
    const done = decodeDone(c.offset, c.metadata);
    if (done.size === 0) return;
    st.done = new Set([...st.done, ...done]);
    log.info('offsets already delivered above the committed offset, read back from the commit', {
      topic: st.topic,
      partition: st.partition,
      committed: c.offset,
      done: done.size,
    });
  } catch (e) {
    log.warn('could not read the commit metadata; offsets above the committed one are delivered again', {
      topic: st.topic,
      partition: st.partition,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}
