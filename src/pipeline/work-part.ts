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
