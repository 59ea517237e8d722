/**
 * This member's part of its consumer group's work: the partitions assigned to it ÷ all partitions of
 * the topics it reads. Members of one group share one Zendesk account's job slots; each takes about
 * this part of them while the others are busy too (semaphore.ts, `JobShare.entitle`). Pure.
 */
export function partOfWork(
  assignment: Record<string, number[] | undefined>,
  partitionsByTopic: Record<string, number>,
): number {
  let all = 0;
  let mine = 0;
  for (const [topic, count] of Object.entries(partitionsByTopic)) {
    all += count;
    mine += new Set(assignment[topic] ?? []).size;
  }
  return all > 0 ? Math.min(1, mine / all) : 1;
}

export interface PartTellerOptions {
  /** Partition counts of the topics this member reads (the broker's topic metadata). */
  partitionCounts(): Promise<Record<string, number>>;
  tell(part: number): void;
  isStopping(): boolean;
  log: {
    info(msg: string, meta?: Record<string, unknown>): void;
    warn(msg: string, meta?: Record<string, unknown>): void;
  };
}

/**
 * Tells a member's part after each join. Joins may come close together, and their look-ups answer
 * in any order: only the latest join's part is told. Nothing is told while stopping; a look-up that
 * fails leaves the job slots at their learnt share (a warning, no retry before the next join).
 */
export class PartTeller {
  private joins = 0;

  constructor(private readonly o: PartTellerOptions) {}

  async joined(assignment: Record<string, number[] | undefined>): Promise<void> {
    const join = ++this.joins;
    try {
      const counts = await this.o.partitionCounts();
      if (join !== this.joins || this.o.isStopping()) return;
      const part = partOfWork(assignment, counts);
      this.o.tell(part);
      this.o.log.info('part of the group work', { part: Number(part.toFixed(3)) });
    } catch (e) {
      if (this.o.isStopping()) return;
      this.o.log.warn('could not read the partition counts; job slots keep their learnt share', {
        error: (e as Error).message,
      });
    }
  }
}
