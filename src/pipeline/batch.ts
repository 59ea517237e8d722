/**
 * Stage 2: one KafkaJS batch. Lanes by key (one user's events in order, different users concurrently),
 * offsets resolved only up to the watermark of events with an outcome, the partition paused on an outage.
 * Commits are this module's (commit.ts): the watermark with the offsets done above it, at once after a
 * track outcome, at the latest when the batch ends.
 * A per-event failure never throws out of here (KafkaJS would restart into the same record). A rebalance
 * seen by the heartbeat stops new runs and ends the batch within `drainMs`: what is unfinished is left
 * to the partition's next owner.
 */
import type { EachBatchPayload, KafkaMessage, OffsetsByTopicPartition } from 'kafkajs';
import pLimit from 'p-limit';
import { PartitionCommitter, restoreDone, type GroupCommit } from './commit.js';
import { groupIntoLanes, PrefixTracker } from './lanes.js';
import type { Partitions } from './partitions.js';
import type { Reporter } from './report.js';
import {
  isRetriable,
  kafkaErrorType,
  mustRejoin,
  type Decoded,
  type Destination,
  type Log,
  type Outcome,
  type PipelineObserver,
} from './types.js';

export interface BatchContext {
  decode(messages: KafkaMessage[]): Promise<Decoded[]>;
  destination: Destination;
  reporter: Reporter;
  partitions: Partitions;
  log: Log;
  observer?: PipelineObserver;
  counts: { consumed: number; outages: number };
  /** Lanes in flight at once. */
  laneConcurrency: number;
  maxRun: number;
  /** How long a batch that must end (rebalance, outage, shutdown) waits for runs in flight; checked each heartbeat tick. */
  drainMs: number;
  heartbeatEveryMs: number;
  isStopping(): boolean;
  inFlight(delta: number): void;
  /** The group's commit of a partition, metadata included (read once per assignment). */
  readCommit?(topic: string, partition: number): Promise<GroupCommit | undefined>;
  /** The broker's offset.metadata.max.bytes (default 4096). */
  metadataMaxBytes: number;
  /** Commits after outcomes that repeat harmlessly wait at least this long after the previous one. */
  commitIntervalMs: number;
  /** An event whose second delivery Zendesk would show twice: its outcome is committed at once. */
  repeatsVisibly(d: Decoded): boolean;
}

export async function runBatch(p: EachBatchPayload, ctx: BatchContext): Promise<void> {
  const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = p;
  const { topic, partition } = batch;
  if (!batch.messages.length) return;
  const parts = ctx.partitions;
  const st = parts.get(topic, partition);
  if (parts.isPaused(topic, partition)) {
    // A consumer KafkaJS restarted forgot our pause: keep it paused until its timer resumes it.
    parts.repause(st);
    return;
  }
  if (!st.restored) await restoreDone(st, ctx.readCommit, ctx.log);
  const tracker = new PrefixTracker(batch.messages.map((m) => m.offset));
  const pending: KafkaMessage[] = [];
  for (const m of batch.messages) {
    if (st.done.has(m.offset)) tracker.markDone(m.offset);
    else pending.push(m);
  }
  const lagAfter = (offset: string | null): number =>
    Math.max(
      0,
      Number(
        BigInt(batch.highWatermark) -
          (offset === null ? BigInt(batch.messages[0]!.offset) : BigInt(offset) + 1n),
      ),
    );
  parts.setLag(st, lagAfter(null));

  let abandoned = false;
  let lastResolved: string | null = null;
  /** Resolves the offset up to the watermark; true when it moved. */
  const advance = (): boolean => {
    if (abandoned) return false;
    const w = tracker.watermark();
    if (w === null || w === lastResolved) return false;
    resolveOffset(w);
    lastResolved = w;
    const lag = lagAfter(w);
    parts.setLag(st, lag);
    ctx.observer?.lag?.(topic, partition, lag);
    return true;
  };
  advance();
  const first = batch.messages[0]!.offset;
  const committer = new PartitionCommitter(st, {
    log: ctx.log,
    metadataMaxBytes: ctx.metadataMaxBytes,
    intervalMs: ctx.commitIntervalMs,
    // KafkaJS passes each partition's metadata through to OffsetCommit; its types only omit it.
    send: (offset, metadata) => {
      const partitions = [{ partition, offset, metadata }];
      return commitOffsetsIfNecessary({ topics: [{ topic, partitions }] } as OffsetsByTopicPartition);
    },
    state: () => {
      const w = tracker.watermark();
      const offset = w === null ? first : (BigInt(w) + 1n).toString();
      const done = [...st.done, ...tracker.doneOffsets()].filter((o) => BigInt(o) >= BigInt(offset));
      // Nothing resolved and nothing done: the group's commit already says all there is.
      return w === null && done.length === 0 ? null : { offset, done };
    },
  });

  let outage: unknown = null;
  let rejoin: unknown = null;
  const mustEnd = () =>
    abandoned || outage !== null || rejoin !== null || ctx.isStopping() || !isRunning() || isStale();
  // Once the batch must end, runs in flight get `drainMs` at most.
  let endBy: number | undefined;
  let drained!: () => void;
  const drainedOut = new Promise<'drained'>((r) => (drained = () => r('drained')));
  // One tick: KafkaJS has no background heartbeat, so keep the member alive while lanes wait on
  // Zendesk and hear of a rebalance while the batch runs; and watch the drain deadline.
  const tick = setInterval(() => {
    if (endBy === undefined && mustEnd()) endBy = Date.now() + ctx.drainMs;
    if (endBy !== undefined && Date.now() >= endBy) drained();
    heartbeat().catch((e: unknown) => {
      const type = kafkaErrorType(e);
      if (mustRejoin(e) && rejoin === null) {
        rejoin = e;
        ctx.log.info('rebalance while a batch runs: no new runs, leaving the rest to the next owner', {
          topic,
          partition,
          error: type,
        });
      }
    });
  }, ctx.heartbeatEveryMs);

  let running = 0;
  const runLane = async (lane: Decoded[]): Promise<void> => {
    let i = 0;
    while (i < lane.length) {
      if (mustEnd()) return;
      const run = nextRun(lane, i, ctx.maxRun);
      running++;
      try {
        await deliver(ctx, topic, partition, run);
      } catch (e) {
        outage ??= e;
        return;
      } finally {
        running--;
      }
      if (abandoned) return; // too late: the batch ended without this run; the next owner redelivers it
      st.outages = 0;
      for (const d of run) tracker.markDone(d.message.offset);
      parts.progressed(st);
      i += run.length;
      advance();
      if (run.some((d) => ctx.repeatsVisibly(d))) void committer.urgent();
      else committer.lazy();
    }
  };

  st.busy = true;
  try {
    let decoded: Decoded[] = [];
    try {
      decoded = await ctx.decode(pending);
    } catch (e) {
      outage = e;
    }
    // Skips ask nothing of Zendesk and have no place in a user's order: reported together, at once,
    // instead of a lane each (in a typical stream they are most events; a lane costs promises).
    const skips = decoded.filter((d) => d.outcome?.kind === 'skipped');
    if (skips.length > 0 && !mustEnd()) {
      decoded = decoded.filter((d) => d.outcome?.kind !== 'skipped');
      await deliver(ctx, topic, partition, skips);
      for (const d of skips) tracker.markDone(d.message.offset);
      parts.progressed(st);
      advance();
      committer.lazy();
    }
    const limit = pLimit(ctx.laneConcurrency);
    const lanes = groupIntoLanes(decoded, (d) => (d.message.key ? d.message.key.toString('latin1') : null));
    const all = Promise.all(lanes.map((lane) => limit(runLane, lane)));
    const how = await Promise.race([all.then(() => 'done' as const), drainedOut]);
    if (how === 'drained') {
      abandoned = true;
      ctx.log.warn('batch ended with runs still in flight; their events will be delivered again', {
        topic,
        partition,
        runsInFlight: running,
      });
    }
  } finally {
    clearInterval(tick);
    st.busy = false;
  }
  if (!abandoned) advance();
  // Outcomes above the watermark survive a pause (the batch is fetched again from the watermark).
  if (!abandoned) {
    const w = tracker.watermark();
    const above = (o: string) => w === null || BigInt(o) > BigInt(w);
    st.done = new Set([...st.done, ...tracker.doneOffsets()].filter(above));
  }
  // What has an outcome is committed before the batch ends (KafkaJS commits nothing itself): on a
  // rebalance while this generation may still commit, then KafkaJS rejoins.
  await committer.urgent();
  if (rejoin !== null) throw rejoin;
  if (outage && !ctx.isStopping() && isRunning() && !isStale()) {
    if (!isRetriable(outage))
      ctx.log.error('a non-retriable error reached the batch loop; pausing', { error: String(outage) });
    ctx.counts.outages++;
    parts.pause(topic, partition, outage);
  }
}

/**
 * The next unit of work of a lane: one message, or the longest run (at most maxRun deliveries) of
 * events with the same merge key (coalescing), together with the events around them whose outcome
 * is already known (skips, undecodable ones). Those ask nothing of Zendesk, so they neither wait for
 * the user's writes one by one nor split a user's identifies into runs that each wait for a job.
 */
export function nextRun(lane: Decoded[], from: number, maxRun: number): Decoded[] {
  const known = (d: Decoded) => d.outcome !== undefined;
  let to = from;
  while (to < lane.length && known(lane[to]!)) to++;
  if (to < lane.length) {
    const key = lane[to]!.key;
    let deliveries = 1;
    to++;
    if (key != null)
      for (; to < lane.length; to++) {
        const d = lane[to]!;
        if (known(d)) continue;
        if (d.key !== key || deliveries >= maxRun) break;
        deliveries++;
      }
    // The known outcomes right after the last delivery go with it; the next run starts at a delivery.
    while (to < lane.length && known(lane[to]!)) to++;
  }
  return lane.slice(from, to);
}

/**
 * A run of messages to one outcome each, reported. Rejects only with an outage (the destination's
 * retriable error, or a dead-letter topic that cannot be written).
 */
export async function deliver(
  ctx: Pick<BatchContext, 'destination' | 'observer' | 'counts' | 'inFlight' | 'log' | 'reporter'>,
  topic: string,
  partition: number,
  run: Decoded[],
): Promise<void> {
  const { destination, observer } = ctx;
  ctx.counts.consumed += run.length;
  observer?.consumed?.(topic, partition, run.length);
  ctx.inFlight(run.length);
  try {
    const events = run.filter((d) => d.outcome === undefined && d.event).map((d) => d.event!);
    let delivered: Outcome[] = [];
    if (events.length) {
      try {
        delivered =
          events.length > 1 && destination.processRun
            ? await destination.processRun(events)
            : [await destination.process(events[0]!)];
      } catch (e) {
        if (isRetriable(e)) throw e;
        // The destination broke its contract (it must resolve per-event failures): still that run's outcome.
        const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        ctx.log.error('the destination threw a non-retriable error; dead-lettering its events', {
          topic,
          partition,
          offset: run[0]!.message.offset,
          messageIds: run.map((d) => d.event?.messageId ?? undefined),
          error: e instanceof Error ? e.stack : message,
        });
        delivered = events.map(() => ({ kind: 'rejected', reason: 'internal_error', message }));
      }
    }
    let k = 0;
    const outcomes = run.map((d) => d.outcome ?? delivered[k++]!);
    await ctx.reporter.report(topic, partition, run, outcomes);
  } finally {
    ctx.inFlight(-run.length);
  }
}
