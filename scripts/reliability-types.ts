/** The figures the fault and bad-input suites record, and scripts/reliability-doc.ts renders. */
export interface FaultCaseResult {
  name: string;
  fault: string;
  eventsIn: number;
  delivered: number;
  deadLettered: number;
  lost: number;
  recoverSeconds: number;
  observed: string;
}

export interface BadInputRow {
  input: string;
  outcome: string;
  note: string;
}
