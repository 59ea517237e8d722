import { describe, expect, it } from 'vitest';
import { FieldCatalog } from '../../../src/destination/fields-catalog.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { FakeZendeskApi } from '../destination/fake-zendesk-api.js';

const planTier = { key: 'plan_tier', type: 'text' as const, title: 'Plan tier' };

describe('FieldCatalog', () => {
  it('20 concurrent callers for the same missing key: one listing, one creation, all get the field', async () => {
    const api = new FakeZendeskApi();
    const catalog = new FieldCatalog(api, 'user');
    const results = await Promise.all(Array.from({ length: 20 }, () => catalog.ensure([planTier])));
    expect(api.methods()).toEqual(['listFields', 'createField']);
    const ids = new Set(results.map((m) => m.get('plan_tier')?.id));
    expect(ids.size).toBe(1);
    expect(api.fields.user.map((f) => f.key)).toEqual(['plan_tier']);
  });

  it('a creation race lost to another process (422 key taken) is resolved by re-reading', async () => {
    const api = new FakeZendeskApi();
    const catalog = new FieldCatalog(api, 'user');
    await catalog.all(); // cached: no plan_tier yet
    const theirs = api.addField('user', 'plan_tier', 'text'); // another process creates it meanwhile
    const got = await catalog.ensure([planTier]);
    expect(got.get('plan_tier')?.id).toBe(theirs.id);
    expect(api.methods()).toEqual(['listFields', 'createField', 'listFields']);
    expect(catalog.stats.raceRereads).toBe(1);
  });

  it('a 422 that is not a lost race leaves that definition out (after the re-read), never throws', async () => {
    const api = new FakeZendeskApi();
    api.failNext('createField', new ZendeskError('reject', 'Key is invalid', { status: 422 }));
    const notCreated: [string, string][] = [];
    const catalog = new FieldCatalog(api, 'user', { onNotCreated: (k, why) => notCreated.push([k, why]) });
    const got = await catalog.ensure([planTier, { key: 'seats', type: 'decimal', title: 'Seats' }]);
    expect(got.has('plan_tier')).toBe(false);
    expect(got.has('seats')).toBe(true);
    expect(notCreated).toEqual([['plan_tier', 'rejected']]);
    // Not remembered: the next event tries again.
    await catalog.ensure([planTier]);
    expect(api.fields.user.map((f) => f.key).sort()).toEqual(['plan_tier', 'seats']);
  });

  it('403 on creation (an agent token): left out, remembered for a while, then tried again', async () => {
    const api = new FakeZendeskApi();
    api.forbidFieldCreation = true;
    let t = 0;
    const notCreated: [string, string][] = [];
    const catalog = new FieldCatalog(api, 'user', {
      now: () => t,
      refusalMemoryMs: 60_000,
      onNotCreated: (k, why) => notCreated.push([k, why]),
    });
    expect((await catalog.ensure([planTier])).has('plan_tier')).toBe(false);
    expect(catalog.creationRefused).toBe(true);
    // No re-read for a 403: it is not a lost race.
    expect(api.methods()).toEqual(['listFields', 'createField']);
    t = 59_999;
    await catalog.ensure([planTier, { key: 'seats', type: 'decimal', title: 'Seats' }]);
    expect(api.methods()).toEqual(['listFields', 'createField']);
    expect(notCreated).toEqual([
      ['plan_tier', 'forbidden'],
      ['plan_tier', 'forbidden'],
      ['seats', 'forbidden'],
    ]);
    t = 60_000;
    api.forbidFieldCreation = false; // an admin gave the role the right meanwhile
    expect((await catalog.ensure([planTier])).has('plan_tier')).toBe(true);
    expect(catalog.creationRefused).toBe(false);
    expect(catalog.stats.refusals).toBe(1);
  });

  it('an outage during creation is rethrown as is (no re-read), and the next call tries again', async () => {
    const api = new FakeZendeskApi();
    api.failNext('createField', new ZendeskError('outage', 'down', { status: 503 }));
    const catalog = new FieldCatalog(api, 'user');
    await expect(catalog.ensure([planTier])).rejects.toMatchObject({ action: 'outage' });
    await catalog.ensure([planTier]);
    expect(api.methods()).toEqual(['listFields', 'createField', 'createField']);
  });

  it("matches keys case-insensitively and keeps Zendesk's spelling", async () => {
    const api = new FakeZendeskApi();
    api.addField('user', 'Plan_Tier', 'dropdown');
    const got = await new FieldCatalog(api, 'user').ensure([planTier]);
    expect(got.get('plan_tier')?.key).toBe('Plan_Tier');
    expect(api.methods()).toEqual(['listFields']);
  });

  it('scopes are separate catalogs', async () => {
    const api = new FakeZendeskApi();
    api.addField('organization', 'plan_tier', 'text');
    await new FieldCatalog(api, 'user').ensure([planTier]);
    expect(api.calls.map((c) => [c.method, c.args[0]])).toEqual([
      ['listFields', 'user'],
      ['createField', 'user'],
    ]);
  });
});
