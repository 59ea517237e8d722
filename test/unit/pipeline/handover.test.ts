/**
 * Fetching ahead against a fake EachBatchPayload (no broker): eachBatch returns while events are in
 * flight, offsets are committed as they settle, an outage pauses the partition and its events are
 * delivered in order when the pause ends, the bound pauses the partition, and a rebalance heard by the
 * heartbeat holds eachBatch until the runs in flight finish.
 */
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { decodeAll, prepareAll } from '../../../src/pipeline/decode.js';
import { Handover, type HandoverContext } from '../../../src/pipeline/handover.js';
import { Partitions } from '../../../src/pipeline/partitions.js';
import { newCounts, Reporter } from '../../../src/pipeline/report.js';
import type { Destination, Log } from '../../../src/pipeline/types.js';
import type { SegmentEvent } from '../../../src/segment/event.js';

const log: Log = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const codec = {
  decodeKnown: (value: Buffer | null) => JSON.parse(String(value)) as SegmentEvent,
  decode(value: Buffer | null) {
    return Promise.resolve(this.decodeKnown(value));
  },
};

const msg = (offset: number, user: string, type = 'identify'): KafkaMessage =>
  ({
    offset: String(offset),
    key: Buffer.from(user),
    value: Buffer.from(JSON.stringify({ type, event: 'x', userId: user, messageId: `m${offset}` })),
    timestamp: '0',
    headers: {},
    attributes: 0,
  }) as unknown as KafkaMessage;

interface Fake {
  payload: EachBatchPayload;
  resolved: string[];
}

function fakePayload(
  messages: KafkaMessage[],
  commits: { offset: string; metadata: string | null }[],
  heartbeat: () => Promise<void> = async () => {},
): Fake {
  const f: Fake = { resolved: [], payload: undefined as never };
  f.payload = {
    batch: { topic: 't', partition: 0, highWatermark: '1000', messages },
    resolveOffset: (o: string) => void f.resolved.push(o),
    heartbeat,
    commitOffsetsIfNecessary: async (o: {
      topics: { partitions: { offset: string; metadata: string }[] }[];
    }) => void commits.push(o.topics[0]!.partitions[0]!),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return f;
}

function setup(destination: Destination, over: Partial<HandoverContext> = {}) {
  const counts = newCounts();
  const outcomes: string[] = [];
  const reporter = new Reporter(
    { write: async () => {}, writeStandIn: async () => {} },
    't.dlq',
    log,
    counts,
    { outcome: (_o, src) => void outcomes.push(src.offset) },
  );
  const paused: string[] = [];
  const control = {
    pause: (_t: string, p: number) => void paused.push(`pause ${p}`),
    resume: (_t: string, p: number) => void paused.push(`resume ${p}`),
  };
  const ref: { h?: Handover } = {};
  const partitions = new Partitions({
    log,
    outageBackoff: { initialMs: 50, maxMs: 50 },
    stallAfterMs: 60_000,
    stallExitMs: 300_000,
    onResume: (t, p) => ref.h?.resumed(t, p),
  });
  partitions.attach(control);
  const h = new Handover({
    decode: (m) => decodeAll(m, { codec, log }),
    destination,
    reporter,
    partitions,
    log,
    counts,
    laneConcurrency: 8,
    maxRun: 50,
    drainMs: 2000,
    isStopping: () => false,
    inFlight: () => {},
    metadataMaxBytes: 4096,
    commitIntervalMs: 0,
    repeatsVisibly: () => false,
    control,
    limits: { partitionEvents: 100, partitionBytes: 1e6, totalEvents: 100, totalBytes: 1e6 },
    ...over,
  });
  ref.h = h;
  return { h, outcomes, paused, partitions, counts };
}

const gate = () => {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
};

/** A handover whose destination holds the user `slow`'s events until `slow.open()`. */
function slowSetup() {
  const slow = gate();
  const s = setup({
    process: async (e) => {
      if (e.userId === 'slow') await slow.p;
      return { kind: 'delivered' };
    },
  });
  return { slow, s };
}

describe('fetching ahead: eachBatch hands over and returns', () => {
  it('returns with a slow event in flight, resolving the whole batch; commits the watermark and the offsets done above it', async () => {
    const { slow, s } = slowSetup();
    const commits: { offset: string; metadata: string | null }[] = [];
    const f = fakePayload([msg(0, 'slow'), msg(1, 'a'), msg(2, 'b')], commits);
    await s.h.eachBatch(f.payload);
    expect(f.resolved).toEqual(['2']); // KafkaJS fetches from offset 3 while offset 0 is in flight
    await vi.waitFor(() => expect(commits.at(-1)).toMatchObject({ offset: '0', metadata: 'd1:1-1' }));
    slow.open();
    await vi.waitFor(() => expect(commits.at(-1)).toMatchObject({ offset: '3', metadata: null }));
    expect(s.h.inFlight).toEqual({ events: 0, bytes: 0 });
    await s.h.drainAll(100);
  });

  it('an outage pauses the partition once its runs end; when the pause ends, its events go on in order', async () => {
    let failures = 1;
    const seen: string[] = [];
    const s = setup({
      process: async (e) => {
        if (e.messageId === 'm1' && failures-- > 0)
          throw Object.assign(new Error('Zendesk answered 503'), { retriable: true });
        seen.push(e.messageId!);
        return { kind: 'delivered' };
      },
    });
    const commits: { offset: string; metadata: string | null }[] = [];
    await s.h.eachBatch(fakePayload([msg(0, 'a'), msg(1, 'u'), msg(2, 'u'), msg(3, 'b')], commits).payload);
    await vi.waitFor(() => expect(s.paused).toContain('pause 0'));
    expect(s.counts.outages).toBe(1);
    await vi.waitFor(() => expect(seen.filter((m) => m === 'm1' || m === 'm2')).toEqual(['m1', 'm2']));
    expect(s.paused).toEqual(['pause 0', 'resume 0']);
    await vi.waitFor(() => expect(commits.at(-1)?.offset).toBe('4'));
    await s.h.drainAll(100);
    s.partitions.stop();
  });

  it('hands over only what the bound allows, pauses the partition, and resumes it once events settle', async () => {
    const hold = gate();
    const s = setup(
      {
        process: async () => {
          await hold.p;
          return { kind: 'delivered' };
        },
      },
      { limits: { partitionEvents: 3, partitionBytes: 1e6, totalEvents: 3, totalBytes: 1e6 } },
    );
    const f = fakePayload([msg(0, 'a'), msg(1, 'b'), msg(2, 'c'), msg(3, 'd'), msg(4, 'e')], []);
    await s.h.eachBatch(f.payload);
    expect(f.resolved).toEqual(['2']);
    expect(s.h.inFlight.events).toBe(3);
    expect(s.paused).toEqual(['pause 0']);
    // KafkaJS fetches again from offset 3 once resumed
    hold.open();
    await vi.waitFor(() => expect(s.paused).toEqual(['pause 0', 'resume 0']));
    const g = fakePayload([msg(3, 'd'), msg(4, 'e')], []);
    await s.h.eachBatch(g.payload);
    expect(g.resolved).toEqual(['4']);
    await s.h.drainAll(100);
  });

  it('a rebalance heard by the heartbeat holds eachBatch until the runs in flight finish', async () => {
    const { slow, s } = slowSetup();
    const commits: { offset: string; metadata: string | null }[] = [];
    await s.h.eachBatch(fakePayload([msg(0, 'slow')], commits).payload);
    const rebalancing = Object.assign(new Error('The group is rebalancing'), {
      type: 'REBALANCE_IN_PROGRESS',
    });
    let returned = false;
    const held = s.h
      .eachBatch(fakePayload([msg(1, 'a')], commits, () => Promise.reject(rebalancing)).payload)
      .then(() => (returned = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(returned).toBe(false);
    slow.open();
    await held;
    expect(commits.at(-1)).toMatchObject({ offset: '2', metadata: null });
    await s.h.drainAll(100);
  });

  it('a join (KafkaJS heard the rebalance itself, no batch to hold) waits until the runs in flight finish and are committed', async () => {
    const { slow, s } = slowSetup();
    await s.h.beforeJoin(); // nothing handed over yet (the first join): at once
    const commits: { offset: string; metadata: string | null }[] = [];
    await s.h.eachBatch(fakePayload([msg(0, 'slow'), msg(1, 'a')], commits).payload);
    let joined = false;
    const join = s.h.beforeJoin().then(() => (joined = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(joined).toBe(false);
    slow.open();
    await join;
    expect(commits.at(-1)).toMatchObject({ offset: '2', metadata: null });
    s.h.joined('m1', { t: [0] });
    await s.h.drainAll(100);
  });

  it('a join waits at most drainMs for a run that never finishes, committing only what is done', async () => {
    const { slow, s } = slowSetup(); // the slow run is never let through: Zendesk never answers it
    const commits: { offset: string; metadata: string | null }[] = [];
    await s.h.eachBatch(fakePayload([msg(0, 'slow'), msg(1, 'a')], commits).payload);
    const started = Date.now();
    await s.h.beforeJoin();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1900); // drainMs 2000
    expect(waited).toBeLessThan(5000);
    // offset 0 is still in flight: the watermark stays below it, offset 1 rides in the metadata
    expect(commits.at(-1)).toMatchObject({ offset: '0', metadata: 'd1:1' });
    s.h.joined('m1', { t: [0] });
    await s.h.drainAll(100);
    slow.open();
  });

  it('a hold that no rejoin follows (a late answer to an earlier heartbeat) ends at the next heartbeat that succeeds', async () => {
    const s = setup({ process: async () => ({ kind: 'delivered' }) });
    const commits: { offset: string; metadata: string | null }[] = [];
    const notCoordinator = Object.assign(new Error('not the coordinator'), {
      type: 'NOT_COORDINATOR_FOR_GROUP',
    });
    await s.h.eachBatch(fakePayload([msg(0, 'a')], commits, () => Promise.reject(notCoordinator)).payload);
    // no GROUP_JOIN comes; the next batch's heartbeat succeeds: it is handed over and delivered
    const g = fakePayload([msg(1, 'b')], commits);
    await s.h.eachBatch(g.payload);
    expect(g.resolved).toEqual(['1']);
    await vi.waitFor(() => expect(s.outcomes).toContain('1'));
    await s.h.drainAll(100);
  });

  it('a batch decoded in parts asks the registry first: an outage for an id in its last part reports no skip before the pause', async () => {
    let down = true;
    let resolved = false;
    const outage = () => Object.assign(new Error('registry unavailable'), { retriable: true });
    const needsLookUp = (v: Buffer | null) => String(v).includes('"event":"new"');
    const registryCodec = {
      decodeKnown: (v: Buffer | null) =>
        needsLookUp(v) && !resolved ? null : (JSON.parse(String(v)) as SegmentEvent),
      async decode(v: Buffer | null) {
        if (down) throw outage();
        resolved = true;
        return JSON.parse(String(v)) as SegmentEvent;
      },
      async prepare(vs: readonly (Buffer | null)[]) {
        if (resolved || !vs.some(needsLookUp)) return;
        if (down) throw outage();
        resolved = true;
      },
    };
    const s = setup(
      { process: async () => ({ kind: 'delivered' }) },
      {
        decode: (m) =>
          decodeAll(m, {
            codec: registryCodec,
            log,
            settled: (e) => (e.type === 'page' ? { kind: 'skipped', reason: 'unsupported_type' } : null),
          }),
        prepareDecode: (m) => prepareAll(m, { codec: registryCodec }),
        limits: { partitionEvents: 1000, partitionBytes: 1e6, totalEvents: 1000, totalBytes: 1e6 },
      },
    );
    const batch = Array.from({ length: 700 }, (_, i) => msg(i, `u${i}`, 'page'));
    batch.push({
      ...msg(700, 'u700'),
      value: Buffer.from(
        JSON.stringify({ type: 'identify', event: 'new', userId: 'u700', messageId: 'm700' }),
      ),
    });
    const commits: { offset: string; metadata: string | null }[] = [];
    const first = fakePayload(batch, commits);
    await s.h.eachBatch(first.payload);
    expect(s.paused).toEqual(['pause 0']);
    expect(s.outcomes).toEqual([]);
    expect(first.resolved).toEqual([]);
    down = false;
    await vi.waitFor(() => expect(s.paused).toEqual(['pause 0', 'resume 0']));
    const again = fakePayload(batch, commits);
    await s.h.eachBatch(again.payload);
    await vi.waitFor(() => expect(s.outcomes).toHaveLength(701));
    expect(new Set(s.outcomes).size).toBe(701);
    expect(s.counts).toMatchObject({ skipped: 700, delivered: 1, outages: 1 });
    await s.h.drainAll(100);
    s.partitions.stop();
  });
});
