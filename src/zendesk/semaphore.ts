/**
 * The 30-job limit as a counting semaphore: a slot is taken before a bulk job is created and
 * given back when the job has finished (or was never created). How many slots this client may hold
 * at once (its share of the account's) is decided by `JobShare`.
 */

/**
 * This client's share of the account's job slots, learnt the way TCP learns a window (AIMD), from
 * what Zendesk says: `zendesk-ratelimit-inflight-jobs: total=T; remaining=R` on every job created,
 * and TooManyJobs when a create found no free slot. Pure: no clock, no I/O.
 *
 * - **Alone** (Zendesk counts no job that is not ours: T − R ≤ what we hold, or no header at all),
 *   the share grows by one per job created up to T: it starts small, so several instances starting
 *   together do not each take all 30 at once, and one instance reaches 30 within a few answers.
 * - **Shared** (Zendesk counts jobs of others, within the last `memory` answers): every client sees
 *   the same R, and some of it is about to be taken again by clients whose jobs just finished, so
 *   a client that took all of it would collide with the others. The share grows only while every
 *   recent answer (about a round of our jobs) left more than a margin (10 % of T) free, by
 *   max(1/share, room/T) per answer: clients answered once a slot each per round together fill
 *   about the room in a round, and a lone client after the others are done regrows quickly.
 *   Besides, what we hold never goes past the latest answer's held + R − margin (an allowance
 *   that is not learnt: a moment of few free slots does not shrink the share).
 * - **Its part of the group's work** (`entitle`: its partitions ÷ all, told by the consumer): while
 *   shared, its fair part of the slots is that part of T. Below it, the share grows each round of
 *   its jobs by half of what the latest answers left free past the margin (another instance may take
 *   the other half); above it, while the latest answer left no more than a second margin free, it
 *   yields a slot per answer down to its part. Past its part it grows by the rule above (slots
 *   others leave free are used). Without this, the instance that starts first grows alone to most of the slots
 *   and, no create ever being refused, keeps them while the others wait; then it ends first and its
 *   slots stand idle while the others regrow. Until told, the part is 1 (no such rule).
 * - **TooManyJobs**: the refused create gives its permit back (the job does not exist) and the
 *   share is cut to `cut` × what we hold, once per congestion: refusals of creates sent before the
 *   cut are the same congestion and do not cut again. Until the next answer we hold no more.
 */
export class JobShare {
  private share: number;
  private cuts = 0;
  /** Job answers since one last showed jobs of other clients (Infinity: never). */
  private sinceOthers = Infinity;
  /** Free slots told by the latest answers while shared (about a round of our jobs). */
  private recent: number[] = [];
  /** While shared: what the latest answer said we may hold (ours + free − margin); not learnt. */
  private allowance = Infinity;
  /** This client's part of its group's work (assigned partitions ÷ all); 1 until told. */
  private part = 1;

  constructor(
    private readonly most: number,
    private readonly o: JobShareOptions = JOB_SHARE_DEFAULTS,
  ) {
    this.share = Math.max(1, Math.min(most, o.initial));
  }

  /** Permits this client may hold now (at least one). */
  get limit(): number {
    return Math.max(1, Math.floor(Math.min(this.share, this.allowance) + 1e-9));
  }

  /** Bumped at every cut: a refusal of a create sent at an older epoch is the same congestion. */
  get epoch(): number {
    return this.cuts;
  }

  /** Whether recent answers showed other clients holding job slots of this account. */
  get shared(): boolean {
    return this.sinceOthers < this.o.memory;
  }

  /** This client's part of its group's work, from 0 to 1 (its partitions ÷ the topic's). */
  entitle(part: number): void {
    this.part = Number.isFinite(part) ? Math.min(1, Math.max(0, part)) : 1;
  }

  /**
   * A job was created; `held` permits are held (this job's included). `remaining`/`total` are the
   * answer's inflight-jobs header, when it had one.
   */
  created(held: number, remaining?: number, total?: number): void {
    const most = Math.min(this.most, total ?? this.most);
    if (remaining === undefined || total === undefined) {
      this.share = Math.min(most, this.share + 1);
      return;
    }
    // Zendesk counts at most `held` of ours (some may have finished unseen): the rest is others'.
    this.sinceOthers = total - remaining > held ? 0 : this.sinceOthers + 1;
    if (!this.shared) {
      this.allowance = Infinity;
      this.share = Math.max(1, Math.min(most, this.share + 1, held + remaining));
      return;
    }
    // Shared: the free slots Zendesk reports are seen by every client at once, and some are about
    // to be taken again by the client whose job just finished. Grow only while more than a margin
    // is free, by that room ÷ total per answer (clients answered once a slot each per round of
    // jobs together fill about the room in a round), never beyond what is free past the margin.
    const margin = Math.max(1, Math.ceil(total * this.o.margin));
    this.recent.push(remaining);
    while (this.recent.length > Math.max(4, this.limit)) this.recent.shift();
    const room = Math.min(...this.recent) - margin;
    const fair = Math.max(1, most * this.part);
    const free = remaining - margin;
    if (this.part < 1 && this.share > fair && free <= margin) this.share = Math.max(fair, this.share - 1);
    else if (this.part < 1 && this.share < fair && free > 0)
      this.share = Math.min(fair, this.share + Math.max(1, free / 2) / Math.max(1, this.share));
    else if (room > 0) this.share += Math.max(1 / Math.max(1, this.share), room / total);
    this.share = Math.min(this.share, most);
    this.allowance = held + Math.max(0, remaining - margin);
  }

  /**
   * A create was refused (TooManyJobs) while `held` permits are held (its own no longer counted).
   * Returns true when this cut the share.
   */
  refused(held: number, sentAtEpoch: number): boolean {
    this.sinceOthers = 0;
    this.allowance = held;
    if (sentAtEpoch !== this.cuts) return false;
    this.cuts++;
    this.share = Math.max(1, Math.min(this.share, held) * this.o.cut);
    return true;
  }
}

export interface JobShareOptions {
  /** The share before any answer. */
  initial: number;
  /** Free slots left to others (a share of the account's total) before growing while shared. */
  margin: number;
  /** A refusal cuts the share to this much of what is held. */
  cut: number;
  /** Job answers without a sign of other clients before the share is treated as this client's alone. */
  memory: number;
}

export const JOB_SHARE_DEFAULTS: JobShareOptions = { initial: 2, margin: 0.1, cut: 0.7, memory: 100 };

/**
 * Permits are held from before a job is created until it is seen finished, but a job is seen finished
 * only at a poll, and polls are rationed (they cost the account's requests). Zendesk tells more on
 * every create: `zendesk-ratelimit-inflight-jobs` counts the account's jobs queued or running. While
 * no other client holds jobs, whatever we hold beyond that count (and beyond the creates not yet
 * answered, which it may not count) are jobs already finished, not yet seen: `finishedUnseen`. Their
 * permits still wait for a poll (their results do), but their slots are free at Zendesk, so as many
 * new jobs may go. Each create that finds slots freed meanwhile lets the next one go without a poll.
 */
export class Semaphore {
  private waiters: (() => void)[] = [];
  private taken = 0;
  /** Creates sent and not yet answered. */
  private sending = 0;
  /** Of the permits taken, jobs Zendesk's latest count shows finished (a lower bound). */
  private finishedUnseen = 0;
  readonly share: JobShare;

  constructor(most: number, share?: JobShare) {
    this.share = share ?? new JobShare(most);
  }

  get limit(): number {
    return this.share.limit;
  }

  /** Permits taken (jobs created or being created, not yet seen finished). */
  get inUse(): number {
    return this.taken;
  }

  /** Of those, jobs Zendesk's latest count shows finished, not yet seen by a poll (a lower bound). */
  get finishedNotSeen(): number {
    return this.finishedUnseen;
  }

  /** Of those, the slots Zendesk may still count: what the limit applies to. */
  get held(): number {
    return this.taken - this.finishedUnseen;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Of the permits taken, creates not yet answered (queued for the request budget or in transit). */
  get creating(): number {
    return this.sending;
  }

  get epoch(): number {
    return this.share.epoch;
  }

  /** This client's part of its group's work (JobShare.entitle). */
  entitle(part: number): void {
    this.share.entitle(part);
    this.drain();
  }

  /** A create is being sent (with a permit held); `answered` or `released` ends it. */
  send(): void {
    this.sending++;
  }

  /** A create has its answer, whatever it was. */
  answered(): void {
    this.sending = Math.max(0, this.sending - 1);
  }

  /** A job was created: its answer's free slots (`zendesk-ratelimit-inflight-jobs`), if it said. */
  created(remaining?: number, total?: number): void {
    this.share.created(this.taken, remaining, total);
    // Alone on the account, Zendesk's count is our jobs not finished, among those answered (creates
    // still unanswered may be counted or not): the rest of ours are finished. With other clients'
    // jobs in the count it tells nothing of ours.
    this.finishedUnseen =
      remaining !== undefined && total !== undefined && !this.share.shared
        ? Math.max(0, this.taken - this.sending - (total - remaining))
        : 0;
    this.drain();
  }

  /**
   * TooManyJobs: the refused create gives its permit back and the share is cut (once per
   * congestion); the caller acquires again before it retries.
   */
  refused(sentAtEpoch: number): void {
    this.finishedUnseen = 0;
    this.share.refused(this.taken - 1, sentAtEpoch);
    this.release();
  }

  /** Resolves once a permit is held; true when it had to wait. */
  acquire(): Promise<boolean> {
    if (this.held < this.limit && this.waiters.length === 0) {
      this.taken++;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => this.waiters.push(() => resolve(true)));
  }

  /**
   * A permit is given back (its job seen finished, or never created). Which one is not known, so
   * the count of finished ones shrinks too: it stays a lower bound until the next create tells more.
   */
  release(): void {
    this.taken = Math.max(0, this.taken - 1);
    this.finishedUnseen = Math.max(0, Math.min(this.finishedUnseen - 1, this.taken));
    this.drain();
  }

  private drain(): void {
    while (this.held < this.limit && this.waiters.length > 0) {
      this.taken++;
      this.waiters.shift()!();
    }
  }
}
