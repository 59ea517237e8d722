import type { JsonObject } from '../segment/event.js';
import type { CustomFieldType } from '../zendesk/api.js';

/**
 * Custom fields from Segment traits (SPEC section 2, "Every other trait"): key conversion to
 * Zendesk's key rules, type inference from the value, flattening of nested objects. Pure.
 */

export type FieldScalar = string | number | boolean;

/** One custom-field value to write, keyed by the Zendesk field key. */
export interface FieldWrite {
  key: string;
  /** Type for creating a missing definition; null when the value cannot type one (null, ""). */
  type: CustomFieldType | null;
  /** The value for a field of `type`; null clears the field (sent only if the field exists). */
  value: FieldScalar | null;
  /** The trait value as sent by Segment, for a field that already exists with another type. */
  raw: FieldScalar | null;
}

// Zendesk: "only letters, numbers, and underscores. It can't be only numbers." Letters are taken
// as ASCII: accents are folded (é → e), anything else becomes a separator.
const COMBINING_MARKS = /[\u0300-\u036f]/g;

/**
 * Trait key → Zendesk field key in snake_case: `planTier`, `plan_tier`, `Plan Tier` → `plan_tier`;
 * `userID` → `user_id`; `HTMLTitle` → `html_title`. Returns null for a key that would be empty or
 * only digits (reported by the caller, never sent).
 */
export function toFieldKey(traitKey: string): string | null {
  // Events of one source repeat the same few trait names: each is converted once.
  let known = FIELD_KEYS.get(traitKey);
  if (known === undefined) {
    if (FIELD_KEYS.size >= FIELD_KEYS_MAX) FIELD_KEYS.clear();
    known = convertKey(traitKey);
    FIELD_KEYS.set(traitKey, known);
  }
  return known;
}

const FIELD_KEYS = new Map<string, string | null>();
const FIELD_KEYS_MAX = 10_000;

function convertKey(traitKey: string): string | null {
  const key = traitKey
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2') // camelCase boundary: planTier → plan_Tier
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2') // acronym before a word: HTMLTitle → HTML_Title
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase()
    .replace(/^_+|_+$/g, '');
  if (key === '' || /^[0-9_]+$/.test(key)) return null;
  return key;
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * `YYYY-MM-DD` for an ISO 8601 date or date-time, else null. The calendar date is taken as written
 * (the writer's local date), not shifted to UTC: "2024-03-01T23:30:00-05:00" is March 1st.
 */
export function isoDate(value: string): string | null {
  const text = value.trim();
  // Most strings are not dates: only a digit followed by three more digits and a dash can start one.
  if (text.length < 10 || text.charCodeAt(4) !== 45 /* - */) return null;
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day)
    return null;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)))
    return null;
  return `${y}-${mo}-${d}`;
}

/** Type and Zendesk value for a scalar trait value. */
export function inferField(value: FieldScalar | null): {
  type: CustomFieldType | null;
  value: FieldScalar | null;
} {
  if (value === null) return { type: null, value: null };
  if (typeof value === 'boolean') return { type: 'checkbox', value };
  // Any number is decimal: JSON does not tell 10 from 10.0, and an integer field made from a
  // first value of 10 would refuse the 9.99 that follows.
  if (typeof value === 'number') return { type: 'decimal', value };
  // An empty string means "no value": clear the field, but never create a definition for it.
  if (value.trim() === '') return { type: null, value: null };
  const date = isoDate(value);
  if (date !== null) return { type: 'date', value: date };
  return { type: 'text', value };
}

/**
 * The value to send to a field that already exists as `existing`: a trait typed one way may land
 * on a definition someone made another way (a date string into a text field). Values Zendesk
 * cannot take are sent anyway, so that Zendesk's 422 names the problem instead of us hiding it.
 */
export function valueForType(write: FieldWrite, existing: CustomFieldType): FieldScalar | null {
  if (write.value === null) return null;
  switch (existing) {
    case 'text':
    case 'textarea':
    case 'regexp':
      return write.raw === null ? null : String(write.raw);
    case 'checkbox':
      if (write.raw === 'true') return true;
      if (write.raw === 'false') return false;
      return write.value;
    case 'date':
      return typeof write.raw === 'string' ? (isoDate(write.raw) ?? write.raw) : write.value;
    default:
      return write.value;
  }
}

export const MAX_NESTING = 4;

export interface FieldsResult {
  fields: FieldWrite[];
  /** Human-readable problems: trait names and what was done, never trait values. */
  problems: string[];
}

interface Candidate {
  key: string;
  path: string;
  exact: boolean;
  value: FieldScalar | null;
}

function collect(
  obj: JsonObject,
  prefix: string | null,
  pathPrefix: string,
  depth: number,
  out: Candidate[],
  problems: string[],
  exclude?: ReadonlySet<string>,
): void {
  for (const traitKey in obj) {
    if (!Object.hasOwn(obj, traitKey) || exclude?.has(traitKey)) continue;
    const value = obj[traitKey]!;
    const path = pathPrefix === '' ? traitKey : `${pathPrefix}.${traitKey}`;
    const own = toFieldKey(traitKey);
    if (own === null) {
      problems.push(`trait "${path}" has no usable field key (empty or only digits); not sent`);
      continue;
    }
    const key = prefix === null ? own : `${prefix}_${own}`;
    if (Array.isArray(value)) {
      problems.push(`trait "${path}" is an array; arrays are not sent to custom fields`);
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_NESTING) {
        problems.push(`trait "${path}" is nested deeper than ${MAX_NESTING} levels; not sent`);
      } else {
        collect(value, key, path, depth + 1, out, problems);
      }
    } else {
      out.push({ key, path, exact: prefix === null && traitKey === key, value });
    }
  }
}

/**
 * Custom fields for every trait not in `exclude`. Nested objects become `parent_child` keys;
 * arrays, unusable keys and over-deep nesting are reported. When several traits convert to the
 * same key, the trait already spelled as the key wins, else the first one; the others are reported.
 */
export function customFields(traits: JsonObject, exclude: ReadonlySet<string>): FieldsResult {
  const problems: string[] = [];
  const candidates: Candidate[] = [];
  collect(traits, null, '', 1, candidates, problems, exclude);

  const chosen = new Map<string, Candidate>();
  for (const c of candidates) {
    const held = chosen.get(c.key);
    if (held === undefined) {
      chosen.set(c.key, c);
    } else if (c.exact && !held.exact) {
      problems.push(
        `traits "${held.path}" and "${c.path}" both map to field "${c.key}"; "${c.path}" was sent`,
      );
      chosen.set(c.key, c);
    } else {
      problems.push(
        `traits "${held.path}" and "${c.path}" both map to field "${c.key}"; "${held.path}" was sent`,
      );
    }
  }
  const fields = [...chosen.values()].map((c): FieldWrite => ({
    key: c.key,
    ...inferField(c.value),
    raw: c.value,
  }));
  return { fields, problems };
}

/** A readable title for a new definition: `plan_tier` → "Plan tier". */
export function fieldTitle(key: string): string {
  const words = key.replace(/_+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
