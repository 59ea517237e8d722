/**
 * In-flight accounting, pure: what the consumer has handed over to its lanes and not yet settled, by
 * events and bytes, per partition and in total (the bound that keeps a backlog's memory in check while
 * fetching runs ahead of Zendesk), and the window of a partition's handed-over offsets whose done prefix
 * is the offset that may be committed.
 */

export interface InFlightLimits {
  partitionEvents: number;
  partitionBytes: number;
  totalEvents: number;
  totalBytes: number;
}

interface Use {
  events: number;
  bytes: number;
}

/** The bytes a message holds while in flight: its value and its key. */
export const messageBytes = (m: { value: Buffer | null; key?: Buffer | null }): number =>
  (m.value?.length ?? 0) + (m.key?.length ?? 0);

/**
 * A message with its own copies of its bytes. KafkaJS's messages are slices of the fetch response: one
 * event kept in flight keeps its whole response (up to the fetch's max bytes) in memory, so in a stream
 * that is mostly skips a few events in flight per batch would hold every batch they came in.
 */
export function ownBytes<M extends { value: Buffer | null; key?: Buffer | null; headers?: unknown }>(
  m: M,
): M {
  const copy = (b: Buffer | null | undefined) => (Buffer.isBuffer(b) ? Buffer.from(b) : b);
  const headers =
    m.headers && typeof m.headers === 'object'
      ? Object.fromEntries(
          Object.entries(m.headers as Record<string, unknown>).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.map((x) => copy(x as Buffer)) : copy(v as Buffer),
          ]),
        )
      : m.headers;
  return { ...m, key: copy(m.key), value: copy(m.value), headers };
}

export class InFlightBudget {
  private readonly per = new Map<string, Use>();
  private totalEvents = 0;
  private totalBytes = 0;

  constructor(readonly limits: InFlightLimits) {}

  of(key: string): Readonly<Use> {
    return this.per.get(key) ?? { events: 0, bytes: 0 };
  }

  get total(): Readonly<Use> {
    return { events: this.totalEvents, bytes: this.totalBytes };
  }

  /**
   * How many of these messages (their sizes, in offset order) may be handed over now: the longest
   * prefix within every bound. A partition with nothing in flight always gets one, so that a message
   * larger than a bound, or a member whose other partitions hold the whole total, still progresses:
   * the total is exceeded by at most one message per partition.
   */
  admit(key: string, sizes: readonly number[]): number {
    const p = this.of(key);
    const l = this.limits;
    let events = 0;
    let bytes = 0;
    for (const size of sizes) {
      const e = events + 1;
      const b = bytes + size;
      if (
        p.events + e > l.partitionEvents ||
        p.bytes + b > l.partitionBytes ||
        this.totalEvents + e > l.totalEvents ||
        this.totalBytes + b > l.totalBytes
      )
        break;
      events = e;
      bytes = b;
    }
    return events === 0 && sizes.length > 0 && p.events === 0 ? 1 : events;
  }

  add(key: string, events: number, bytes: number): void {
    if (events === 0 && bytes === 0) return;
    const p = this.per.get(key) ?? { events: 0, bytes: 0 };
    p.events += events;
    p.bytes += bytes;
    this.per.set(key, p);
    this.totalEvents += events;
    this.totalBytes += bytes;
  }

  release(key: string, events: number, bytes: number): void {
    const p = this.per.get(key);
    if (!p) return;
    const e = Math.min(events, p.events);
    const b = Math.min(bytes, p.bytes);
    p.events -= e;
    p.bytes -= b;
    this.totalEvents -= e;
    this.totalBytes -= b;
    if (p.events === 0 && p.bytes === 0) this.per.delete(key);
  }

  /** Whether a paused partition may fetch again: its use and the total below `fraction` of each bound. */
  hasRoom(key: string, fraction = 1): boolean {
    const p = this.of(key);
    const l = this.limits;
    return (
      p.events < l.partitionEvents * fraction &&
      p.bytes < l.partitionBytes * fraction &&
      this.totalEvents < l.totalEvents * fraction &&
      this.totalBytes < l.totalBytes * fraction
    );
  }
}

/**
 * Compares two Kafka offsets, decimal strings of non-negative integers as KafkaJS gives them (no sign, no
 * leading zero), without parsing them: the longer is the larger, and of equal length the string order.
 */
export const compareOffsets = (a: string, b: string): number =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;

/**
 * `to - from` for two Kafka offsets (decimal strings): on numbers when both are exact as doubles (up to 15
 * digits, every offset a broker hands out in practice), through BigInt otherwise.
 */
export const offsetDistance = (from: string, to: string): number =>
  from.length <= 15 && to.length <= 15 ? Number(to) - Number(from) : Number(BigInt(to) - BigInt(from));

/**
 * The offsets of one partition handed over, in order, and which are done. Offsets need not be
 * contiguous (compaction, transaction markers): the watermark is the last offset of the longest done
 * prefix of the offsets added. Done offsets below the watermark are forgotten. Per offset: an array
 * slot added, and a binary search when it is marked done later (no parsing, no map entry).
 */
export class OffsetWindow {
  private offsets: string[] = [];
  private done: boolean[] = [];
  private start = 0;
  private mark: string | null = null;
  private last: string | null = null;
  private open = 0;

  /** The highest offset added, or null. */
  get highest(): string | null {
    return this.last;
  }

  /** Whether `offset` is above every offset added (it may be added). */
  isNew(offset: string): boolean {
    return this.last === null || compareOffsets(offset, this.last) > 0;
  }

  /** Offsets added and not yet done. */
  get pending(): number {
    return this.open;
  }

  /** Adds the next offset; `done`: it already has its outcome (it counts at once towards the watermark). */
  add(offset: string, done = false): void {
    if (!this.isNew(offset)) throw new Error(`offset ${offset} is not above ${this.last}`);
    this.last = offset;
    this.offsets.push(offset);
    this.done.push(done);
    if (!done) this.open++;
    else if (this.start === this.offsets.length - 1) this.advance();
  }

  /** Marks an offset done; false when it is not pending in this window (already done, or never added). */
  markDone(offset: string): boolean {
    const at = this.find(offset);
    if (at < 0 || this.done[at]) return false;
    this.done[at] = true;
    this.open--;
    if (at === this.start) this.advance();
    return true;
  }

  /** The highest offset with every earlier added offset done, or null when none is. */
  watermark(): string | null {
    return this.mark;
  }

  /** The offsets done above the watermark, in order. */
  doneAbove(): string[] {
    const out: string[] = [];
    for (let i = this.start; i < this.offsets.length; i++) if (this.done[i]) out.push(this.offsets[i]!);
    return out;
  }

  /** The index of `offset` among those above the watermark, or -1. */
  private find(offset: string): number {
    let lo = this.start;
    let hi = this.offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareOffsets(this.offsets[mid]!, offset);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The done prefix moves the watermark; what is below it is dropped once it is most of the window. */
  private advance(): void {
    while (this.start < this.offsets.length && this.done[this.start]) this.start++;
    if (this.start > 0) this.mark = this.offsets[this.start - 1]!;
    if (this.start > 1024 && this.start * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.start);
      this.done = this.done.slice(this.start);
      this.start = 0;
    }
  }
}
