import type { JsonObject, JsonValue } from '../segment/event.js';

/**
 * The name of a person from Segment traits (SPEC section 2): `name`, or first + last name in either
 * spelling (`firstName`/`first_name`, `lastName`/`last_name`) joined with a space. Whitespace is
 * collapsed so "  Ada   Lovelace " and "Ada Lovelace" are the same name to Zendesk.
 */
export interface PersonName {
  /** The full name for Zendesk's `name`. */
  name: string;
  /** For `first_name`/`last_name` custom fields, written only where those fields exist. */
  firstName: string;
  /** null: the name has a single word, so a stale last name is cleared. */
  lastName: string | null;
}

/** Keys that are name parts: consumed here, never sent as custom fields. */
export const NAME_PART_KEYS: ReadonlySet<string> = new Set([
  'firstName',
  'first_name',
  'lastName',
  'last_name',
]);

const collapse = (s: string): string => s.trim().replace(/\s+/gu, ' ');

function text(value: JsonValue | undefined): string {
  if (typeof value === 'string') return collapse(value);
  // A number is a valid (if odd) name part; booleans, objects and null are not names.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

/** Splits a full name into first word / rest. */
export function splitName(full: string): { firstName: string; lastName: string | null } {
  const name = collapse(full);
  const space = name.indexOf(' ');
  if (space < 0) return { firstName: name, lastName: null };
  return { firstName: name.slice(0, space), lastName: name.slice(space + 1) };
}

export function personName(traits: JsonObject): PersonName | null {
  const full = text(traits.name);
  if (full !== '') return { name: full, ...splitName(full) };
  const first = text(traits.firstName) || text(traits.first_name);
  const last = text(traits.lastName) || text(traits.last_name);
  if (first === '' && last === '') return null;
  // Given separately, the parts are kept as given ("Mary Ann" stays one first name).
  return {
    name: [first, last].filter((p) => p !== '').join(' '),
    firstName: first,
    lastName: last === '' ? null : last,
  };
}
