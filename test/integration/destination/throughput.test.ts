import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDestination,
  type ZendeskDestination as Destination,
  type DestinationMode,
} from '../../../src/destination/index.js';
import type { Outcome } from '../../../src/destination/outcome.js';
import { defaultDestinationSettings, type DestinationSettings } from '../../../src/destination/settings.js';
import { NO_LIMITS, startSandbox, type Sandbox, type SandboxState } from '../../../src/sandbox/index.js';
import type { JsonObject, SegmentEvent } from '../../../src/segment/event.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';

/**
 * Issue 7 against the sandbox (strict mode) through the real client: the optimized destination,
 * many lanes at once with coalescing and bulk calls, ends with the SAME sandbox state and the same
 * outcome per event as the naive destination processing the events one by one, in order, with far
 * fewer requests.
 */

let sb: Sandbox;
const clients: ZendeskClient[] = [];
const settings: DestinationSettings = {
  ...defaultDestinationSettings,
  trackEvents: ['Order Completed'],
  removeUsersFromOrganization: true,
};
// No sandbox limits here: the client's Zendesk-sized budgets are opened up so the naive baseline
// (one request per operation) stays quick. Jobs are polled often so tests do not idle.
const destination = (mode: DestinationMode): Destination => {
  const api = new ZendeskClient({
    baseUrl: sb.url,
    auth: { kind: 'bearer', token: 'sandbox-token' },
    userUpsertPerSecond: 10_000,
    userUpsertPerUserPerMinute: 10_000,
    accountRatePerMinute: 1_000_000,
    jobPollInitialMs: 5,
    jobPollMaxMs: 20,
    concurrency: 16,
  });
  clients.push(api);
  return createDestination({ api, settings, mode, batching: { windowMs: 10 } });
};

// ---- workloads (deterministic)

const USERS = 100;
const ext = (u: number) => `user-${u}`;
/** 5 identifies per user, 500 in all: names, renames, nameless updates first or later, typed traits. */
function identifies(): SegmentEvent[][] {
  return Array.from({ length: USERS }, (_, u) => {
    const email = `person${u}@example.com`;
    const base: JsonObject = { email };
    const lane: JsonObject[] = [
      u % 10 === 0 ? { ...base, plan: 'trial' } : { ...base, name: `Person ${u}`, plan: 'free', seats: u },
      { ...base, name: `Person ${u} Second`, signupDate: '2024-03-0' + ((u % 9) + 1), vip: u % 3 === 0 },
      { ...base, plan: u % 2 ? 'pro' : null, phone: `+1555${1000 + u}` },
      { ...base, name: u % 5 === 0 ? `P${u}` : `Person ${u} Third`, timezone: 'Europe/Berlin' },
      { ...base, seats: u * 2, [`score${u % 3}`]: u + 0.5 },
    ];
    return lane.map((traits, i): SegmentEvent => ({
      type: 'identify',
      userId: ext(u),
      messageId: `m-${u}-${i}`,
      traits,
    }));
  });
}

/** One by one, in order: event k of every user, then event k+1. */
async function runNaive(d: Destination, lanes: SegmentEvent[][]): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  const longest = Math.max(...lanes.map((l) => l.length));
  for (let k = 0; k < longest; k++)
    for (const lane of lanes) {
      const e = lane[k];
      if (e) out.set(e.messageId!, await d.process(e));
    }
  return out;
}

/** Lanes in parallel, each in order, coalescing runs of equal merge keys as the pipeline does. */
async function runLanes(
  d: Destination,
  lanes: SegmentEvent[][],
  parallel = 20,
): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  const limit = pLimit(parallel);
  await Promise.all(
    lanes.map((lane) =>
      limit(async () => {
        let i = 0;
        while (i < lane.length) {
          const key = d.mergeKey(lane[i]!);
          let j = i + 1;
          while (key !== null && j < lane.length && j - i < 50 && d.mergeKey(lane[j]!) === key) j++;
          const run = lane.slice(i, j);
          const outcomes = run.length > 1 ? await d.processRun(run) : [await d.process(run[0]!)];
          run.forEach((e, k) => out.set(e.messageId!, outcomes[k]!));
          i = j;
        }
      }),
    ),
  );
  return out;
}

// ---- state without ids and timestamps (they differ between runs, the content must not)

const DROP = new Set(['id', 'url', 'created_at', 'updated_at', 'received_at', 'profile_id', 'position']);
function normalize(s: SandboxState) {
  const userExt = new Map(s.users.map((u) => [u.id, u.external_id ?? u.email]));
  const orgExt = new Map(s.organizations.map((o) => [o.id, o.external_id]));
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (DROP.has(k)) continue;
      if (k === 'user_id') out[k] = userExt.get(x);
      else if (k === 'organization_id') out[k] = x === null ? null : orgExt.get(x);
      else out[k] = strip(x);
    }
    return out;
  };
  const by =
    (f: (x: Record<string, unknown>) => string) =>
    (a: Record<string, unknown>, b: Record<string, unknown>) => (f(a) < f(b) ? -1 : 1);
  const sorted = (items: unknown[], f: (x: Record<string, unknown>) => string) =>
    (strip(items) as Record<string, unknown>[]).sort(by(f));
  return {
    users: sorted(s.users, (u) => String(u.external_id ?? u.email)),
    organizations: sorted(s.organizations, (o) => String(o.external_id)),
    memberships: sorted(s.memberships, (m) => `${String(m.user_id)}|${String(m.organization_id)}`),
    userFields: sorted(s.userFields, (f) => String(f.key)),
    organizationFields: sorted(s.organizationFields, (f) => String(f.key)),
    events: sorted(s.events, (e) => JSON.stringify(e)),
  };
}
const summary = (m: Map<string, Outcome>) =>
  Object.fromEntries(
    [...m].sort().map(([id, o]) => [id, o.kind === 'rejected' ? `rejected:${o.reason}` : o.kind]),
  );

let naive: { state: ReturnType<typeof normalize>; outcomes: Record<string, string>; requests: number };

beforeAll(async () => {
  // A throughput comparison, not a limits test: the account's rate limits are off (--limits none).
  sb = await startSandbox({ config: { strict: true, limits: NO_LIMITS } });
  await runNaive(destination('naive'), identifies()).then((o) => {
    naive = { state: normalize(sb.state()), outcomes: summary(o), requests: sb.requests().length };
  });
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sb.close();
});
const fresh = (patch: Parameters<Sandbox['configure']>[0] = {}) => {
  sb.reset();
  sb.configure({ bulkEnabled: true, ...patch });
  sb.clearRequests();
};
const count = (pred: (r: { method: string; path: string; status: number }) => boolean) =>
  sb.requests().filter(pred).length;

describe('500 identifies over 100 users, 20 lanes at once', () => {
  it('the baseline did real work: users created, fields defined, some missing_name', () => {
    expect(naive.state.users).toHaveLength(USERS);
    expect(naive.state.userFields.map((f) => f.key)).toEqual(
      expect.arrayContaining(['plan', 'seats', 'signup_date', 'vip']),
    );
    const reasons = Object.values(naive.outcomes);
    expect(reasons.filter((r) => r === 'rejected:missing_name')).toHaveLength(USERS / 10);
    expect(reasons.filter((r) => r === 'delivered')).toHaveLength(500 - USERS / 10);
    expect(naive.requests).toBeGreaterThan(500);
  });

  it('optimized: same state, same outcome per event, under 0.1 requests per event', async () => {
    fresh();
    const outcomes = await runLanes(destination('optimized'), identifies());
    expect(summary(outcomes)).toEqual(naive.outcomes);
    expect(normalize(sb.state())).toEqual(naive.state);
    const requests = sb.requests().length;
    expect(requests / 500).toBeLessThan(0.1);
    expect(count((r) => r.path.endsWith('/users/create_or_update'))).toBe(0);
    expect(count((r) => r.path.endsWith('/users/create_or_update_many'))).toBeGreaterThan(0);
    console.log(
      `identify: naive ${naive.requests} requests, optimized ${requests} (${(requests / 500).toFixed(3)}/event)`,
    );
  }, 60_000);

  it('bulk imports off (403): falls back to single upserts by itself, same state and outcomes', async () => {
    fresh({ bulkEnabled: false });
    const d = destination('optimized');
    const outcomes = await runLanes(d, identifies());
    expect(summary(outcomes)).toEqual(naive.outcomes);
    expect(normalize(sb.state())).toEqual(naive.state);
    // One refused job, then never again: single upserts, still coalesced (fewer than one per event).
    expect(count((r) => r.path.endsWith('/create_or_update_many'))).toBe(1);
    expect(count((r) => r.path.endsWith('/create_or_update_many') && r.status === 403)).toBe(1);
    const singles = count((r) => r.path.endsWith('/users/create_or_update'));
    expect(singles).toBeGreaterThan(0);
    expect(singles).toBeLessThan(naive.requests / 2);
    expect(d.batching?.bulk.enabled).toBe(false);
  }, 60_000);
});

describe('per-item failures', () => {
  it('a DuplicateValue item in a job rejects only that event (ambiguous_user); the others land', async () => {
    fresh();
    const d = destination('optimized');
    // Two users: the email of one and the external id of the other.
    await d.process({ type: 'identify', userId: 'a', traits: { name: 'A', email: 'shared@example.com' } });
    await d.process({ type: 'identify', userId: 'b', traits: { name: 'B' } });
    sb.clearRequests();
    const events: SegmentEvent[] = ['b', 'c', 'd', 'e'].map((id) => ({
      type: 'identify',
      userId: id,
      traits: { name: `New ${id}`, email: id === 'b' ? 'shared@example.com' : `${id}@example.com` },
    }));
    const out = await Promise.all(events.map((e) => d.process(e)));
    expect(out.map((o) => (o.kind === 'rejected' ? o.reason : o.kind))).toEqual([
      'ambiguous_user',
      'delivered',
      'delivered',
      'delivered',
    ]);
    const jobs = sb.requests().filter((r) => r.path.endsWith('/users/create_or_update_many'));
    expect(jobs).toHaveLength(1);
    expect((jobs[0]!.body as { users: unknown[] }).users).toHaveLength(4);
    const users = sb.state().users;
    expect(users.find((u) => u.external_id === 'b')).toMatchObject({ name: 'B', email: null });
    expect(users.map((u) => u.external_id).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  }, 30_000);
});

describe('mixed: identify, group and track across lanes', () => {
  // 40 users; groups over 5 organizations (identical traits per organization), tracks half allow-listed,
  // a company.remove, and groups/tracks of users that do not exist.
  function mixed(): SegmentEvent[][] {
    return Array.from({ length: 40 }, (_, u) => {
      const id = ext(u);
      const org = `org-${u % 5}`;
      const lane: SegmentEvent[] = [];
      if (u % 10 !== 9)
        lane.push({
          type: 'identify',
          userId: id,
          traits: { name: `Person ${u}`, email: `p${u}@example.com` },
        });
      lane.push({ type: 'group', userId: id, groupId: org, traits: { name: `Org ${u % 5}`, tier: u % 5 } });
      lane.push({
        type: 'track',
        userId: id,
        event: u % 2 ? 'Order Completed' : 'Viewed',
        properties: { n: u },
        timestamp: '2026-01-02T03:04:05Z',
      });
      lane.push({ type: 'identify', userId: id, traits: { plan: 'x' } });
      lane.push({
        type: 'group',
        userId: id,
        groupId: `org-${(u + 1) % 5}`,
        traits: { name: `Org ${(u + 1) % 5}`, tier: (u + 1) % 5 },
      });
      if (u % 7 === 0)
        lane.push({
          type: 'identify',
          userId: id,
          traits: { name: `Person ${u}`, company: { id: org, remove: true } },
        });
      return lane.map((e, i) => ({ ...e, messageId: `x-${u}-${i}` }));
    });
  }

  it('optimized lanes end where the naive one-by-one run ends, with fewer requests', async () => {
    fresh();
    const base = summary(await runNaive(destination('naive'), mixed()));
    const naiveState = normalize(sb.state());
    const naiveRequests = sb.requests().length;
    expect(naiveState.memberships.length).toBeGreaterThan(40);
    expect(naiveState.events.length).toBeGreaterThan(10);
    expect(Object.values(base)).toContain('rejected:user_not_found');

    fresh();
    const out = summary(await runLanes(destination('optimized'), mixed()));
    expect(out).toEqual(base);
    expect(normalize(sb.state())).toEqual(naiveState);
    expect(sb.requests().length).toBeLessThan(naiveRequests / 2);
    expect(count((r) => r.path.endsWith('organization_memberships/create_many'))).toBeGreaterThan(0);
  }, 60_000);
});
