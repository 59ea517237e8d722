import type { Id, ZendeskApi, ZendeskErrorInfo } from '../api.js';
import { BulkSwitch, byIndex, isPermanentItemError, itemError } from './bulk-items.js';
import { MicroBatcher, type ItemResult, type MicroBatcherOptions } from './micro-batcher.js';

const ENDPOINT = 'organization_memberships/create_many';
type Link = { user_id: Id; organization_id: Id };
type Linked = { existed: boolean };

/** Zendesk refuses a membership that exists with a DuplicateValue ("has already been taken"). */
function alreadyMember(error: ZendeskErrorInfo): boolean {
  return /DuplicateValue|already been taken/i.test(
    `${error.code ?? ''} ${JSON.stringify(error.details ?? null)}`,
  );
}

/**
 * Membership links batched into `organization_memberships/create_many` jobs (≤100). An existing
 * membership is success. The same pair twice in one window is sent once; the later caller is told
 * it existed, as it would have been one by one. Bulk refused → single creates, as the users do.
 */
export class MembershipLinker {
  private readonly batcher: MicroBatcher<Link, Linked>;
  readonly stats = { jobs: 0, singleCalls: 0 };

  constructor(
    private readonly api: ZendeskApi,
    private readonly bulk: BulkSwitch,
    options: MicroBatcherOptions,
  ) {
    this.batcher = new MicroBatcher((items) => this.runBatch(items), options);
  }

  link(userId: Id, organizationId: Id): Promise<Linked> {
    return this.batcher.add({ user_id: userId, organization_id: organizationId });
  }

  private async runBatch(links: Link[]): Promise<ItemResult<Linked>[]> {
    const first = new Map<string, number>();
    const unique: Link[] = [];
    const slot = links.map((l) => {
      const k = `${l.user_id}:${l.organization_id}`;
      let i = first.get(k);
      if (i === undefined) {
        i = unique.push(l) - 1;
        first.set(k, i);
      }
      return i;
    });
    const results = await this.createAll(unique);
    const used = new Set<number>();
    return slot.map((i) => {
      const r = results[i]!;
      const repeat = used.has(i);
      used.add(i);
      return repeat && r.ok ? { ok: true, value: { existed: true } } : r;
    });
  }

  private async createAll(links: Link[]): Promise<ItemResult<Linked>[]> {
    if (!this.bulk.enabled) return Promise.all(links.map((l) => this.single(l)));
    let results;
    try {
      this.stats.jobs++;
      results = byIndex(links.length, await this.api.createManyMemberships(links));
    } catch (err) {
      const reject = (err as { action?: unknown } | null)?.action === 'reject';
      if (this.bulk.refused(err) || reject) return Promise.all(links.map((l) => this.single(l)));
      throw err;
    }
    return Promise.all(
      results.map((r, i): ItemResult<Linked> | Promise<ItemResult<Linked>> => {
        if (r.ok) return { ok: true, value: { existed: false } };
        if (alreadyMember(r.error)) return { ok: true, value: { existed: true } };
        if (isPermanentItemError(r.error)) return { ok: false, error: itemError(ENDPOINT, r.error) };
        return this.single(links[i]!);
      }),
    );
  }

  private async single(link: Link): Promise<ItemResult<Linked>> {
    this.stats.singleCalls++;
    try {
      const { existed } = await this.api.createMembership(link.user_id, link.organization_id);
      return { ok: true, value: { existed } };
    } catch (error) {
      return { ok: false, error };
    }
  }
}
