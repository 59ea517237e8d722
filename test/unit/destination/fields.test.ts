import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  customFields,
  inferField,
  isoDate,
  toFieldKey,
  valueForType,
} from '../../../src/destination/fields.js';

describe('toFieldKey: trait key → Zendesk field key', () => {
  it.each([
    ['planTier', 'plan_tier'],
    ['plan_tier', 'plan_tier'],
    ['Plan Tier', 'plan_tier'],
    ['userID', 'user_id'],
    ['HTMLTitle', 'html_title'],
    ['total billed', 'total_billed'],
    ['order_completed_last_30days', 'order_completed_last_30days'],
    ['last30Days', 'last30_days'],
    ['café-au-lait', 'cafe_au_lait'],
    ['  --weird..key--  ', 'weird_key'],
    ['a__b', 'a_b'],
    ['X', 'x'],
    ['2fa', '2fa'],
    ['名前', null],
    ['123', null],
    ['1_2', null],
    ['', null],
    ['!!', null],
  ])('%j → %j', (input, expected) => {
    expect(toFieldKey(input)).toBe(expected);
  });

  // Words of two or more characters: in camelCase, one-letter words run together like an acronym ("aBC").
  const word = fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/);

  it('property: output is empty-or-valid — only [a-z0-9_], not only digits, no edge or double underscores', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const key = toFieldKey(s);
        if (key === null) return;
        expect(key).toMatch(/^[a-z0-9]+(?:_[a-z0-9]+)*$/);
        expect(key).not.toMatch(/^[0-9_]+$/);
      }),
    );
  });

  it('property: idempotent (a converted key converts to itself)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const key = toFieldKey(s);
        if (key !== null) expect(toFieldKey(key)).toBe(key);
      }),
    );
  });

  it('property: camelCase, snake_case, "Title Case" and kebab-case of the same words agree', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (words) => {
        const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
        const snake = words.join('_');
        const camel = words[0] + words.slice(1).map(cap).join('');
        const title = words.map(cap).join(' ');
        const kebab = words.join('-');
        expect(toFieldKey(snake)).toBe(snake);
        expect(toFieldKey(camel)).toBe(snake);
        expect(toFieldKey(title)).toBe(snake);
        expect(toFieldKey(kebab)).toBe(snake);
      }),
    );
  });
});

describe('inferField: value → field type and Zendesk value', () => {
  it.each([
    [true, 'checkbox', true],
    [false, 'checkbox', false],
    [5, 'decimal', 5],
    [-3, 'decimal', -3],
    [10, 'decimal', 10],
    [0, 'decimal', 0],
    [4.5, 'decimal', 4.5],
    [2 ** 60, 'decimal', 2 ** 60],
    ['pro', 'text', 'pro'],
    ['42', 'text', '42'],
    ['2025-12-24', 'date', '2025-12-24'],
    ['2026-03-01T10:00:00Z', 'date', '2026-03-01'],
    ['2026-03-01T23:30:00-05:00', 'date', '2026-03-01'],
    ['2026-03-01T10:00:00.123+02:00', 'date', '2026-03-01'],
    ['2026-02-30', 'text', '2026-02-30'],
    ['2026-13-01', 'text', '2026-13-01'],
    ['March 1, 2026', 'text', 'March 1, 2026'],
    ['', null, null],
    ['   ', null, null],
    [null, null, null],
  ] as const)('%j → %s %j', (value, type, zendesk) => {
    expect(inferField(value)).toEqual({ type, value: zendesk });
  });

  it('isoDate keeps the calendar date as written', () => {
    expect(isoDate('2024-02-29')).toBe('2024-02-29');
    expect(isoDate('2023-02-29')).toBeNull();
    expect(isoDate('2024-01-01T25:00:00Z')).toBeNull();
  });

  it('valueForType shapes a value for a field that already exists with another type', () => {
    const date = { key: 'd', type: 'date' as const, value: '2026-03-01', raw: '2026-03-01T10:00:00Z' };
    expect(valueForType(date, 'text')).toBe('2026-03-01T10:00:00Z');
    expect(valueForType(date, 'date')).toBe('2026-03-01');
    expect(valueForType({ key: 'n', type: 'integer', value: 5, raw: 5 }, 'text')).toBe('5');
    expect(valueForType({ key: 'b', type: 'text', value: 'true', raw: 'true' }, 'checkbox')).toBe(true);
    expect(valueForType({ key: 'c', type: null, value: null, raw: '' }, 'text')).toBeNull();
  });
});

describe('customFields: flattening and reporting', () => {
  it('flattens nested objects, reports arrays, and never lets an object or array through', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 4 })), (traits) => {
        const { fields } = customFields(traits as never, new Set());
        for (const f of fields) {
          expect(f.value === null || ['string', 'number', 'boolean'].includes(typeof f.value)).toBe(true);
          expect(f.key).toMatch(/^[a-z0-9_]+$/);
        }
        expect(new Set(fields.map((f) => f.key)).size).toBe(fields.length);
      }),
    );
  });

  it('a flattened key and a top-level key of the same name: the top-level one wins, reported', () => {
    const r = customFields({ address: { city: 'A' }, address_city: 'B' }, new Set());
    expect(r.fields).toEqual([{ key: 'address_city', type: 'text', value: 'B', raw: 'B' }]);
    expect(r.problems).toHaveLength(1);
  });

  it('reports over-deep nesting', () => {
    const r = customFields({ a: { b: { c: { d: { e: 1 } } } } }, new Set());
    expect(r.fields).toEqual([]);
    expect(r.problems.join()).toMatch(/nested deeper/);
  });

  it('reports problems by trait name, never by value', () => {
    const r = customFields({ emails: ['secret@example.com'] }, new Set());
    expect(r.problems.join()).not.toContain('secret@example.com');
  });
});
