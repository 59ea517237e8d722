import type { Id, OrganizationInput, ZendeskApi } from '../api.js';
import type { BatchTimer } from './micro-batcher.js';
import { realTimer } from './micro-batcher.js';

interface Tail {
  body: string;
  done: Promise<Id>;
  settled: boolean;
}

/**
 * Organization upserts, one chain per organization so they reach Zendesk in the order they were
 * asked (and a bulk batch never holds one organization twice: organization-writes.ts). Many group events of one
 * organization usually carry the same traits: an upsert identical to the last one asked for that
 * organization, still in flight or finished less than `reuseMs` ago, joins it instead of calling
 * again. Zendesk ends up holding the same thing, because nothing of ours wrote to that
 * organization in between (a delete calls `forget`).
 */
export class OrganizationUpserter {
  private readonly tails = new Map<string, Tail>();
  readonly stats = { calls: 0, joined: 0 };

  constructor(
    private readonly api: ZendeskApi,
    private readonly reuseMs: number,
    private readonly timer: BatchTimer = realTimer,
    /** How one upsert reaches Zendesk: a single create_or_update unless a batcher is given. */
    private readonly write: (input: OrganizationInput) => Promise<Id> = async (input) =>
      (await api.createOrUpdateOrganization(input)).organization.id,
  ) {}

  upsert(input: OrganizationInput): Promise<Id> {
    const key = input.external_id?.toLowerCase();
    // Without an external id there is no identity to chain on (plans always send one).
    if (key === undefined) return this.call(input);
    const body = stableJson(input);
    const tail = this.tails.get(key);
    if (tail && tail.body === body) {
      this.stats.joined++;
      return tail.done;
    }
    const after = tail ? tail.done.then(noop, noop) : Promise.resolve();
    const entry: Tail = { body, done: after.then(() => this.call(input)), settled: false };
    this.tails.set(key, entry);
    const drop = () => {
      if (this.tails.get(key) === entry) this.tails.delete(key);
    };
    entry.done.then(
      () => {
        entry.settled = true;
        if (this.reuseMs <= 0) drop();
        else this.timer.set(drop, this.reuseMs);
      },
      // A refused upsert is not remembered: the next event asks Zendesk again.
      drop,
    );
    return entry.done;
  }

  /** The organization is being deleted or changed behind our back: stop reusing its last upsert. */
  forget(externalId: string): void {
    this.tails.delete(externalId.toLowerCase());
  }

  private async call(input: OrganizationInput): Promise<Id> {
    this.stats.calls++;
    return this.write(input);
  }
}

const noop = (): void => {};

/** JSON with object keys sorted, so equal inputs compare equal whatever order they were built in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
