import { describe, expect, it } from 'vitest';
import { BulkSwitch } from '../../../src/zendesk/batching/bulk-items.js';
import { executePlan } from '../../../src/destination/execute.js';
import { createFieldCatalogs } from '../../../src/destination/fields-catalog.js';
import { MembershipLinker } from '../../../src/zendesk/batching/membership-links.js';
import { MicroBatcher, type ItemResult } from '../../../src/zendesk/batching/micro-batcher.js';
import { optimizedGateway } from '../../../src/zendesk/batching/optimized-gateway.js';
import { OrganizationUpserter } from '../../../src/zendesk/batching/organization-upserts.js';
import { planEvent } from '../../../src/destination/planner.js';
import { defaultDestinationSettings } from '../../../src/destination/settings.js';
import { UserUpsertBatcher } from '../../../src/zendesk/batching/user-upserts.js';
import type { BulkItemResult, UserInput, ZOrganization } from '../../../src/zendesk/api.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { FakeZendeskApi } from '../destination/fake-zendesk-api.js';
import { deferred, FakeTimer, settle, slowFirstBatcher } from './fakes.js';

/** Micro-batching on an injected clock: windows, full batches, per-item results, fallbacks. */

describe('MicroBatcher', () => {
  it('holds items for the window, then runs them as one batch, each caller getting its own result', async () => {
    const timer = new FakeTimer();
    const runs: number[][] = [];
    const b = new MicroBatcher<number, number>(
      async (items) => {
        runs.push(items);
        return items.map((i): ItemResult<number> =>
          i === 2 ? { ok: false, error: new Error('two') } : { ok: true, value: i * 10 },
        );
      },
      { maxItems: 100, windowMs: 20, maxConcurrent: 1, timer },
    );
    const results = [1, 2, 3].map((i) =>
      b.add(i).then(
        (v) => v,
        (e: Error) => e.message,
      ),
    );
    await timer.advance(19);
    expect(runs).toEqual([]);
    await timer.advance(1);
    expect(runs).toEqual([[1, 2, 3]]);
    expect(await Promise.all(results)).toEqual([10, 'two', 30]);
  });

  it('a full batch goes at once, without waiting for the window', async () => {
    const timer = new FakeTimer();
    const runs: number[][] = [];
    const b = new MicroBatcher<number, number>(
      async (items) => (runs.push(items), items.map((i) => ({ ok: true as const, value: i }))),
      {
        maxItems: 3,
        windowMs: 1000,
        maxConcurrent: 4,
        timer,
      },
    );
    const all = [1, 2, 3, 4].map((i) => b.add(i));
    await settle();
    expect(runs).toEqual([[1, 2, 3]]);
    expect(b.waiting).toBe(1);
    await timer.advance(1000);
    expect(runs).toEqual([[1, 2, 3], [4]]);
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4]);
    expect(timer.pending).toBe(0);
  });

  it('while every run slot is busy, the next batch keeps growing instead of splitting', async () => {
    const timer = new FakeTimer();
    const { b, runs, release } = slowFirstBatcher(timer, { maxConcurrent: 1 });
    const first = b.add(0);
    await timer.advance(10);
    const later = [1, 2, 3].map((i) => b.add(i));
    await timer.advance(10);
    const evenLater = b.add(4);
    await timer.advance(50);
    expect(runs).toEqual([[0]]);
    release();
    await settle();
    expect(runs).toEqual([[0], [1, 2, 3, 4]]);
    expect(await Promise.all([first, ...later, evenLater])).toEqual([0, 1, 2, 3, 4]);
  });

  it('a failed run rejects every caller of that batch with its error', async () => {
    const timer = new FakeTimer();
    const b = new MicroBatcher<number, number>(async () => Promise.reject(new Error('down')), {
      maxItems: 10,
      windowMs: 1,
      maxConcurrent: 1,
      timer,
    });
    const all = [b.add(1), b.add(2)].map((p) => p.catch((e: Error) => e.message));
    await timer.advance(1);
    expect(await Promise.all(all)).toEqual(['down', 'down']);
  });
});

// ---- user upserts

type ManyImpl = (users: UserInput[]) => Promise<BulkItemResult[]>;
class BulkFake extends FakeZendeskApi {
  jobs: UserInput[][] = [];
  /** What the real client's jobsFinishedNotSeen would say. */
  finished = 0;
  jobsFinishedNotSeen(): number {
    return this.finished;
  }
  many: ManyImpl = async (users) =>
    users.map((u, index) => ({ index, ok: true, id: 100 + index, action: 'create' as const }));
  override async createOrUpdateManyUsers(users: UserInput[]): Promise<BulkItemResult[]> {
    this.calls.push({ method: 'createOrUpdateManyUsers', args: [structuredClone(users)] });
    this.jobs.push(users);
    return this.many(users);
  }
}
const opts = (timer: FakeTimer) => ({ maxItems: 100, windowMs: 5, maxConcurrent: 4, timer });
const dup = {
  status: 422,
  code: 'RecordInvalid',
  message: 'Email is already being used',
  details: {
    email: [{ description: 'Email: … is already being used by another user', error: 'DuplicateValue' }],
  },
};

describe('UserUpsertBatcher', () => {
  it('user jobs run beyond the 30 job slots by the jobs Zendesk shows finished, not further', async () => {
    // Jobs finished but not yet polled no longer take a slot at Zendesk (semaphore.ts): as many more
    // batches may go. Beyond that a batch that can still grow would only wait for a slot outside
    // the batcher, no longer growing, so the batcher stops there and its next batch keeps filling.
    // (A full batch cannot grow: it goes and waits for a job slot; see job-slot-wait.test.ts.)
    const timer = new FakeTimer();
    const api = new BulkFake();
    api.many = () => new Promise<BulkItemResult[]>(() => {});
    const gateway = optimizedGateway(api, { timer, windowMs: 5 });
    const oneAWindow = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        void gateway.upsertUser({ name: `u${i}`, external_id: `u${i}` });
        await settle();
        await timer.advance(5);
        await settle();
      }
    };
    await oneAWindow(0, 40);
    expect(api.jobs.length).toBe(30);
    expect(api.jobs.map((j) => j.length)).toEqual(Array(30).fill(1));
    api.finished = 12;
    await oneAWindow(40, 52);
    // The batch that grew while all 30 ran (u30-u40), then one a window, up to 30 + 12.
    expect(api.jobs.length).toBe(42);
    expect(api.jobs[30]!.length).toBe(11);
    await oneAWindow(52, 55);
    expect(api.jobs.length).toBe(42);
  });

  it('one job for many users; a DuplicateValue item → ambiguous_user for that event only; a transient item retried alone', async () => {
    const timer = new FakeTimer();
    const api = new BulkFake();
    api.addUser({ name: 'Other', external_id: 'u2', email: 'taken@x.io' });
    api.many = async (users) =>
      users.map((u, index): BulkItemResult => {
        if (u.external_id === 'u1') return { index, ok: false, error: dup };
        if (u.external_id === 'u3')
          return { index, ok: false, error: { code: 'JobFailed', message: 'The job failed' } };
        return { index, ok: true, id: 500 + index, action: 'create' };
      });
    const gateway = optimizedGateway(api, { timer, windowMs: 5 });
    const deps = { api, fields: createFieldCatalogs(api), gateway };
    const s = defaultDestinationSettings;
    const outcomes = ['u1', 'u3', 'u4'].map((id) =>
      executePlan(
        planEvent(
          {
            type: 'identify',
            userId: id,
            traits: { name: id, email: id === 'u1' ? 'taken@x.io' : `${id}@x.io` },
          },
          s,
        ),
        deps,
      ),
    );
    await settle();
    await timer.advance(5);
    const out = await Promise.all(outcomes);
    expect(out.map((o) => (o.kind === 'rejected' ? o.reason : o.kind))).toEqual([
      'ambiguous_user',
      'delivered',
      'delivered',
    ]);
    expect(api.jobs.map((j) => j.map((u) => u.external_id))).toEqual([['u1', 'u3', 'u4']]);
    // u3 alone, as a single upsert; u1 never retried (a duplicate stays a duplicate)
    expect(
      api.calls
        .filter((c) => c.method === 'createOrUpdateUser')
        .map((c) => (c.args[0] as UserInput).external_id),
    ).toEqual(['u3']);
    expect(gateway.parts.users.stats.itemRetries).toBe(1);
    expect(gateway.parts.cache.get('u4')).toBe(502);
    expect(gateway.parts.cache.get('u1')).toBeUndefined();
  });

  it('a job item refused for a custom field value: that event is upserted again without it (field_rejected)', async () => {
    const timer = new FakeTimer();
    const api = new BulkFake();
    api.addField('user', 'seats', 'integer');
    api.many = async (users) =>
      users.map((u, index): BulkItemResult => {
        if (u.user_fields?.seats !== undefined && !Number.isInteger(u.user_fields.seats))
          return {
            index,
            ok: false,
            error: {
              code: 'InvalidValue',
              message: 'Seats: is invalid',
              details: { seats: [{ description: 'Seats: is invalid', error: 'InvalidValue' }] },
            },
          };
        return { index, ok: true, id: 700 + index, action: 'create' };
      });
    const gateway = optimizedGateway(api, { timer, windowMs: 5 });
    const deps = { api, fields: createFieldCatalogs(api), gateway };
    const outcomes = [
      { userId: 'u1', traits: { name: 'A', seats: 2.5 } },
      { userId: 'u2', traits: { name: 'B', seats: 3 } },
    ].map((e) => executePlan(planEvent({ type: 'identify', ...e }, defaultDestinationSettings), deps));
    await settle();
    await timer.advance(5);
    await timer.advance(5);
    expect(await Promise.all(outcomes)).toEqual([
      { kind: 'delivered', notes: ['field_rejected:seats'] },
      { kind: 'delivered' },
    ]);
    expect(api.jobs.map((j) => j.map((u) => [u.external_id, u.user_fields ?? null]))).toEqual([
      [
        ['u1', { seats: 2.5 }],
        ['u2', { seats: 3 }],
      ],
      [['u1', null]],
    ]);
  });

  it('403 bulk imports off: falls back to single upserts by itself and stays there', async () => {
    const timer = new FakeTimer();
    const api = new BulkFake();
    api.many = async () => {
      throw new ZendeskError('reject', 'Bulk imports are not enabled', {
        status: 403,
        code: 'BulkImportsDisabled',
      });
    };
    const bulk = new BulkSwitch();
    const b = new UserUpsertBatcher(api, bulk, opts(timer));
    const first = [b.upsert({ name: 'A', external_id: 'a' }), b.upsert({ name: 'B', external_id: 'b' })];
    await timer.advance(5);
    expect((await Promise.all(first)).length).toBe(2);
    expect(bulk.enabled).toBe(false);
    const second = b.upsert({ name: 'C', external_id: 'c' });
    await timer.advance(5);
    await second;
    expect(api.methods().filter((m) => m === 'createOrUpdateManyUsers')).toHaveLength(1);
    expect(api.methods().filter((m) => m === 'createOrUpdateUser')).toHaveLength(3);
    expect(api.users.map((u) => u.external_id)).toEqual(['a', 'b', 'c']);
  });

  it('an outage of the job rejects every caller with it (the pipeline pauses; nothing dead-lettered)', async () => {
    const timer = new FakeTimer();
    const api = new BulkFake();
    api.many = async () => {
      throw new ZendeskError('outage', 'Service Unavailable', { status: 503 });
    };
    const b = new UserUpsertBatcher(api, new BulkSwitch(), opts(timer));
    const all = ['a', 'b'].map((x) =>
      b.upsert({ name: x, external_id: x }).catch((e: ZendeskError) => e.action),
    );
    await timer.advance(5);
    expect(await Promise.all(all)).toEqual(['outage', 'outage']);
    expect(api.methods()).not.toContain('createOrUpdateUser');
  });

  it('one user never twice in one job: a second upsert (same external id or email) waits for the first', async () => {
    const timer = new FakeTimer();
    const api = new BulkFake();
    const b = new UserUpsertBatcher(api, new BulkSwitch(), opts(timer));
    const p1 = b.upsert({ name: 'A', external_id: 'U1', email: 'a@x.io' });
    const p2 = b.upsert({ name: 'A2', email: 'A@x.io' }); // same email, other case
    const p3 = b.upsert({ name: 'B', external_id: 'u2' });
    const p4 = b.upsert({ name: 'A3', external_id: 'u1' }); // same external id, other case
    await timer.advance(5);
    expect(api.jobs.map((j) => j.map((u) => u.name))).toEqual([['A', 'B']]);
    await timer.advance(5);
    await timer.advance(5);
    await Promise.all([p1, p2, p3, p4]);
    expect(api.jobs.map((j) => j.map((u) => u.name))).toEqual([['A', 'B'], ['A2'], ['A3']]);
    expect(b.stats.serialized).toBe(2);
  });
});

describe('look-ups and the user id cache', () => {
  it('look-ups share one show_many; found users are cached, "not found" is not', async () => {
    const timer = new FakeTimer();
    const api = new BulkFake();
    const u1 = api.addUser({ name: 'A', external_id: 'u1' });
    const g = optimizedGateway(api, { timer, windowMs: 5 });
    const found = [
      g.findUserIdByExternalId('u1'),
      g.findUserIdByExternalId('U1'),
      g.findUserIdByExternalId('nope'),
    ];
    await timer.advance(5);
    expect(await Promise.all(found)).toEqual([u1.id, u1.id, null]);
    expect(api.calls.filter((c) => c.method === 'showManyUsers')).toEqual([
      { method: 'showManyUsers', args: [{ externalIds: ['u1', 'U1', 'nope'] }] },
    ]);
    const again = [g.findUserIdByExternalId('u1'), g.findUserIdByExternalId('nope')];
    await timer.advance(5);
    expect(await Promise.all(again)).toEqual([u1.id, null]);
    expect(api.calls.filter((c) => c.method === 'showManyUsers')).toHaveLength(2);
    expect((api.calls.at(-1)?.args[0] as { externalIds: string[] }).externalIds).toEqual(['nope']);
  });

  it('an upsert result teaches the cache; an external id moved to another user is forgotten', async () => {
    const timer = new FakeTimer();
    const api = new BulkFake();
    api.many = async (users) =>
      users.map((_u, index) => ({ index, ok: true, id: 7, action: 'update' as const }));
    const g = optimizedGateway(api, { timer, windowMs: 5 });
    const a = g.upsertUser({ name: 'A', external_id: 'old' });
    await timer.advance(5);
    await a;
    expect(g.parts.cache.get('old')).toBe(7);
    const b = g.upsertUser({ name: 'A', external_id: 'new', email: 'a@x.io' }); // matched by email: id 7 renamed
    await timer.advance(5);
    await b;
    expect(g.parts.cache.get('new')).toBe(7);
    expect(g.parts.cache.get('old')).toBeUndefined();
  });
});

describe('memberships and organizations', () => {
  it('create_many: an existing membership is success, the same pair twice in a window is sent once', async () => {
    const timer = new FakeTimer();
    const api = new BulkFake();
    const sent: { user_id: number; organization_id: number }[][] = [];
    api.createManyMemberships = async (items) => {
      sent.push(items);
      return items.map((m, index): BulkItemResult =>
        m.organization_id === 2
          ? {
              index,
              ok: false,
              error: {
                code: 'RecordInvalid',
                message: 'taken',
                details: {
                  user_id: [{ description: 'User has already been taken', error: 'DuplicateValue' }],
                },
              },
            }
          : { index, ok: true, id: 1, action: 'create' },
      );
    };
    const m = new MembershipLinker(api, new BulkSwitch(), opts(timer));
    const all = [m.link(1, 1), m.link(1, 2), m.link(1, 1)];
    await timer.advance(5);
    expect(await Promise.all(all)).toEqual([{ existed: false }, { existed: true }, { existed: true }]);
    expect(sent).toEqual([
      [
        { user_id: 1, organization_id: 1 },
        { user_id: 1, organization_id: 2 },
      ],
    ]);
  });

  it('identical organization upserts in flight share one call; a different one waits its turn', async () => {
    const timer = new FakeTimer();
    const api = new FakeZendeskApi();
    const order: string[] = [];
    const gate = deferred<void>();
    const real = api.createOrUpdateOrganization.bind(api);
    api.createOrUpdateOrganization = async (input) => {
      order.push(String(input.name));
      if (order.length === 1) await gate.promise;
      return real(input);
    };
    const o = new OrganizationUpserter(api, 10, timer);
    const a = o.upsert({ external_id: 'g1', name: 'One', tags: ['a'] });
    const b = o.upsert({ tags: ['a'], name: 'One', external_id: 'g1' }); // same content, other key order
    const c = o.upsert({ external_id: 'g1', name: 'Uno' });
    const d = o.upsert({ external_id: 'g2', name: 'Two' });
    await settle();
    expect(order).toEqual(['One', 'Two']);
    gate.resolve();
    const ids = await Promise.all([a, b, c, d]);
    expect(order).toEqual(['One', 'Two', 'Uno']);
    expect(ids[0]).toBe(ids[1]);
    expect(o.stats).toEqual({ calls: 3, joined: 1 });
    const org = api.organizations.find((x: ZOrganization) => x.external_id === 'g1');
    expect(org?.name).toBe('Uno');
  });
});

describe('organization writes in bulk', () => {
  const write = (api: FakeZendeskApi, timer: FakeTimer, bulkFrom = 5) =>
    optimizedGateway(api, { timer, organizationBulkFrom: bulkFrom });

  it('many organizations in one window cost a show_many and one job of each kind, not a call each', async () => {
    const timer = new FakeTimer();
    const api = new FakeZendeskApi();
    for (let i = 0; i < 20; i++) api.addOrganization({ name: `Old ${i}`, external_id: `g${i}` });
    const g = write(api, timer);
    const ids = Promise.all(
      Array.from({ length: 50 }, (_, i) => g.upsertOrganization({ external_id: `G${i}`, name: `Org ${i}` })),
    );
    await settle();
    await timer.advance(25);
    const got = await ids;
    expect(api.methods()).toEqual([
      'showManyOrganizations',
      'createManyOrganizations',
      'updateManyOrganizations',
    ]);
    // Same state and ids as 50 create_or_update calls: the 20 known ones renamed in place, 30 new.
    expect(got.slice(0, 20)).toEqual(api.organizations.slice(0, 20).map((o) => o.id));
    expect(api.organizations.map((o) => o.name)).toEqual(Array.from({ length: 50 }, (_, i) => `Org ${i}`));
    expect(new Set(got).size).toBe(50);
  });

  it('a few organizations go as single create_or_update calls (latency)', async () => {
    const timer = new FakeTimer();
    const api = new FakeZendeskApi();
    const g = write(api, timer);
    const ids = Promise.all(
      [1, 2, 3].map((i) => g.upsertOrganization({ external_id: `g${i}`, name: `O${i}` })),
    );
    await settle();
    await timer.advance(25);
    await ids;
    expect(api.methods()).toEqual(Array(3).fill('createOrUpdateOrganization'));
  });

  it('an item the job refuses is re-run alone and gets the single call’s answer', async () => {
    const timer = new FakeTimer();
    const api = new FakeZendeskApi();
    api.addOrganization({ name: 'Taken', external_id: 'other' });
    const g = write(api, timer, 2);
    const ok = g.upsertOrganization({ external_id: 'a', name: 'A' });
    const clash = g.upsertOrganization({ external_id: 'b', name: 'Taken' });
    await settle();
    await timer.advance(25);
    await expect(ok).resolves.toBeTypeOf('number');
    await expect(clash).rejects.toMatchObject({ code: 'RecordInvalid' });
    expect(api.methods()).toEqual([
      'showManyOrganizations',
      'createManyOrganizations',
      'createOrUpdateOrganization',
    ]);
  });
});
