import type { Id, UserInput, ZendeskApi } from '../api.js';
import { userIdentities } from '../identity.js';
import { BulkSwitch, byIndex, isPermanentItemError, itemError } from './bulk-items.js';
import { MicroBatcher, type ItemResult, type MicroBatcherOptions } from './micro-batcher.js';

const ENDPOINT = 'users/create_or_update_many';
const noop = (): void => {};

/**
 * User upserts from many concurrent lanes, micro-batched into `create_or_update_many` jobs (≤100),
 * each caller awaiting its own item. Zendesk's 1-upsert-per-second account limit does not apply to
 * jobs, which is where the throughput comes from.
 *
 * - One user never appears twice in one job: a job's items are applied in an order we do not
 *   control, so a second upsert for an identity already in flight waits for the first to settle
 *   (lanes already keep one event per user in flight; this only guards the email/external-id mix).
 * - Per-item failures map back to that item only: validation errors (DuplicateValue…) reject it as
 *   the single call would, transient ones (job failed, result missing) retry that item alone.
 * - A job refused as a whole with a `reject` (403 bulk imports off, a 400 for the body) is run as
 *   single calls, so one bad item cannot sink the others; after a 403 bulk stays off.
 */
export class UserUpsertBatcher {
  private readonly batcher: MicroBatcher<UserInput, Id>;
  private readonly inFlight = new Map<string, { done: Promise<unknown>; keys: Set<string> }>();
  readonly stats = { jobs: 0, singleCalls: 0, itemRetries: 0, serialized: 0 };

  constructor(
    private readonly api: ZendeskApi,
    private readonly bulk: BulkSwitch,
    options: MicroBatcherOptions,
  ) {
    this.batcher = new MicroBatcher((items) => this.runBatch(items), options);
  }

  get batches(): MicroBatcher<UserInput, Id>['stats'] {
    return this.batcher.stats;
  }

  upsert(input: UserInput): Promise<Id> {
    const own = userIdentities(input);
    const before = new Set(own.flatMap((k) => this.inFlight.get(k) ?? []));
    // Identities are transitive: an item sharing the email of one in flight and the external id
    // of another is the same user as both, so it takes over all their identities.
    const keys = new Set(own);
    for (const entry of before) for (const k of entry.keys) keys.add(k);
    let result: Promise<Id>;
    if (before.size === 0) {
      result = this.batcher.add(input);
    } else {
      this.stats.serialized++;
      result = Promise.all([...before].map((e) => e.done.catch(noop))).then(() => this.batcher.add(input));
    }
    const entry = { done: result, keys };
    for (const k of keys) this.inFlight.set(k, entry);
    const done = () => {
      for (const k of keys) if (this.inFlight.get(k) === entry) this.inFlight.delete(k);
    };
    result.then(done, done);
    return result;
  }

  private async runBatch(inputs: UserInput[]): Promise<ItemResult<Id>[]> {
    assertDistinct(inputs);
    if (!this.bulk.enabled) return Promise.all(inputs.map((i) => this.single(i)));
    let results;
    try {
      this.stats.jobs++;
      results = byIndex(inputs.length, await this.api.createOrUpdateManyUsers(inputs));
    } catch (err) {
      if (this.bulk.refused(err) || isReject(err)) return Promise.all(inputs.map((i) => this.single(i)));
      throw err;
    }
    return Promise.all(
      results.map((r, i): ItemResult<Id> | Promise<ItemResult<Id>> => {
        if (r.ok) return { ok: true, value: r.id };
        if (isPermanentItemError(r.error)) return { ok: false, error: itemError(ENDPOINT, r.error) };
        this.stats.itemRetries++;
        return this.single(inputs[i]!);
      }),
    );
  }

  /** One create_or_update; any failure (a rejection or an outage) belongs to this item only. */
  private async single(input: UserInput): Promise<ItemResult<Id>> {
    this.stats.singleCalls++;
    try {
      return { ok: true, value: (await this.api.createOrUpdateUser(input)).user.id };
    } catch (error) {
      return { ok: false, error };
    }
  }
}

const isReject = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { action?: unknown }).action === 'reject';

/** The invariant `upsert` maintains; a breach is a defect of ours, never sent to Zendesk. */
function assertDistinct(inputs: UserInput[]): void {
  const seen = new Set<string>();
  for (const input of inputs)
    for (const k of userIdentities(input)) {
      if (seen.has(k)) throw new Error('internal: one user twice in one create_or_update_many job');
      seen.add(k);
    }
}
