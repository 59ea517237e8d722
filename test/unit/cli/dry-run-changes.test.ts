import { describe, expect, it } from 'vitest';
import { changesOf } from '../../../src/explain/dry-run-api.js';

describe('explain: what a write would change', () => {
  it('lists only the keys the input sets that differ, custom fields one level down', () => {
    const held = { name: 'Ann', email: 'a@x.io', user_fields: { plan: 'free', seats: 3 }, phone: null };
    expect(
      changesOf(held, {
        name: 'Ann B',
        email: 'a@x.io',
        phone: null,
        skip_verify_email: true,
        user_fields: { plan: 'pro', seats: 3, region: 'eu' },
      }),
    ).toEqual([
      { field: 'name', now: 'Ann', then: 'Ann B' },
      { field: 'user_fields.plan', now: 'free', then: 'pro' },
      { field: 'user_fields.region', now: undefined, then: 'eu' },
    ]);
  });

  it('against nothing (a record to create) every key set is a change', () => {
    expect(changesOf(null, { name: 'Acme', tags: ['a'] })).toEqual([
      { field: 'name', now: undefined, then: 'Acme' },
      { field: 'tags', now: undefined, then: ['a'] },
    ]);
  });
});
