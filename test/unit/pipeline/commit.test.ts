import { describe, expect, it } from 'vitest';
import { PartitionCommitter, restoreDone } from '../../../src/pipeline/commit.js';
import { Partitions } from '../../../src/pipeline/partitions.js';

const log = { error() {}, warn() {}, info() {}, debug() {} };
const stateOf = () =>
  new Partitions({
    log,
    outageBackoff: { initialMs: 1000, maxMs: 60_000 },
    stallAfterMs: 60_000,
    stallExitMs: 300_000,
  }).get('t', 0);

function setup(over: { fail?: (metadata: string | null) => unknown } = {}) {
  const sent: { offset: string; metadata: string | null }[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  let now = 0;
  let state = { offset: '10', done: ['12'] as string[] };
  const st = stateOf();
  const c = new PartitionCommitter(st, {
    log,
    metadataMaxBytes: 4096,
    intervalMs: 5000,
    now: () => now,
    state: () => state,
    send: async (offset, metadata) => {
      const err = over.fail?.(metadata);
      if (err) throw err;
      sent.push({ offset, metadata });
      if (hold) await new Promise<void>((r) => (release = r));
    },
  });
  return {
    c,
    st,
    sent,
    hold: (h: boolean) => (hold = h),
    release: () => release?.(),
    tick: (ms: number) => (now += ms),
    set: (s: typeof state) => (state = s),
  };
}

describe('PartitionCommitter', () => {
  it('a commit the broker has not acknowledged is marked on the partition (why), until one lands', async () => {
    let down = true;
    const s = setup({ fail: () => (down ? new Error('Connection error: connect ECONNREFUSED') : undefined) });
    expect(s.st.unacknowledgedCommit).toBeUndefined();
    s.hold(true);
    await s.c.urgent();
    expect(s.st.unacknowledgedCommit).toBe('Connection error: connect ECONNREFUSED');
    down = false;
    const inFlight = s.c.urgent();
    await Promise.resolve();
    expect(s.st.unacknowledgedCommit).toBe('Connection error: connect ECONNREFUSED'); // sent, no answer yet
    s.release();
    await inFlight;
    expect(s.st.unacknowledgedCommit).toBeUndefined();
  });

  it('commits urgently with the done offsets as metadata, and not again when nothing changed', async () => {
    const s = setup();
    await s.c.urgent();
    await s.c.urgent();
    expect(s.sent).toEqual([{ offset: '10', metadata: 'd1:2' }]);
  });

  it('keeps one commit in flight; asked meanwhile, commits once more after it, with the latest state', async () => {
    const s = setup();
    s.hold(true);
    const first = s.c.urgent();
    await Promise.resolve();
    s.set({ offset: '11', done: ['12'] });
    void s.c.urgent();
    s.set({ offset: '13', done: [] });
    const last = s.c.urgent();
    s.hold(false);
    s.release();
    await Promise.all([first, last]);
    expect(s.sent).toEqual([
      { offset: '10', metadata: 'd1:2' },
      { offset: '13', metadata: null },
    ]);
  });

  it('lazy commits wait for the interval', async () => {
    const s = setup();
    s.c.lazy();
    await Promise.resolve();
    expect(s.sent).toHaveLength(0);
    s.tick(5000);
    s.c.lazy();
    await new Promise((r) => setTimeout(r, 0));
    expect(s.sent).toHaveLength(1);
  });

  it('a broker that refuses the metadata gets the watermark alone, from then on', async () => {
    const s = setup({
      fail: (m) =>
        m === null ? undefined : Object.assign(new Error('too large'), { type: 'OFFSET_METADATA_TOO_LARGE' }),
    });
    await s.c.urgent();
    expect(s.sent).toEqual([{ offset: '10', metadata: null }]);
    expect(s.st.metadataRefused).toBe(true);
  });

  it('another failure is not remembered as committed: the next commit sends it again', async () => {
    let fail = true;
    const s = setup({ fail: () => (fail ? new Error('rebalance') : undefined) });
    await s.c.urgent();
    fail = false;
    await s.c.urgent();
    expect(s.sent).toEqual([{ offset: '10', metadata: 'd1:2' }]);
  });

  it('restores the done offsets from the group commit once per assignment', async () => {
    const st = stateOf();
    await restoreDone(st, async () => ({ offset: '100', metadata: 'd1:2,3-1' }), log);
    expect([...st.done]).toEqual(['102', '105', '106']);
    expect(st.restored).toBe(true);
    const failing = stateOf();
    await restoreDone(failing, async () => Promise.reject(new Error('down')), log);
    expect(failing.done.size).toBe(0);
    expect(failing.restored).toBe(true);
  });
});
