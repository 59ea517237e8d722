/**
 * Failure handling against the sandbox over HTTP: injected 5xx, dropped connections, timeouts,
 * conflicts, a revoked credential, Zendesk's 422, bulk imports off, and the OAuth grant.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { ZendeskClient, type ZendeskClientOptions } from '../../../src/zendesk/client.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';

let sb: Sandbox;
const clients: ZendeskClient[] = [];

beforeAll(async () => {
  sb = await startSandbox({ config: { strict: true } });
});
beforeEach(() => {
  sb.reset();
  sb.configure({
    auth: { revoked: false, oauthClients: [{ id: 'cid', secret: 'client-secret-xyz' }] },
    faults: { latencyMs: 0, jitterMs: 0, errorRatio: 0, conflictRatio: 0, dropRatio: 0, seed: 7 },
    bulkEnabled: true,
    jobDurationMs: 0,
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sb.close();
});

function client(over: Partial<ZendeskClientOptions> = {}) {
  const c = new ZendeskClient({
    baseUrl: sb.url,
    auth: { kind: 'bearer', token: 'sandbox-token' },
    retryBaseMs: 10,
    retryCapMs: 100,
    ...over,
  });
  clients.push(c);
  return c;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a ZendeskError');
    },
    (e: unknown) => {
      if (!(e instanceof ZendeskError)) throw e;
      return e;
    },
  );

describe('transient failures', () => {
  it('5xx and dropped connections are retried and then succeed, with no duplicate writes', async () => {
    const c = client();
    const { user } = await c.createOrUpdateUser({ name: 'Flaky', external_id: 'flaky' });
    sb.configure({ faults: { errorRatio: 0.25, dropRatio: 0.15, seed: 11 } });
    const retries: string[] = [];
    const c2 = client({ hooks: { onRetry: (r) => retries.push(r.reason) } });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        c2.createUserEvent(
          user.id,
          { type: 'ping', source: 'segment', properties: { i } },
          { source: 'segment', type: 'customer', identifiers: [{ type: 'external_id', value: 'flaky' }] },
        ),
      ),
    );
    const log = sb.requests().filter((r) => r.path.endsWith('/events'));
    const dropped = log.filter((r) => r.status === 0).length;
    const errors = log.filter((r) => r.status >= 500).length;
    expect(dropped).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
    expect(retries).toContain('5xx');
    expect(retries).toContain('network');
    // Every event exactly once: a dropped or failed request wrote nothing.
    const is = sb
      .state()
      .events.map((e) => (e.event.properties as { i: number }).i)
      .sort((a, b) => a - b);
    expect(is).toEqual(Array.from({ length: 40 }, (_, i) => i));
  }, 30_000);

  it('a request slower than the timeout is retried, and an outage once the budget is spent', async () => {
    sb.configure({ faults: { latencyMs: 300 } });
    const c = client({ requestTimeoutMs: 50, maxRetryTimeMs: 400 });
    const e = await failure(c.showUser(1));
    expect(e.action).toBe('outage');
    expect(e.code).toBe('Timeout');
    expect(e.attempts).toBeGreaterThan(1);
  }, 30_000);

  it('Zendesk unreachable is an outage', async () => {
    const c = client({ baseUrl: 'http://127.0.0.1:1', maxRetryTimeMs: 200 });
    const e = await failure(c.showUser(1));
    expect(e).toMatchObject({ action: 'outage', code: 'ConnectionError' });
  });

  it('5xx on every try: an outage after the budget (pause, never dead-letter)', async () => {
    sb.configure({ faults: { errorRatio: 1 } });
    const c = client({ maxRetryTimeMs: 300 });
    const e = await failure(c.createOrUpdateUser({ name: 'X', external_id: 'x' }));
    expect(e.action).toBe('outage');
    expect([500, 503]).toContain(e.status);
  });

  it('409 on every try: a reject with DatabaseConflict', async () => {
    sb.configure({ faults: { conflictRatio: 1 } });
    const c = client({ maxRetryTimeMs: 300 });
    const e = await failure(c.createOrUpdateUser({ name: 'X', external_id: 'x' }));
    expect(e).toMatchObject({ action: 'reject', status: 409, code: 'DatabaseConflict' });
  });
});

describe('final answers', () => {
  it('a revoked credential is an outage', async () => {
    sb.configure({ auth: { revoked: true } });
    const e = await failure(client().showUser(1));
    expect(e).toMatchObject({ action: 'outage', status: 401 });
  });

  it('a wrong token is an outage', async () => {
    const e = await failure(client({ auth: { kind: 'bearer', token: 'wrong' } }).showUser(1));
    expect(e).toMatchObject({ action: 'outage', status: 401 });
  });

  it('a 422 is a reject with Zendesk details kept', async () => {
    const e = await failure(client().createOrUpdateUser({ name: 'Bad', email: 'not-an-email' }));
    expect(e.action).toBe('reject');
    expect(e.status).toBe(422);
    expect(e.code).toBe('RecordInvalid');
    expect(e.details).toEqual({
      email: [{ description: 'Email: not-an-email is not properly formatted', error: 'InvalidFormat' }],
    });
    expect(e.attempts).toBe(1);
  });

  it('email and external id of two different users: 422 DuplicateValue in the details', async () => {
    const c = client();
    await c.createOrUpdateUser({ name: 'A', email: 'a@example.com' });
    await c.createOrUpdateUser({ name: 'B', external_id: 'b' });
    const e = await failure(c.createOrUpdateUser({ name: 'B', external_id: 'b', email: 'a@example.com' }));
    expect(e).toMatchObject({ action: 'reject', status: 422 });
    expect(JSON.stringify(e.details)).toContain('DuplicateValue');
  });

  it('events API errors keep their code (400 for the reserved source)', async () => {
    const c = client();
    const { user } = await c.createOrUpdateUser({ name: 'Ev', external_id: 'ev' });
    const e = await failure(c.createUserEvent(user.id, { type: 't', source: 'zendesk', properties: {} }));
    expect(e).toMatchObject({ action: 'reject', status: 400, code: 'InvalidValue' });
  });

  it('bulk imports off: BulkImportsDisabled reject', async () => {
    sb.configure({ bulkEnabled: false });
    const c = client();
    const e = await failure(c.createOrUpdateManyUsers([{ name: 'A', external_id: 'a' }]));
    expect(e).toMatchObject({ action: 'reject', code: 'BulkImportsDisabled', status: 403 });
  });
});

describe('the endpoints, end to end (strict sandbox: nothing undocumented is sent)', () => {
  it('OAuth client credentials, users, fields, organizations, memberships, events, bulk', async () => {
    sb.configure({ jobDurationMs: 60 });
    const c = client({
      auth: { kind: 'oauth-client', clientId: 'cid', clientSecret: 'client-secret-xyz' },
      jobPollInitialMs: 20,
    });
    const created = await c.createOrUpdateUser({
      name: 'Ada',
      email: 'ada@example.com',
      external_id: 'ada',
      skip_verify_email: true,
    });
    expect(created.created).toBe(true);
    const again = await c.createOrUpdateUser({ name: 'Ada L', external_id: 'ada' });
    expect(again).toMatchObject({ created: false, user: { id: created.user.id, name: 'Ada L' } });
    expect((await c.updateUser(created.user.id, { phone: '+15550100' })).phone).toBe('+15550100');
    expect((await c.searchUsers({ email: 'ada@example.com' })).map((u) => u.id)).toEqual([created.user.id]);
    expect((await c.searchUsers({ externalId: 'ADA' })).map((u) => u.id)).toEqual([created.user.id]);
    expect((await c.showManyUsers({ externalIds: ['ada', 'nobody'] })).map((u) => u.id)).toEqual([
      created.user.id,
    ]);
    expect((await c.showManyUsers({ ids: [created.user.id] })).length).toBe(1);

    for (let i = 0; i < 120; i++)
      await c.createField('user', { key: `k${i}`, type: 'text', title: `K ${i}` });
    expect(await c.listFields('user')).toHaveLength(120);
    await c.deleteField('user', 'k0');
    expect(await c.listFields('user')).toHaveLength(119);
    const of = await c.createField('organization', { key: 'url', type: 'text', title: 'URL' });
    expect(of.key).toBe('url');

    const { organization, created: orgCreated } = await c.createOrUpdateOrganization({
      name: 'Acme',
      external_id: 'acme',
    });
    expect(orgCreated).toBe(true);
    expect((await c.searchOrganizations({ externalId: 'acme' }))[0]?.id).toBe(organization.id);
    expect((await c.searchOrganizations({ name: 'acme' }))[0]?.id).toBe(organization.id);
    expect((await c.showOrganization(organization.id))?.name).toBe('Acme');

    const m1 = await c.createMembership(created.user.id, organization.id);
    expect(m1.existed).toBe(false);
    const m2 = await c.createMembership(created.user.id, organization.id);
    expect(m2).toEqual({ membership: expect.objectContaining({ id: m1.membership?.id }), existed: true });
    expect(await c.listUserMemberships(created.user.id)).toHaveLength(1);
    await c.deleteMembership(m1.membership!.id);
    expect(await c.listUserMemberships(created.user.id)).toHaveLength(0);

    await c.createUserEvent(
      created.user.id,
      { type: 'Order Completed', source: 'segment', properties: { total: 3 } },
      {
        source: 'segment',
        type: 'customer',
        identifiers: [{ type: 'external_id', value: created.user.external_id! }],
      },
    );
    expect(sb.state().events).toHaveLength(1);

    const bulk = await c.createOrUpdateManyUsers([
      { name: 'B1', external_id: 'b1' },
      { name: 'Ada again', external_id: 'ada' },
      { name: 'Bad', email: 'bad' },
    ]);
    expect(bulk[0]).toMatchObject({ index: 0, ok: true, action: 'create' });
    expect(bulk[1]).toEqual({ index: 1, ok: true, id: created.user.id, action: 'update' });
    expect(bulk[2]).toMatchObject({ index: 2, ok: false, error: { code: 'RecordInvalid' } });
    const b1 = bulk[0]!.ok ? bulk[0]!.id : 0;
    const ms = await c.createManyMemberships([
      { user_id: b1, organization_id: organization.id },
      { user_id: b1, organization_id: organization.id },
    ]);
    expect(ms.map((r) => r.ok)).toEqual([true, false]);

    await c.deleteOrganization(organization.id);
    expect(await c.showOrganization(organization.id)).toBeNull();
    expect(await c.showUser(999_999)).toBeNull();
    // Strict mode would have answered 400 to any undocumented key.
    expect(sb.requests().filter((r) => r.status === 400 && !r.path.endsWith('/events'))).toHaveLength(0);
    expect(sb.requests().filter((r) => r.path === '/oauth/tokens')).toHaveLength(1);
  }, 60_000);

  it('organizations in bulk: show_many by external ids, create_many by index, update_many results in input order', async () => {
    const c = client();
    const { organization: a } = await c.createOrUpdateOrganization({ name: 'A', external_id: 'org-a' });
    const { organization: b } = await c.createOrUpdateOrganization({ name: 'B', external_id: 'org-b' });
    const found = await c.showManyOrganizations(['ORG-B', 'org-a', 'org-none']);
    expect(found.map((o) => o.id).sort()).toEqual([a.id, b.id].sort());

    const created = await c.createManyOrganizations([
      { name: 'C', external_id: 'org-c' },
      { name: 'A', external_id: 'org-dup-name' },
    ]);
    expect(created[0]).toMatchObject({ index: 0, ok: true, action: 'create' });
    expect(created[1]).toMatchObject({ index: 1, ok: false });

    // Zendesk's update results carry no index: they are taken in input order.
    const updated = await c.updateManyOrganizations([
      { id: b.id, name: 'B2', external_id: 'org-b' },
      { id: a.id, name: 'A2', external_id: 'org-a', tags: ['x'] },
    ]);
    expect(updated).toEqual([
      { index: 0, ok: true, id: b.id, action: 'update' },
      { index: 1, ok: true, id: a.id, action: 'update' },
    ]);
    expect((await c.showOrganization(a.id))?.name).toBe('A2');
    expect((await c.showOrganization(b.id))?.name).toBe('B2');
    // Strict mode would have answered 400 to any undocumented key or parameter.
    expect(sb.requests().filter((r) => r.status === 400)).toHaveLength(0);
  }, 60_000);
});
