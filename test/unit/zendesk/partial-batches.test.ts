/**
 * Batches held open while one of theirs is in flight (`partialInFlight`), on a fake clock: where a
 * batch costs requests whatever its size (organization writes, memberships), the next batch takes
 * what comes while the last one runs instead of going every window. No I/O.
 */
import { describe, expect, it } from 'vitest';
import type { BulkItemResult, Id, OrganizationInput } from '../../../src/zendesk/api.js';
import { MicroBatcher } from '../../../src/zendesk/batching/micro-batcher.js';
import { optimizedGateway } from '../../../src/zendesk/batching/optimized-gateway.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { FakeZendeskApi } from '../destination/fake-zendesk-api.js';
import { deferred, FakeTimer, settle } from './fakes.js';

/** A batcher of numbers (10 ms windows) whose runs stay in flight until their gate opens. */
function gatedBatcher(
  timer: FakeTimer,
  o: { maxItems: number; maxConcurrent: number; partialInFlight?: number },
) {
  const runs: number[][] = [];
  const gates: { resolve: (v: void) => void }[] = [];
  const b = new MicroBatcher<number, number>(
    async (items) => {
      runs.push(items);
      const gate = deferred<void>();
      gates.push(gate);
      await gate.promise;
      return items.map((i) => ({ ok: true as const, value: i }));
    },
    { windowMs: 10, maxWaitMs: 10, timer, ...o },
  );
  return { b, runs, open: (i: number) => gates[i]!.resolve() };
}

describe('MicroBatcher: partialInFlight', () => {
  it('a batch whose window ended keeps growing while one batch is in flight, and goes when it finishes', async () => {
    const timer = new FakeTimer();
    const { b, runs, open } = gatedBatcher(timer, { maxItems: 100, maxConcurrent: 30, partialInFlight: 1 });
    const all = [b.add(0)];
    await timer.advance(10); // idle: the first goes after one window
    expect(runs).toEqual([[0]]);
    for (let i = 1; i <= 4; i++) {
      all.push(b.add(i));
      await timer.advance(30); // each one's window ends alone
    }
    expect(runs).toEqual([[0]]);
    open(0);
    await settle();
    expect(runs).toEqual([[0], [1, 2, 3, 4]]);
    open(1);
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
  });

  it('full batches still go up to maxConcurrent; only the one that is not full waits', async () => {
    const timer = new FakeTimer();
    const { b, runs, open } = gatedBatcher(timer, { maxItems: 3, maxConcurrent: 30, partialInFlight: 1 });
    const all = [b.add(0)];
    await timer.advance(10);
    for (let i = 1; i <= 7; i++) all.push(b.add(i));
    await timer.advance(50);
    expect(runs).toEqual([[0], [1, 2, 3], [4, 5, 6]]);
    open(0);
    open(1);
    await settle();
    expect(runs).toHaveLength(3); // one of ours is still in flight
    open(2);
    await settle();
    expect(runs.at(-1)).toEqual([7]);
    open(3);
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('without it, the window alone decides (the old behaviour, which user upserts keep)', async () => {
    const timer = new FakeTimer();
    const { b, runs, open } = gatedBatcher(timer, { maxItems: 100, maxConcurrent: 30 });
    const all = [b.add(0)];
    await timer.advance(10);
    all.push(b.add(1));
    await timer.advance(30);
    all.push(b.add(2));
    await timer.advance(30);
    expect(runs).toEqual([[0], [1], [2]]);
    [0, 1, 2].forEach(open);
    expect(await Promise.all(all)).toEqual([0, 1, 2]);
  });
});

/** The fake Zendesk with organization jobs and membership jobs held until `release`. */
class HeldJobs extends FakeZendeskApi {
  readonly held: (() => void)[] = [];
  links: { user_id: Id; organization_id: Id }[][] = [];
  private free = false;
  /** Lets the jobs held so far finish; `forGood`: and every later one too. */
  release(forGood = false): void {
    this.free ||= forGood;
    for (const r of this.held.splice(0)) r();
  }
  private async hold(): Promise<void> {
    if (this.free) return;
    const gate = deferred<void>();
    this.held.push(() => gate.resolve());
    await gate.promise;
  }
  override async createManyOrganizations(orgs: OrganizationInput[]): Promise<BulkItemResult[]> {
    const results = await super.createManyOrganizations(orgs);
    await this.hold();
    return results;
  }
  override async createManyMemberships(
    items: { user_id: Id; organization_id: Id }[],
  ): Promise<BulkItemResult[]> {
    this.calls.push({ method: 'createManyMemberships', args: [items] });
    this.links.push(items);
    await this.hold();
    return items.map((_, index) => ({ index, ok: true, id: 1, action: 'create' as const }));
  }
}

describe('organization and membership batches wait for the one in flight', () => {
  const org = (i: number): OrganizationInput => ({ external_id: `g${i}`, name: `Org ${i}` });

  it('organizations that come one per window while a bulk batch runs are one bulk batch, not single calls', async () => {
    const timer = new FakeTimer();
    const api = new HeldJobs();
    const g = optimizedGateway(api, { timer });
    const first = Array.from({ length: 10 }, (_, i) => g.upsertOrganization(org(i)));
    await settle();
    await timer.advance(25);
    expect(api.methods()).toEqual(['showManyOrganizations', 'createManyOrganizations']);
    const later: Promise<Id>[] = [];
    for (let i = 10; i < 16; i++) {
      later.push(g.upsertOrganization(org(i)));
      await settle();
      await timer.advance(250); // a job takes seconds: each of these has its window end alone
    }
    expect(api.methods()).toHaveLength(2);
    api.release();
    await settle();
    expect(api.methods().slice(2)).toEqual(['showManyOrganizations', 'createManyOrganizations']);
    api.release(true);
    const ids = await Promise.all([...first, ...later]);
    expect(new Set(ids).size).toBe(16);
    expect(api.organizations.map((o) => o.name)).toEqual(Array.from({ length: 16 }, (_, i) => `Org ${i}`));
  });

  it('on an idle account a few organizations still go at once as single calls (latency)', async () => {
    const timer = new FakeTimer();
    const api = new HeldJobs();
    const g = optimizedGateway(api, { timer });
    const a = g.upsertOrganization(org(1));
    await settle();
    await timer.advance(25);
    await a;
    const b = g.upsertOrganization(org(2));
    await settle();
    await timer.advance(25);
    await b;
    expect(api.methods()).toEqual(['createOrUpdateOrganization', 'createOrUpdateOrganization']);
  });

  it('memberships that come one per window while a membership job runs are one job', async () => {
    const timer = new FakeTimer();
    const api = new HeldJobs();
    const g = optimizedGateway(api, { timer });
    const all = [g.linkMembership(1, 10)];
    await settle();
    await timer.advance(25);
    for (let user = 2; user <= 5; user++) {
      all.push(g.linkMembership(user, 10));
      await settle();
      await timer.advance(250);
    }
    expect(api.links).toHaveLength(1);
    api.release();
    await settle();
    expect(api.links.map((l) => l.map((m) => m.user_id))).toEqual([[1], [2, 3, 4, 5]]);
    api.release(true);
    expect(await Promise.all(all)).toEqual(Array(5).fill({ existed: false }));
  });

  it('with bulk off (403) every item is a single call anyway: nothing waits for the call in flight', async () => {
    const timer = new FakeTimer();
    const gate = deferred<void>();
    const api = new (class extends FakeZendeskApi {
      override async createOrUpdateOrganization(input: OrganizationInput) {
        const answer = super.createOrUpdateOrganization(input);
        if (input.external_id === 'g1') await gate.promise;
        return answer;
      }
    })();
    const g = optimizedGateway(api, { timer });
    g.parts.bulk.refused(new ZendeskError('reject', 'bulk imports off', { code: 'BulkImportsDisabled' }));
    const a = g.upsertOrganization(org(1));
    await settle();
    await timer.advance(25);
    const b = g.upsertOrganization(org(2));
    await settle();
    await timer.advance(25);
    // g1's call is still in flight, and g2's went all the same.
    expect(api.methods()).toEqual(['createOrUpdateOrganization', 'createOrUpdateOrganization']);
    gate.resolve();
    await Promise.all([a, b]);
  });
});
