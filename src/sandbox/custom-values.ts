/**
 * Custom field values (user_fields / organization_fields): Zendesk stores them typed and answers
 * with the stored form, e.g. a date comes back as "2012-07-23T00:00:00Z" and a decimal as 5.1 [U].
 */
import { invalid } from './errors.js';
import type { FieldRec, FieldScope, Store } from './store.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;

/** The stored form of one value, or undefined when the value does not fit the type. */
export function coerce(field: FieldRec, value: unknown): unknown {
  if (value === null || value === '') return null;
  switch (field.type) {
    case 'checkbox':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1' || value === 1) return true;
      if (value === 'false' || value === '0' || value === 0) return false;
      return undefined;
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
    }
    case 'decimal': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
    }
    case 'date': {
      if (typeof value !== 'string') return undefined;
      const m = DATE.exec(value);
      if (!m) return undefined;
      const d = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`)
        return undefined;
      return `${m[1]}-${m[2]}-${m[3]}T00:00:00Z`;
    }
    case 'dropdown':
    case 'lookup': {
      const s = typeof value === 'number' ? String(value) : value;
      if (typeof s !== 'string') return undefined;
      if (field.custom_field_options && !field.custom_field_options.some((o) => o.value === s))
        return undefined;
      return s;
    }
    case 'multiselect':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return undefined;
      if (
        field.custom_field_options &&
        !value.every((v) => field.custom_field_options?.some((o) => o.value === v))
      )
        return undefined;
      return [...value];
    case 'regexp': {
      if (typeof value !== 'string') return undefined;
      return field.regexp_for_validation && !new RegExp(field.regexp_for_validation).test(value)
        ? undefined
        : value;
    }
    default:
      // text, textarea: Zendesk stores scalars as strings; objects and arrays are not text.
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return undefined;
  }
}

/**
 * Merges `input` into `current`. Keys with no definition are ignored or rejected, by config
 * (Zendesk's behaviour is UNCONFIRMED). The detail texts are the sandbox's own: Zendesk's are not recorded.
 */
export function applyCustomValues(
  store: Store,
  scope: FieldScope,
  current: Record<string, unknown>,
  input: unknown,
  unknownKeys: 'ignore' | 'error',
): Record<string, unknown> {
  const attr = scope === 'user' ? 'user_fields' : 'organization_fields';
  if (input === undefined || input === null) return current;
  if (typeof input !== 'object' || Array.isArray(input))
    throw invalid(attr, `${attr}: must be an object keyed by field key`, 'InvalidValue');
  const out = { ...current };
  for (const [key, raw] of Object.entries(input)) {
    const field = store.field(scope, key);
    if (!field || field.key !== key) {
      if (unknownKeys === 'error')
        throw invalid(attr, `${attr}: ${key} is not a defined ${scope} field key`, 'InvalidValue');
      continue;
    }
    const value = coerce(field, raw);
    if (value === undefined)
      throw invalid(key, `${field.title}: is invalid for a ${field.type} field`, 'InvalidValue');
    out[key] = value;
  }
  return out;
}
