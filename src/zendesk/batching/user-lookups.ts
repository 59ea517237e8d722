import type { Id, ZUser, ZendeskApi } from '../api.js';
import { MicroBatcher, type ItemResult, type MicroBatcherOptions } from './micro-batcher.js';

/**
 * external_id → Zendesk user id, learnt from upsert and look-up results. Only users that exist are
 * remembered (a user we saw stays a user: we never delete users); "not found" is never cached,
 * because the next identify may create the user. Keys are case-insensitive, as Zendesk's external ids.
 * Bounded: the oldest entries go first.
 */
export class UserIdCache {
  private readonly byExt = new Map<string, Id>();
  private readonly extOf = new Map<Id, string>();

  constructor(private readonly capacity = 50_000) {}

  get size(): number {
    return this.byExt.size;
  }

  get(externalId: string): Id | undefined {
    return this.byExt.get(externalId.toLowerCase());
  }

  learn(externalId: string, id: Id): void {
    const ext = externalId.toLowerCase();
    // An upsert matched by email rewrites that user's external id: the old one no longer names it.
    const previous = this.extOf.get(id);
    if (previous !== undefined && previous !== ext) this.byExt.delete(previous);
    const stale = this.byExt.get(ext);
    if (stale !== undefined && stale !== id) this.extOf.delete(stale);
    this.byExt.delete(ext);
    this.byExt.set(ext, id);
    this.extOf.set(id, ext);
    if (this.byExt.size > this.capacity) {
      const oldest = this.byExt.keys().next().value as string;
      const oldId = this.byExt.get(oldest);
      this.byExt.delete(oldest);
      if (oldId !== undefined && this.extOf.get(oldId) === oldest) this.extOf.delete(oldId);
    }
  }
}

/**
 * Look-ups of users by external id, batched into `show_many?external_ids=` (≤100 per call). Matches
 * like the single search: the exact-case external id first, then a case-insensitive one.
 */
export class UserLookupBatcher {
  private readonly batcher: MicroBatcher<string, Id | null>;

  constructor(
    private readonly api: ZendeskApi,
    private readonly cache: UserIdCache,
    options: MicroBatcherOptions,
  ) {
    this.batcher = new MicroBatcher((ids) => this.runBatch(ids), {
      ...options,
      maxItems: Math.min(100, options.maxItems),
    });
  }

  get batches(): MicroBatcher<string, Id | null>['stats'] {
    return this.batcher.stats;
  }

  async byExternalId(externalId: string): Promise<Id | null> {
    const cached = this.cache.get(externalId);
    if (cached !== undefined) return cached;
    // show_many takes a comma-separated list: an id holding a comma cannot be asked that way.
    if (externalId.includes(',')) return this.searchOne(externalId);
    return this.batcher.add(externalId);
  }

  private async searchOne(externalId: string): Promise<Id | null> {
    const user = pick(await this.api.searchUsers({ externalId }), externalId);
    if (user) this.cache.learn(externalId, user.id);
    return user?.id ?? null;
  }

  private async runBatch(ids: string[]): Promise<ItemResult<Id | null>[]> {
    const unique = [...new Set(ids)];
    const users = await this.api.showManyUsers({ externalIds: unique });
    return ids.map((ext) => {
      const user = pick(users, ext);
      if (user) this.cache.learn(ext, user.id);
      return { ok: true, value: user?.id ?? null };
    });
  }
}

function pick(users: ZUser[], wanted: string): ZUser | null {
  const lower = wanted.toLowerCase();
  return (
    users.find((u) => u.external_id === wanted) ??
    users.find((u) => u.external_id != null && u.external_id.toLowerCase() === lower) ??
    null
  );
}
