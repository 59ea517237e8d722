/**
 * Shared job polling. Every job costs at least the request that creates it; polling each job on its
 * own costs one or more requests more, from the same account budget that creates jobs. Here all jobs
 * in flight are looked at together: one `job_statuses/show_many` (≤100 ids) per tick whatever the
 * number of jobs, so under load a job costs a fraction of a poll. A tick comes when the earliest job
 * is due (its first poll as learnt by the pacer, then backing off), never sooner than a quarter of
 * the learnt job duration after the previous tick — poll requests stay a small share of the budget
 * while a finished job is seen within a fraction of its duration, which is what frees its slot.
 */
import type { BulkItemResult } from './api.js';
import { mapJobResults } from './job-results.js';
import { ZendeskError } from './errors.js';
import type { Requester } from './requester.js';

/**
 * When to look at a job first. Zendesk says nothing about how long a job takes (seconds on a busy
 * account, milliseconds on an idle one), so the first poll follows what recent jobs took: a job found
 * finished at its first poll brings the next first poll earlier, one found finished later moves the
 * estimate towards the time it finished. A first poll that came too soon is followed by one at half
 * its delay, then by polls backing off ×1.5. On a steady account
 * a job costs one or two polls instead of a fixed ladder, and a fast account is not kept waiting.
 */
export class JobPollPacer {
  private estimateMs: number;

  constructor(
    initialMs: number,
    private readonly minMs: number,
    /** The longest wait before a poll, first or later. */
    readonly maxMs: number,
  ) {
    this.estimateMs = Math.max(minMs, initialMs);
  }

  /** The wait before the first poll. */
  first(): number {
    return Math.round(this.estimateMs);
  }

  /**
   * A job was seen finished at `polls` polls, `finishedBy` ms after its creation answered; at the
   * poll before, `notYetAt` ms (0 when the first poll found it finished).
   */
  observe(polls: number, notYetAt: number, finishedBy: number): void {
    const next =
      polls <= 1
        ? 0.7 * this.estimateMs // it may have finished long before: try earlier next time
        : 0.7 * this.estimateMs + 0.3 * ((notYetAt + finishedBy) / 2); // it finished in between
    this.estimateMs = Math.min(this.maxMs, Math.max(this.minMs, next));
  }
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const SHOW_MANY_MAX = 100;

interface Watched {
  id: string;
  total: number;
  startedAt: number;
  dueAt: number;
  /** When its first look was due. */
  firstDueAt: number;
  notYetAt: number;
  resolve: (r: BulkItemResult[]) => void;
  reject: (e: unknown) => void;
}

export interface JobWatcherOptions {
  exec: Requester;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  pacer: JobPollPacer;
  maxWaitMs: number;
  /**
   * True while creates wait for a job slot and the account's budget has room for more polls: a
   * finished job then holds back a create until a poll sees it (default: never).
   */
  hurry?: () => boolean;
  /**
   * True while requests are the scarce resource (the account's budget spent at or above its pace):
   * polls are then rationed to the jobs this client watches, as a share of `slots` (default: never).
   */
  scarce?: () => boolean;
  /** The account's job slots (Zendesk: 30), for rationing. */
  slots?: number;
  /**
   * True while no other client holds jobs of the account (default: never known). A lone client is
   * not rationed: its one `show_many` already covers every job of the account.
   */
  alone?: () => boolean;
  /**
   * True while creates want requests: waiting for a job slot, or sent and not yet answered (queued
   * for the budget or in transit). Without them a poll takes nothing from a create (default: always).
   */
  creating?: () => boolean;
}

/** Rationed polls come at most this many times further apart than the usual gap. */
const MAX_RATION = 4;

export class JobWatcher {
  private readonly jobs = new Set<Watched>();
  private running = false;
  private lastTick = -Infinity;
  /** The shortest time a job of ours took to be seen finished (none seen yet: no hurry). */
  private shortest = Infinity;
  private wake: (() => void) | null = null;
  readonly stats = { ticks: 0, polled: 0 };

  constructor(private readonly o: JobWatcherOptions) {}

  /** Resolves with the job's per-item results once it is completed (or failed / gone). */
  wait(id: string, first: Record<string, unknown> | undefined, total: number): Promise<BulkItemResult[]> {
    const done = settled(first, total);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const now = this.o.now();
      const interval = this.o.pacer.first();
      this.jobs.add({
        id,
        total,
        startedAt: now,
        dueAt: now + interval,
        firstDueAt: now + interval,
        notYetAt: 0,
        resolve,
        reject,
      });
      if (!this.running) void this.loop();
      else this.wake?.();
    });
  }

  /** Something `hurry` looks at changed (a create began waiting for a job slot): plan the next tick anew. */
  nudge(): void {
    this.wake?.();
  }

  get watching(): number {
    return this.jobs.size;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.jobs.size > 0) {
        const gap = Math.max(1, this.o.pacer.first() / 4) * this.ration();
        const jobs = [...this.jobs.values()];
        const normal = Math.max(Math.min(...jobs.map((j) => j.dueAt)), this.lastTick + gap);
        // While creates wait for a job slot (and the budget has room), any job that may be finished
        // (past its first look, and as old as the quickest job seen) may hold the slot they wait
        // for: look at all of them at half the gap, whatever each job's own back-off says.
        const at =
          this.shortest < Infinity && this.o.hurry?.()
            ? Math.min(
                normal,
                Math.max(
                  Math.min(...jobs.map((j) => Math.max(j.firstDueAt, j.startedAt + this.shortest))),
                  this.lastTick + gap / 2,
                ),
              )
            : normal;
        const wait = at - this.o.now();
        if (wait > 0) {
          // A job added meanwhile may be due sooner: wake up and look at the schedule again.
          const woken = new Promise<void>((r) => (this.wake = r));
          await Promise.race([this.o.sleep(wait), woken]);
          this.wake = null;
          if (this.o.now() < at) continue;
        }
        this.lastTick = this.o.now();
        await this.tick();
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * How much further apart polls come than the usual gap. While requests are scarce, a client that
   * watches few of the account's jobs polls as if it watched them all: every client of the account
   * polls its own jobs (they cannot share a `show_many`), so three instances holding ten jobs each
   * polled three times as often as one holding thirty, and the polls took from the budget the creates
   * need (scale-out over 100 s: 4.9 polls a second against 1.7 for one instance, 40 % of the budget).
   * Each look then sees more jobs finished; a job's slot waits longer for it, which costs nothing
   * while the budget, not the slots, is what runs out. Not rationed: a client alone on the account (it
   * watches every job there is), and any client while no create wants a request (a backlog's last
   * jobs): the polls then take nothing from creates, and rationing only delayed the last results.
   */
  private ration(): number {
    if (!this.o.scarce?.() || !this.o.slots || this.o.alone?.() || this.o.creating?.() === false) return 1;
    return Math.min(MAX_RATION, Math.max(1, this.o.slots / Math.max(1, this.jobs.size)));
  }

  private async tick(): Promise<void> {
    const batch = [...this.jobs.values()].slice(0, SHOW_MANY_MAX);
    this.stats.ticks++;
    this.stats.polled += batch.length;
    let statuses: Map<string, Record<string, unknown> | undefined>;
    try {
      statuses = await this.fetch(batch);
    } catch (e) {
      for (const j of batch) {
        this.jobs.delete(j);
        j.reject(e);
      }
      return;
    }
    const now = this.o.now();
    for (const j of batch) {
      const job = statuses.get(j.id);
      const at = now - j.startedAt;
      const result = statuses.has(j.id)
        ? settled(job, j.total)
        : mapJobResults(j.total, [], { code: 'JobNotFound', message: 'The job status is gone' });
      if (result) {
        if (statuses.has(j.id)) this.o.pacer.observe(j.notYetAt > 0 ? 2 : 1, j.notYetAt, at);
        this.shortest = Math.min(this.shortest, at);
        this.jobs.delete(j);
        j.resolve(result);
        continue;
      }
      j.notYetAt = at;
      if (at > this.o.maxWaitMs) {
        this.jobs.delete(j);
        j.reject(
          new ZendeskError('outage', `A Zendesk job did not finish within ${this.o.maxWaitMs} ms`, {
            endpoint: 'job_statuses/{id}',
            code: 'JobTimeout',
          }),
        );
        continue;
      }
      // Its own looks follow a ladder of ages: the learnt first look F, then 1.5 F, 2.25 F … (after a
      // first look that came too soon, half that delay, then ×1.5). Looks it was taken along on, with
      // other jobs in one show_many, do not move it up the ladder: counted as its own, a job polled with
      // others every half second backed off to the 5 s cap, and the last job of a burst was seen up to
      // 5 s after it ended.
      let rung = Math.max(1, j.firstDueAt - j.startedAt);
      while (rung <= at) rung *= 1.5;
      j.dueAt = now + Math.min(this.o.pacer.maxMs, Math.max(rung - at, 1));
    }
  }

  /** One job: `job_statuses/{id}` (a 404 means gone); several: one `show_many` (absent means gone). */
  private async fetch(batch: Watched[]): Promise<Map<string, Record<string, unknown> | undefined>> {
    const out = new Map<string, Record<string, unknown> | undefined>();
    const ids = [...new Set(batch.map((j) => j.id))];
    if (ids.length === 1) {
      const id = ids[0]!;
      try {
        const { body } = await this.o.exec.call({
          method: 'GET',
          path: `/api/v2/job_statuses/${encodeURIComponent(id)}`,
          endpoint: 'job_statuses/{id}',
        });
        out.set(id, obj(obj(body)?.job_status));
      } catch (e) {
        // Job data is kept for a day; a job that vanished leaves its items unknown.
        if (!(e instanceof ZendeskError && e.status === 404 && e.action === 'reject')) throw e;
      }
      return out;
    }
    const { body } = await this.o.exec.call({
      method: 'GET',
      path: `/api/v2/job_statuses/show_many?ids=${ids.map(encodeURIComponent).join(',')}`,
      endpoint: 'job_statuses/show_many',
    });
    const list = obj(body)?.job_statuses;
    for (const raw of Array.isArray(list) ? list : []) {
      const s = obj(raw);
      if (s && (typeof s.id === 'string' || typeof s.id === 'number')) out.set(String(s.id), s);
    }
    return out;
  }
}

/** The job's results when it is over, else null. */
function settled(job: Record<string, unknown> | undefined, total: number): BulkItemResult[] | null {
  const status = job?.status;
  if (status === 'completed') return mapJobResults(total, job?.results);
  if (status === 'failed' || status === 'killed')
    return mapJobResults(total, job?.results, {
      code: 'JobFailed',
      message: typeof job?.message === 'string' ? job.message : `The job ${String(status)}`,
    });
  return null;
}
