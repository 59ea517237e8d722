/** The figures the fault and bad-input suites record, and scripts/reliability-doc.ts renders. */
export interface FaultCaseResult {
  name: string;
  fault: string;
  eventsIn: number;
  delivered: number;
  deadLettered: number;
  lost: number;
  /**
   * Partitions whose committed offset was short of their end once the last instance stopped; null for a
   * case whose service must exit without consuming (a fault that never heals at start-up), with
   * `stalledNote` saying so.
   */
  stalled: number | null;
  stalledNote?: string;
  /** Track events Zendesk received more than once (the sandbox's count; issue 17). */
  duplicates?: number;
  /** Dead letters written more than once for one event. */
  duplicateDeadLetters?: number;
  /** null: nothing heals, so nothing recovers (the case asserts an exit instead). */
  recoverSeconds: number | null;
  observed: string;
}

export interface BadInputRow {
  input: string;
  outcome: string;
  note: string;
}
