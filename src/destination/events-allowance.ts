/**
 * Zendesk's monthly Events API allowance (150k/150k/350k/750k/3M events by plan): events this
 * process sent in the current UTC calendar month, and a warning as it nears the allowance. Pure
 * apart from the injected clock. The count starts at zero on start-up (Zendesk does not tell how
 * many events the account has used), so the Prometheus counter, summed over restarts, is the
 * fuller picture; the warning is the early one.
 */
export const WARN_AT: readonly number[] = [0.8, 0.9, 1];

export class EventsAllowance {
  private monthKey = '';
  private count = 0;
  private warned = 0;

  constructor(
    readonly allowance: number,
    private readonly warn: (message: string, meta: Record<string, unknown>) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** `YYYY-MM` in UTC. */
  static monthOf(ms: number): string {
    return new Date(ms).toISOString().slice(0, 7);
  }

  /** Events sent in the current month. */
  get sent(): number {
    this.roll();
    return this.count;
  }

  get month(): string {
    this.roll();
    return this.monthKey;
  }

  record(n = 1): void {
    this.roll();
    this.count += n;
    while (this.warned < WARN_AT.length && this.count >= WARN_AT[this.warned]! * this.allowance) {
      const share = WARN_AT[this.warned]!;
      this.warned++;
      this.warn(
        share >= 1
          ? 'Events API: the monthly event allowance is used up; Zendesk may refuse further events this month'
          : `Events API: ${Math.round(share * 100)}% of the monthly event allowance used`,
        {
          month: this.monthKey,
          sentThisMonth: this.count,
          allowance: this.allowance,
          setting: 'ZENDESK_EVENTS_MONTHLY_ALLOWANCE',
        },
      );
    }
  }

  private roll(): void {
    const key = EventsAllowance.monthOf(this.now());
    if (key === this.monthKey) return;
    this.monthKey = key;
    this.count = 0;
    this.warned = 0;
  }
}
