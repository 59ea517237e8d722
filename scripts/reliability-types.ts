/** The figures the fault and bad-input suites record, and scripts/reliability-doc.ts renders. */
export interface FaultCaseResult {
  name: string;
  fault: string;
  eventsIn: number;
  delivered: number;
  deadLettered: number;
  lost: number;
  /** Partitions whose committed offset was short of their end once the last instance stopped. */
  stalled: number;
  recoverSeconds: number;
  observed: string;
}

export interface BadInputRow {
  input: string;
  outcome: string;
  note: string;
}
