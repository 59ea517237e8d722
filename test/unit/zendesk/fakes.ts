/** Test doubles for the client's unit tests: a virtual clock and a scripted transport. No I/O. */
import type { HttpAnswer, HttpRequest, Transport } from '../../../src/zendesk/http.js';

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
