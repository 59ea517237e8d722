/** Test doubles for the client's unit tests: a virtual clock and a scripted transport. No I/O. */
import type { HttpAnswer, HttpRequest, Transport } from '../../../src/zendesk/http.js';
import { MicroBatcher, type BatchTimer } from '../../../src/zendesk/batching/micro-batcher.js';
import { ZendeskClient, type ZendeskClientOptions } from '../../../src/zendesk/client.js';
import type { CallSpec, Requester } from '../../../src/zendesk/requester.js';

/**
 * A virtual clock: `sleep` parks the caller until `run` has moved time past its deadline. `run`
 * lets every pending promise settle, then jumps to the next deadline, until nothing is parked.
 */
export class FakeClock {
  t = 1_000_000;
  private timers: { at: number; resolve: () => void }[] = [];
  now = (): number => this.t;
  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.t + Math.max(0, ms), resolve });
    });

  /** Runs `work` to completion on virtual time; throws if it is still pending after `maxSteps` jumps. */
  async run<T>(work: Promise<T>, maxSteps = 10_000): Promise<T> {
    let done = false;
    const settled = work.finally(() => {
      done = true;
    });
    settled.catch(() => {});
    for (let step = 0; step < maxSteps; step++) {
      await flush();
      if (done) return work;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) {
        await flush();
        if (done) return work;
        throw new Error('deadlock: work pending and no timer parked');
      }
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    throw new Error('too many steps');
  }
}

/** Lets queued promise callbacks run (several macrotask turns, since p-limit and async chains nest). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

export interface Seen {
  at: number;
  req: HttpRequest;
}

export type Script = (req: HttpRequest, n: number) => HttpAnswer | Error | Promise<HttpAnswer | Error>;

/** Answers requests with a script; records each request and the virtual time it was sent. */
export class ScriptedTransport implements Transport {
  seen: Seen[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly clock: FakeClock,
    private readonly script: Script,
  ) {}

  async send(req: HttpRequest): Promise<HttpAnswer> {
    this.seen.push({ at: this.clock.now(), req });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const r = await this.script(req, this.seen.length);
      if (r instanceof Error) throw r;
      return r;
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {}
}

/** A client of acme.zendesk.com on a fake clock whose Zendesk is `script` (no network, no real timers). */
export function fakeClient(script: Script, over: Partial<ZendeskClientOptions> = {}) {
  const clock = new FakeClock();
  const transport = new ScriptedTransport(clock, script);
  const client = new ZendeskClient({
    baseUrl: 'https://acme.zendesk.com',
    auth: { kind: 'bearer', token: 'tok' },
    transport,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    accountRatePerMinute: 10_000,
    ...over,
  });
  return { clock, transport, client };
}

/**
 * A requester that answers job-status polls only (`job_statuses/{id}` and `show_many?ids=`): each job
 * completed once `clock.now() >= endsAt(id)`, working before. `onPoll` hears each request.
 */
export function jobStatusRequester(
  clock: FakeClock,
  endsAt: (id: string) => number,
  onPoll: () => void,
): Requester {
  const status = (id: string) => ({
    id,
    status: clock.now() >= endsAt(id) ? 'completed' : 'working',
    results: [{ index: 0, id: 1, status: 'Updated' }],
  });
  return {
    call: (spec: CallSpec) => {
      onPoll();
      const many = spec.path.includes('show_many');
      const ids = many
        ? decodeURIComponent(spec.path.split('ids=')[1]!).split(',')
        : [decodeURIComponent(spec.path.split('/').at(-1)!)];
      const body = many ? { job_statuses: ids.map(status) } : { job_status: status(ids[0]!) };
      return Promise.resolve({ status: 200, headers: {}, body });
    },
  } as unknown as Requester;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  text: body === undefined ? '' : JSON.stringify(body),
});

export const text = (status: number, body: string, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  text: body,
});

/** A batch timer on virtual time: `advance` runs the timers that fall due, in order. */
export class FakeTimer implements BatchTimer {
  now = 0;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  get pending(): number {
    return this.due.size;
  }
  async advance(ms: number): Promise<void> {
    this.now += ms;
    for (const [id, t] of [...this.due].sort((a, b) => a[1].at - b[1].at))
      if (t.at <= this.now) {
        this.due.delete(id);
        t.fn();
      }
    await settle();
  }
}
/** Lets promise callbacks run (no time passes: the batchers only see the fake timer). */
export const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};
export const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

/** A batcher of numbers (10 ms windows, 100 items) whose first batch stays in flight until `release`. */
export function slowFirstBatcher(timer: FakeTimer, o: { maxConcurrent: number; maxWaitMs?: number }) {
  const runs: number[][] = [];
  const gate = deferred<void>();
  const b = new MicroBatcher<number, number>(
    async (items) => {
      runs.push(items);
      if (runs.length === 1) await gate.promise;
      return items.map((i) => ({ ok: true as const, value: i }));
    },
    { maxItems: 100, windowMs: 10, timer, ...o },
  );
  return { b, runs, release: () => gate.resolve() };
}
