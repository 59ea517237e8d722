/**
 * Per-partition bookkeeping, pure: lanes keep one key's events in order, the prefix tracker says which
 * offset may be committed (the highest offset below which every event has an outcome).
 */

/** Split messages into lanes by key, keeping each lane in offset order. Keyless messages get a lane each. */
export function groupIntoLanes<T>(items: readonly T[], keyOf: (item: T) => string | null): T[][] {
  const lanes = new Map<string, T[]>();
  const out: T[][] = [];
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) {
      out.push([item]);
      continue;
    }
    let lane = lanes.get(key);
    if (!lane) {
      lane = [];
      lanes.set(key, lane);
      out.push(lane);
    }
    lane.push(item);
  }
  return out;
}

/**
 * Tracks which of a batch's offsets are done. Offsets need not be contiguous (compaction and
 * transaction markers leave gaps), so the watermark is the last offset of the longest done prefix of
 * the batch's own offsets, in order.
 */
export class PrefixTracker {
  private readonly done: boolean[];
  private prefix = 0; // number of leading offsets that are done

  private readonly index: Map<string, number>;

  constructor(private readonly offsets: readonly string[]) {
    this.done = offsets.map(() => false);
    this.index = new Map(offsets.map((o, i) => [o, i]));
  }

  markDone(offset: string): void {
    const i = this.index.get(offset);
    if (i === undefined) throw new Error(`offset ${offset} is not in this batch`);
    this.done[i] = true;
    while (this.prefix < this.done.length && this.done[this.prefix]) this.prefix++;
  }

  /** The highest offset with every earlier offset of the batch done, or null when the first is not done. */
  watermark(): string | null {
    return this.prefix === 0 ? null : this.offsets[this.prefix - 1]!;
  }

  /** Every offset of the batch that is done, in order. */
  doneOffsets(): string[] {
    return this.offsets.filter((_, i) => this.done[i]);
  }

  get complete(): boolean {
    return this.prefix === this.done.length;
  }
}
