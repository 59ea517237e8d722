/**
 * The batch loop against a fake EachBatchPayload (as KafkaJS tests its runner against a stubbed
 * consumer group): no broker, no network, no registry. What these pin down is what the consumer does
 * with one batch; what the broker does with it is in test/integration.
 */
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runBatch, type BatchContext } from '../../../src/pipeline/batch.js';
import { decodeAll } from '../../../src/pipeline/decode.js';
import { Partitions, type PartitionsOptions } from '../../../src/pipeline/partitions.js';
import { newCounts, Reporter } from '../../../src/pipeline/report.js';
import { OutageError, type Destination, type Log, type Outcome } from '../../../src/pipeline/types.js';
import { DecodeError } from '../../../src/segment/errors.js';
import type { SegmentEvent } from '../../../src/segment/event.js';

const log: Log = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** Values are JSON Segment events (the codec is faked: decoding is not what these tests are about). */
const codec = {
  decodeKnown(value: Buffer | null): SegmentEvent {
    try {
      return JSON.parse(String(value)) as SegmentEvent;
    } catch {
      throw new DecodeError('corrupt_body', 'not JSON');
    }
  },
  decode(value: Buffer | null): Promise<SegmentEvent> {
    return Promise.resolve(this.decodeKnown(value));
  },
};

const msg = (offset: number, key: string, event: Partial<SegmentEvent> | string): KafkaMessage =>
  ({
    offset: String(offset),
    key: Buffer.from(key),
    value: Buffer.from(
      typeof event === 'string'
        ? event
        : JSON.stringify({ type: 'identify', userId: key, messageId: `m${offset}`, ...event }),
    ),
    timestamp: '0',
    headers: {},
    attributes: 0,
  }) as unknown as KafkaMessage;

interface Fake {
  payload: EachBatchPayload;
  resolved: string[];
  commits: number;
  heartbeat: ReturnType<typeof vi.fn<() => Promise<void>>>;
}

function fakePayload(messages: KafkaMessage[], over: Partial<EachBatchPayload> = {}): Fake {
  const f: Fake = { resolved: [], commits: 0, heartbeat: vi.fn(async () => {}), payload: undefined as never };
  f.payload = {
    batch: { topic: 't', partition: 0, highWatermark: String(Number(messages.at(-1)!.offset) + 1), messages },
    resolveOffset: (o: string) => void f.resolved.push(o),
    heartbeat: () => f.heartbeat(),
    commitOffsetsIfNecessary: async () => void f.commits++,
    isRunning: () => true,
    isStale: () => false,
    ...over,
  } as unknown as EachBatchPayload;
  return f;
}

interface Setup {
  ctx: BatchContext;
  dead: { offset: string; reason: string; standIn?: boolean }[];
  outcomes: Map<string, Outcome>;
  paused: number[];
  resumed: number[];
  partitions: Partitions;
}

type DlqHook = (offset: string) => Promise<void>;

function setup(
  destination: Destination,
  dlq: Partial<{ write: DlqHook; writeStandIn: DlqHook }> = {},
  over: Partial<BatchContext> = {},
): Setup {
  const s = { dead: [], outcomes: new Map(), paused: [], resumed: [] } as unknown as Setup;
  const counts = newCounts();
  const reporter = new Reporter(
    {
      write: async (src, dl) => {
        await dlq.write?.(src.message.offset);
        s.dead.push({ offset: src.message.offset, reason: dl.reason });
      },
      writeStandIn: async (src, dl) => {
        await dlq.writeStandIn?.(src.message.offset);
        s.dead.push({ offset: src.message.offset, reason: dl.reason, standIn: true });
      },
    },
    't.dlq',
    log,
    counts,
    { outcome: (o, src) => s.outcomes.set(src.offset, o) },
  );
  s.partitions = newPartitions();
  s.partitions.attach({ pause: (_t, p) => void s.paused.push(p), resume: (_t, p) => void s.resumed.push(p) });
  const mergeKey = destination.mergeKey?.bind(destination);
  const settled = destination.settledOutcome?.bind(destination);
  s.ctx = {
    decode: (m) => decodeAll(m, { codec, mergeKey, settled, log }),
    destination,
    reporter,
    partitions: s.partitions,
    log,
    counts,
    laneConcurrency: 8,
    maxRun: 50,
    drainMs: 200,
    heartbeatEveryMs: 20,
    isStopping: () => false,
    inFlight: () => {},
    metadataMaxBytes: 4096,
    commitIntervalMs: 5000,
    repeatsVisibly: (d) => d.event?.type === 'track',
    ...over,
  };
  return s;
}

/** Partitions with the defaults of these tests (1 s → 60 s backoff, stalled after 60 s, fatal after 5 min). */
const newPartitions = (over: Partial<PartitionsOptions> = {}): Partitions =>
  new Partitions({
    log,
    outageBackoff: { initialMs: 1000, maxMs: 60_000 },
    stallAfterMs: 60_000,
    stallExitMs: 300_000,
    ...over,
  });

const deliverAll: Destination = { process: async () => ({ kind: 'delivered' }) };

afterEach(() => vi.useRealTimers());

describe('batch loop: one event never stops a partition', () => {
  it('resolves the watermark of finished events, not the last offset of the batch', async () => {
    // offset 1 (user b) waits on Zendesk while a's events finish: the watermark stays at 0
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const dest: Destination = {
      process: async (e) => {
        if (e.userId === 'b') await slow;
        return { kind: 'delivered' };
      },
    };
    const s = setup(dest);
    const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', {}), msg(2, 'a', {}), msg(3, 'a', {})]);
    const done = runBatch(f.payload, s.ctx);
    await vi.waitFor(() => expect(s.outcomes.size).toBe(3));
    expect(f.resolved).toEqual(['0']);
    release();
    await done;
    expect(f.resolved.at(-1)).toBe('3');
  });

  it('a merge key that throws (a trait that cannot become a string) dead-letters that event as internal_error; the rest is delivered', async () => {
    const dest: Destination = {
      process: async () => ({ kind: 'delivered' }),
      processRun: async (evs) => evs.map(() => ({ kind: 'delivered' }) as Outcome),
      mergeKey: (e) => {
        const tz = (e.traits as Record<string, unknown> | undefined)?.timezone;
        return `${e.userId}|${String(tz)}`;
      },
    };
    const s = setup(dest);
    const f = fakePayload([
      msg(0, 'a', { traits: { timezone: 'Europe/Berlin' } }),
      msg(1, 'b', { traits: { timezone: { toString: 1 } } }),
      msg(2, 'c', {}),
    ]);
    await runBatch(f.payload, s.ctx);
    expect(s.dead).toEqual([{ offset: '1', reason: 'internal_error' }]);
    expect(s.outcomes.get('0')?.kind).toBe('delivered');
    expect(s.outcomes.get('2')?.kind).toBe('delivered');
    expect(f.resolved.at(-1)).toBe('2');
    expect(s.paused).toEqual([]);
  });

  it('a destination that throws a non-retriable error (a bug while planning) dead-letters the event; no pause', async () => {
    const dest: Destination = {
      process: async (e) => {
        if (e.userId === 'b') throw new TypeError('Cannot convert object to primitive value');
        return { kind: 'delivered' };
      },
    };
    const s = setup(dest);
    const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', {}), msg(2, 'c', {})]);
    await runBatch(f.payload, s.ctx);
    expect(s.dead).toEqual([{ offset: '1', reason: 'internal_error' }]);
    expect(f.resolved.at(-1)).toBe('2');
    expect(s.paused).toEqual([]);
  });

  it('undecodable bytes are dead-lettered as undecodable, in their place', async () => {
    const s = setup(deliverAll);
    const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', '{not json'), msg(2, 'c', {})]);
    await runBatch(f.payload, s.ctx);
    expect(s.dead).toEqual([{ offset: '1', reason: 'undecodable' }]);
    expect(f.resolved.at(-1)).toBe('2');
  });

  it('a retriable error pauses the partition and resolves nothing past the event it stopped', async () => {
    const dest: Destination = {
      process: async (e) => {
        if (e.userId === 'b') throw Object.assign(new Error('Zendesk answered 503'), { retriable: true });
        return { kind: 'delivered' };
      },
    };
    const s = setup(dest, {}, { laneConcurrency: 1 });
    const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', {}), msg(2, 'c', {})]);
    await runBatch(f.payload, s.ctx);
    expect(f.resolved).toEqual(['0']);
    expect(s.paused).toEqual([0]);
    expect(s.dead).toEqual([]);
    expect(s.partitions.notReadyReason()).toMatch(/t:0.*503/);
    s.partitions.stop();
  });

  it('a record the DLQ refuses as too large gets a stand-in dead letter and the partition moves on', async () => {
    const dest: Destination = {
      process: async () => ({ kind: 'rejected', reason: 'invalid_event', message: 'no user' }),
    };
    const tooLarge = Object.assign(
      new Error('The request included a message larger than the max message size the server will accept'),
      { type: 'MESSAGE_TOO_LARGE', retriable: false },
    );
    const s = setup(dest, {
      write: async (offset) => {
        if (offset === '0') throw tooLarge;
      },
    });
    const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', {})]);
    await runBatch(f.payload, s.ctx);
    expect(s.dead.sort((x, y) => Number(x.offset) - Number(y.offset))).toEqual([
      { offset: '0', reason: 'invalid_event', standIn: true },
      { offset: '1', reason: 'invalid_event' },
    ]);
    expect(f.resolved.at(-1)).toBe('1');
    expect(s.paused).toEqual([]);
  });

  it('a DLQ that cannot be written at all is an outage: paused, nothing resolved past it', async () => {
    const dest: Destination = {
      process: async () => ({ kind: 'rejected', reason: 'invalid_event', message: 'no user' }),
    };
    const down = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { retriable: true });
    const s = setup(dest, { write: async () => Promise.reject(down) });
    const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', {})]);
    await runBatch(f.payload, s.ctx);
    expect(f.resolved).toEqual([]);
    expect(s.paused).toEqual([0]);
    expect(s.partitions.notReadyReason()).toMatch(/dead-letter topic t\.dlq unavailable/);
    s.partitions.stop();
  });

  it('a missing DLQ topic is named in the pause reason', async () => {
    const dest: Destination = {
      process: async () => ({ kind: 'rejected', reason: 'invalid_event', message: 'x' }),
    };
    const missing = Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      retriable: true,
    });
    const s = setup(dest, { write: async () => Promise.reject(missing) });
    await runBatch(fakePayload([msg(0, 'a', {})]).payload, s.ctx);
    expect(s.partitions.notReadyReason()).toMatch(/dead-letter topic t\.dlq does not exist/);
    s.partitions.stop();
  });
});

describe('batch loop: rebalance safety', () => {
  it('REBALANCE_IN_PROGRESS from the heartbeat mid-batch: no new run starts, the batch commits and ends with the error, late runs resolve nothing', async () => {
    const started: string[] = [];
    let releaseB!: () => void;
    const dest: Destination = {
      process: async (e) => {
        started.push(e.messageId!);
        if (e.userId === 'b')
          await new Promise<void>((r) => (releaseB = r)); // outlasts drainMs
        else await new Promise((r) => setTimeout(r, 60));
        return { kind: 'delivered' };
      },
    };
    const s = setup(dest, {}, { laneConcurrency: 2, drainMs: 150 });
    const f = fakePayload([
      msg(0, 'a', {}),
      msg(1, 'b', {}),
      msg(2, 'a', {}),
      msg(3, 'a', {}),
      msg(4, 'a', {}),
      msg(5, 'c', {}),
    ]);
    const rebalance = Object.assign(new Error('The group is rebalancing'), {
      type: 'REBALANCE_IN_PROGRESS',
      retriable: true,
    });
    f.heartbeat.mockImplementation(async () => {
      throw rebalance;
    });
    const t0 = Date.now();
    await expect(runBatch(f.payload, s.ctx)).rejects.toBe(rebalance);
    expect(Date.now() - t0).toBeLessThan(2000);
    // a started (m0, maybe m2) and b started; nothing after the rebalance was heard
    expect(started).not.toContain('m5');
    expect(started.length).toBeLessThanOrEqual(3);
    expect(f.commits).toBeGreaterThan(0);
    const resolvedAtEnd = [...f.resolved];
    releaseB();
    await new Promise((r) => setTimeout(r, 20));
    expect(f.resolved).toEqual(resolvedAtEnd);
    expect(resolvedAtEnd).not.toContain('1');
  });

  it('a heartbeat that fails for another reason (a broker blip) does not end the batch', async () => {
    const dest: Destination = {
      process: async () => {
        await new Promise((r) => setTimeout(r, 50));
        return { kind: 'delivered' };
      },
    };
    const s = setup(dest, {}, { laneConcurrency: 1 });
    const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', {}), msg(2, 'c', {})]);
    f.heartbeat.mockImplementation(async () => {
      throw Object.assign(new Error('Connection timeout'), {
        name: 'KafkaJSConnectionError',
        retriable: true,
      });
    });
    await runBatch(f.payload, s.ctx);
    expect(f.resolved.at(-1)).toBe('2');
  });
});

describe('partition state across rebalances', () => {
  beforeEach(() => vi.useFakeTimers());

  it('GROUP_JOIN while paused: the pause keeps its timer and the partition is resumed when the outage is over', () => {
    const paused: number[] = [];
    const resumed: number[] = [];
    const p = newPartitions();
    p.attach({ pause: (_t, n) => void paused.push(n), resume: (_t, n) => void resumed.push(n) });
    p.pause('t', 0, new OutageError('Zendesk down'));
    p.assigned({ t: [0, 1] }, [{ topic: 't', partitions: [0] }]);
    expect(resumed).toEqual([]);
    expect(p.isPaused('t', 0)).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(resumed).toEqual([0]);
    expect(p.notReadyReason()).toMatch(
      /retrying after an outage: t:0 \(attempt 2 after OutageError: Zendesk down\)/,
    );
    p.progressed(p.get('t', 0));
    expect(p.notReadyReason()).toBeUndefined();
  });

  it('resumed after an outage: not ready until an outcome comes out of the partition; catching up is not one', () => {
    const p = newPartitions();
    p.attach({ pause: () => {}, resume: () => {} });
    const st = p.get('t', 0);
    p.pause('t', 0, new OutageError('Zendesk down'));
    expect(p.notReadyReason()).toMatch(/^paused by an outage: t:0/);
    vi.advanceTimersByTime(1000);
    expect(p.notReadyReason()).toMatch(/^retrying after an outage: t:0/);
    p.setLag(st, 0); // every message fetched; the run that met the outage is still pending
    expect(p.notReadyReason()).toMatch(/^retrying after an outage: t:0/);
    p.pause('t', 0, new OutageError('Zendesk down'));
    expect(p.notReadyReason()).toMatch(/^paused by an outage: t:0/);
    vi.advanceTimersByTime(2000);
    p.progressed(st); // a run finished (or skips were settled): the partition delivers again
    expect(p.notReadyReason()).toBeUndefined();
    p.stop();
  });

  it('a paused partition that moved to another member is resumed in KafkaJS and forgotten (series removed)', () => {
    const resumed: number[] = [];
    const revoked: number[] = [];
    const p = newPartitions({
      observer: { revoked: (_t, n) => void revoked.push(n) },
    });
    p.attach({ pause: () => {}, resume: (_t, n) => void resumed.push(n) });
    p.pause('t', 2, new OutageError('Zendesk down'));
    p.assigned({ t: [0] });
    expect(resumed).toEqual([2]);
    expect(revoked).toEqual([2]);
    expect(p.notReadyReason()).toBeUndefined();
    vi.advanceTimersByTime(60_000);
    expect(resumed).toEqual([2]);
  });

  it('a partition KafkaJS holds paused without a pause of ours is resumed on assignment', () => {
    const resumed: number[] = [];
    const p = newPartitions();
    p.attach({ pause: () => {}, resume: (_t, n) => void resumed.push(n) });
    p.assigned({ t: [0, 1] }, [{ topic: 't', partitions: [1] }]);
    expect(resumed).toEqual([1]);
  });
});

describe('stall watchdog', () => {
  it('a partition with lag and no progress, not paused, is stalled after stallAfterMs and fatal after stallExitMs', () => {
    let now = 0;
    const fatal = vi.fn();
    const stalled: boolean[] = [];
    const p = newPartitions({
      observer: { stalled: (_t, _p, on) => void stalled.push(on) },
      onFatal: fatal,
      now: () => now,
    });
    const st = p.get('t', 0);
    p.setLag(st, 10);
    st.busy = true;
    now = 59_000;
    p.checkStalls();
    expect(p.notReadyReason()).toBeUndefined();
    now = 61_000;
    p.checkStalls();
    expect(p.notReadyReason()).toMatch(/stalled: t:0/);
    expect(p.stalledCount).toBe(1);
    expect(stalled).toEqual([true]);
    now = 61_000 + 300_000;
    p.checkStalls();
    expect(fatal).toHaveBeenCalledOnce();
    p.progressed(st);
    expect(p.notReadyReason()).toBeUndefined();
    expect(stalled).toEqual([true, false]);
  });

  it('a partition waiting its turn while the member progresses elsewhere is not stalled; nor is a paused one', () => {
    let now = 0;
    const p = newPartitions({
      now: () => now,
    });
    const waiting = p.get('t', 0);
    const busy = p.get('t', 1);
    p.setLag(waiting, 5);
    p.setLag(busy, 5);
    busy.busy = true;
    for (now = 0; now < 200_000; now += 10_000) {
      p.progressed(busy);
      p.checkStalls();
    }
    expect(p.stalledCount).toBe(0);
    p.setLag(busy, 0); // caught up
    p.pause('t', 0, new OutageError('x'));
    now += 500_000;
    p.checkStalls();
    expect(p.notReadyReason()).toMatch(/paused by an outage: t:0/);
    expect(p.notReadyReason()).not.toMatch(/stalled/);
    p.stop();
  });
});

describe('an outage that never heals', () => {
  it('Zendesk down for good: an hour of refetches pauses each time (backoff capped at 60 s), dead-letters nothing, never counts as stalled, never exits, and says why', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const down = Object.assign(new Error('Zendesk answered 503 on users/create_or_update'), {
      retriable: true,
    });
    const dest: Destination = { process: async () => Promise.reject(down) };
    const delays: number[] = [];
    const fatal = vi.fn();
    const s = setup(dest);
    s.partitions = newPartitions({
      onFatal: fatal,
      observer: { paused: (_t, _p, _r, ms) => void delays.push(ms) },
    });
    s.partitions.attach({ pause: () => {}, resume: () => {} });
    s.ctx.partitions = s.partitions;
    const start = Date.now();
    while (Date.now() - start < 3_600_000) {
      // KafkaJS fetches the partition again once it is resumed; the outage is still there
      const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', {})]);
      await runBatch(f.payload, s.ctx);
      expect(f.resolved).toEqual([]);
      expect(s.partitions.notReadyReason()).toMatch(/paused by an outage: t:0 \(Error: Zendesk answered 503/);
      s.partitions.checkStalls();
      await vi.advanceTimersByTimeAsync(delays.at(-1)!);
      // resumed to try again: still not ready (no outcome since), so /readyz does not flap to 200
      expect(s.partitions.notReadyReason()).toMatch(
        /retrying after an outage: t:0 \(attempt \d+ after Error: Zendesk answered 503/,
      );
      s.partitions.checkStalls();
    }
    expect(delays.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000]);
    expect(Math.max(...delays)).toBe(60_000);
    expect(delays.length).toBeGreaterThan(55);
    expect(s.dead).toEqual([]);
    expect(s.partitions.stalledCount).toBe(0);
    expect(fatal).not.toHaveBeenCalled();
    s.partitions.stop();
  });
});

describe('batch loop: skipped events in a lane', () => {
  it("skips between one user's identifies neither wait for them nor split them: one run, one delivery", async () => {
    const deliveries: string[][] = [];
    const dest: Destination = {
      process: async (e) => {
        deliveries.push([e.type]);
        return e.type === 'page' ? { kind: 'skipped', reason: 'unsupported_type' } : { kind: 'delivered' };
      },
      processRun: async (evs) => {
        deliveries.push(evs.map((e) => e.type));
        return evs.map(() => ({ kind: 'delivered' }) as Outcome);
      },
      mergeKey: (e) => (e.type === 'identify' ? `id:${e.userId}` : null),
      settledOutcome: (e) => (e.type === 'page' ? { kind: 'skipped', reason: 'unsupported_type' } : null),
    };
    const s = setup(dest);
    const page = { type: 'page' as const, name: 'Home' };
    const f = fakePayload([
      msg(0, 'a', {}),
      msg(1, 'a', page),
      msg(2, 'a', {}),
      msg(3, 'a', page),
      msg(4, 'a', page),
      msg(5, 'a', {}),
      msg(6, 'a', page),
    ]);
    await runBatch(f.payload, s.ctx);
    expect(deliveries).toEqual([['identify', 'identify', 'identify']]);
    expect([...s.outcomes].sort().map(([o, out]) => `${o}:${out.kind}`)).toEqual([
      '0:delivered',
      '1:skipped',
      '2:delivered',
      '3:skipped',
      '4:skipped',
      '5:delivered',
      '6:skipped',
    ]);
    expect(f.resolved.at(-1)).toBe('6');
  });

  it('skips take no lane: with one lane in flight, a user waiting on Zendesk does not hold up the skips of others', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const dest: Destination = {
      process: async () => {
        await slow;
        return { kind: 'delivered' };
      },
      settledOutcome: (e) => (e.type === 'page' ? { kind: 'skipped', reason: 'unsupported_type' } : null),
    };
    const s = setup(dest, {}, { laneConcurrency: 1 });
    const page = { type: 'page' as const, name: 'Home' };
    const f = fakePayload([msg(0, 'a', {}), msg(1, 'b', page), msg(2, 'c', page), msg(3, 'd', page)]);
    const done = runBatch(f.payload, s.ctx);
    await vi.waitFor(() => expect(s.outcomes.size).toBe(3));
    expect([...s.outcomes.keys()].sort()).toEqual(['1', '2', '3']);
    release();
    await done;
    expect(f.resolved.at(-1)).toBe('3');
  });
});
