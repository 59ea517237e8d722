import type { ZendeskApi } from '../api.js';
import { BulkSwitch } from './bulk-items.js';
import type { ZendeskGateway } from './gateway.js';
import { findUser } from '../lookup.js';
import { MembershipLinker } from './membership-links.js';
import { realTimer, type BatchTimer } from './micro-batcher.js';
import { OrganizationUpserter } from './organization-upserts.js';
import { OrganizationWriteBatcher } from './organization-writes.js';
import { UserIdCache, UserLookupBatcher } from './user-lookups.js';
import { UserUpsertBatcher } from './user-upserts.js';

export interface BatchingOptions {
  /** How long the first item of a batch waits for others (default 25 ms). */
  windowMs?: number;
  /**
   * Longest wait of a bulk batch (users, organizations, memberships) that keeps growing while jobs of
   * its kind are in flight (default 200 ms; look-ups keep the plain window).
   */
  maxWaitMs?: number;
  /** Items per bulk call (default 100, Zendesk's maximum). */
  maxItems?: number;
  /** Bulk jobs of one kind running at once (default 30: job slots are the scarce resource, and the client holds Zendesk's 30-job limit across kinds). */
  maxConcurrentJobs?: number;
  /** Look-up calls running at once (default 4). */
  maxConcurrentLookups?: number;
  /** How long a finished organization upsert can be joined by an identical one (default = windowMs). */
  organizationReuseMs?: number;
  /** Fewest organization upserts in one window that go out in bulk (default 5). */
  organizationBulkFrom?: number;
  /**
   * Organization (and membership) batches in flight at most when one that is not full starts
   * (default 1): the next batch keeps growing until one of them finishes or it is full.
   */
  organizationPartialInFlight?: number;
  /** Remembered external_id → user id pairs (default 50,000). */
  userCacheSize?: number;
  timer?: BatchTimer;
}

export interface OptimizedGateway extends ZendeskGateway {
  readonly parts: {
    bulk: BulkSwitch;
    users: UserUpsertBatcher;
    lookups: UserLookupBatcher;
    cache: UserIdCache;
    organizations: OrganizationUpserter;
    organizationWrites: OrganizationWriteBatcher;
    memberships: MembershipLinker;
  };
}

/** Upserts, look-ups and links micro-batched into bulk calls, with an external_id → id cache. */
export function optimizedGateway(api: ZendeskApi, o: BatchingOptions = {}): OptimizedGateway {
  const timer = o.timer ?? realTimer;
  const windowMs = o.windowMs ?? 25;
  const maxItems = Math.min(100, o.maxItems ?? 100);
  const maxWaitMs = o.maxWaitMs ?? 200;
  const jobs = { maxItems, windowMs, maxWaitMs, maxConcurrent: o.maxConcurrentJobs ?? 30, timer };
  const bulk = new BulkSwitch();
  const cache = new UserIdCache(o.userCacheSize);
  // The job slots, plus one for each of our jobs Zendesk already shows finished: such a job keeps its
  // batch until a poll brings its results while its slot takes the next job (semaphore.ts). Not a
  // fixed 2 x 30: batches that wait for a slot outside the batcher stop growing (mixed stream: 184
  // user jobs at 60 against 148 at 30), and while the batcher is full its next batch keeps growing.
  const users = new UserUpsertBatcher(api, bulk, {
    ...jobs,
    maxConcurrent: () => jobs.maxConcurrent + (api.jobsFinishedNotSeen?.() ?? 0),
    fullGoesAtOnce: true,
  });
  const lookups = new UserLookupBatcher(api, cache, {
    ...jobs,
    maxWaitMs: windowMs,
    maxConcurrent: o.maxConcurrentLookups ?? 4,
  });
  const bulkFrom = o.organizationBulkFrom ?? 5;
  // Each organization batch costs a show_many and a job or two, each membership batch a job, however
  // few items they hold; and every request waits its turn behind the Events API calls. Sent every
  // window, they went out small while the last ones were still in flight (mixed stream: 85 batches,
  // 49 of one organization, as single calls; 75 membership jobs, 46 of 1-7 links). Held open while
  // one is in flight, a batch takes what came meanwhile. On an idle account the first goes at once.
  // With bulk off every item is a single call anyway: holding would only add latency.
  const held = o.organizationPartialInFlight ?? 1;
  const partialInFlight = () => (bulk.enabled ? held : jobs.maxConcurrent);
  const organizationWrites = new OrganizationWriteBatcher(api, bulk, { ...jobs, bulkFrom, partialInFlight });
  const organizations = new OrganizationUpserter(api, o.organizationReuseMs ?? windowMs, timer, (input) =>
    organizationWrites.write(input),
  );
  const memberships = new MembershipLinker(api, bulk, { ...jobs, partialInFlight });
  return {
    parts: { bulk, users, lookups, cache, organizations, organizationWrites, memberships },
    async upsertUser(input) {
      const id = await users.upsert(input);
      if (input.external_id) cache.learn(input.external_id, id);
      return id;
    },
    async findUserId(key) {
      if (key.externalId !== undefined) {
        const id = await lookups.byExternalId(key.externalId);
        if (id !== null) return id;
      }
      // By email only when the external id found nothing, exactly as the single look-up does.
      if (key.email === undefined) return null;
      return (await findUser(api, { email: key.email }))?.id ?? null;
    },
    findUserIdByExternalId: (externalId) => lookups.byExternalId(externalId),
    upsertOrganization: (input) => organizations.upsert(input),
    linkMembership: (userId, organizationId) => memberships.link(userId, organizationId),
    forgetOrganization: (externalId) => organizations.forget(externalId),
  };
}
