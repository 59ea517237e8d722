// Pure pieces of the sandbox, without HTTP or clock.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { coerce } from '../../../src/sandbox/custom-values.js';
import { FixedWindow, formatSeconds } from '../../../src/sandbox/limits.js';
import { cursorPage, offsetPage } from '../../../src/sandbox/pagination.js';
import { Router } from '../../../src/sandbox/router.js';
import { deepMerge, defaultConfig } from '../../../src/sandbox/config.js';
import { ApiError } from '../../../src/sandbox/errors.js';
import type { FieldRec } from '../../../src/sandbox/store.js';

const field = (type: FieldRec['type']): FieldRec => ({
  id: 1,
  scope: 'user',
  key: 'k',
  type,
  title: 'K',
  description: '',
  position: 0,
  active: true,
  regexp_for_validation: null,
  tag: null,
  custom_field_options: null,
  created_at: '',
  updated_at: '',
});

describe('sandbox units', () => {
  it.each([
    ['checkbox', true, true],
    ['checkbox', '0', false],
    ['checkbox', 'yes', undefined],
    ['integer', '-7', -7],
    ['integer', 2.5, undefined],
    ['decimal', '5.1', 5.1],
    ['decimal', 'x', undefined],
    ['date', '2012-07-23', '2012-07-23T00:00:00Z'],
    ['date', '2012-07-23T23:59:59+02:00', '2012-07-23T00:00:00Z'],
    ['date', '23/07/2012', undefined],
    ['text', 12, '12'],
    ['text', { a: 1 }, undefined],
    ['text', null, null],
  ] as const)('coerce %s %j → %j', (type, value, expected) => {
    expect(coerce(field(type), value)).toEqual(expected);
  });

  it('offset pagination past 10,000 records is 400 InvalidPaginationDepth', () => {
    const q = new URLSearchParams('page=101&per_page=100');
    expect(() => offsetPage([], q, 'u', 'x')).toThrow(ApiError);
    expect(offsetPage([1, 2, 3], new URLSearchParams('page=100&per_page=100'), 'u', 'x').x).toEqual([]);
  });

  it('cursor pagination visits every item exactly once, for any size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 250 }), fc.integer({ min: 1, max: 120 }), (n, size) => {
        const items = Array.from({ length: n }, (_, i) => i);
        const seen: number[] = [];
        let q = new URLSearchParams({ 'page[size]': String(size) });
        for (let guard = 0; guard < 1000; guard++) {
          const page = cursorPage(items, q, 'http://x/y', 'items') as {
            items: number[];
            meta: { has_more: boolean; after_cursor: string };
          };
          seen.push(...page.items);
          if (!page.meta.has_more) break;
          q = new URLSearchParams({ 'page[size]': String(size), 'page[after]': page.meta.after_cursor });
        }
        expect(seen).toEqual(items);
      }),
    );
  });

  it('a fixed window allows limit hits, then reports the time left', () => {
    const w = new FixedWindow();
    expect(w.hit('k', 2, 1000, 0).allowed).toBe(true);
    expect(w.hit('k', 2, 1000, 100)).toMatchObject({ allowed: true, remaining: 0 });
    expect(w.hit('k', 2, 1000, 400)).toEqual({ allowed: false, limit: 2, remaining: 0, resetMs: 600 });
    expect(w.hit('other', 2, 1000, 400).allowed).toBe(true);
    expect(w.hit('k', 2, 1000, 1000).allowed).toBe(true);
  });

  it('Retry-After is whole seconds (at least 1) at real speed and a decimal when scaled', () => {
    expect(formatSeconds(1, 1)).toBe('1');
    expect(formatSeconds(40_000, 1)).toBe('40');
    expect(formatSeconds(40_001, 1)).toBe('41');
    expect(formatSeconds(750, 60)).toBe('0.75');
  });

  it('the router prefers static segments and :id matches digits only', () => {
    const r = new Router();
    const h = () => ({ status: 200 });
    r.add([
      { method: 'GET', pattern: '/api/v2/users/:id', handler: h },
      { method: 'GET', pattern: '/api/v2/users/search', handler: h },
      { method: 'GET', pattern: '/api/v2/user_fields/:key', handler: h },
    ]);
    expect(r.match('GET', '/api/v2/users/search')?.route.pattern).toBe('/api/v2/users/search');
    expect(r.match('GET', '/api/v2/users/12')?.params).toEqual({ id: '12' });
    expect(r.match('GET', '/api/v2/users/abc')).toBeUndefined();
    expect(r.match('GET', '/api/v2/user_fields/plan')?.params).toEqual({ key: 'plan' });
    expect(r.match('POST', '/api/v2/users/12')).toBeUndefined();
  });

  it('deepMerge merges objects, replaces arrays and keeps null', () => {
    const c = deepMerge(defaultConfig(), { auth: { tokens: ['a'] }, limits: { accountPerMinute: 5 } });
    expect(c.auth.tokens).toEqual(['a']);
    expect(c.auth.revoked).toBe(false);
    expect(deepMerge(c, { limits: { accountPerMinute: null } }).limits.accountPerMinute).toBeNull();
  });
});
