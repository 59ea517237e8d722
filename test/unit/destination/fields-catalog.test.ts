import { describe, expect, it } from 'vitest';
import { FieldCatalog } from '../../../src/destination/fields-catalog.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { FakeZendeskApi } from './fake-zendesk-api.js';

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

  it('a 422 that is not a lost race is rethrown after the re-read', async () => {
    const api = new FakeZendeskApi();
    api.failNext('createField', new ZendeskError('reject', 'Key is invalid', { status: 422 }));
    const catalog = new FieldCatalog(api, 'user');
    await expect(catalog.ensure([planTier])).rejects.toMatchObject({ status: 422 });
    expect(api.methods()).toEqual(['listFields', 'createField', 'listFields']);
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
