import type { JsonObject, JsonValue } from '../segment/event.js';
import { toFieldKey } from './fields.js';

/**
 * Reading loosely typed Segment values. Segment libraries send ids as strings, but numeric userIds
 * and groupIds do arrive; both are ids. Empty and blank strings are treated as absent.
 */
export function idString(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function nonEmptyString(value: JsonValue | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

export function asObject(value: unknown): JsonObject | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;
}

/**
 * Traits with standard attributes spelled another way (`Email`, `time_zone`, `organization_id`,
 * `Phone` …) renamed to the spelling the planner reads, so they map to the attribute and never to
 * a custom field of that name. `spellings` maps a snake_case key to the canonical trait key. When
 * several traits mean one attribute, the canonical spelling wins, else the first; the others are
 * reported and sent nowhere.
 */
export function canonicalTraits(
  traits: JsonObject,
  spellings: Readonly<Record<string, string>>,
): { traits: JsonObject; problems: string[] } {
  const out: JsonObject = {};
  const problems: string[] = [];
  const from = new Map<string, string>();
  for (const key in traits) {
    if (!Object.hasOwn(traits, key)) continue;
    const canonical = Object.hasOwn(spellings, key) ? spellings[key]! : spellingOf(key, spellings);
    if (canonical === undefined) {
      if (!from.has(key)) setOwn(out, key, traits[key]!);
      continue;
    }
    const held = from.get(canonical);
    if (held === undefined || (key === canonical && held !== canonical)) {
      if (held !== undefined)
        problems.push(`traits "${held}" and "${key}" both mean ${canonical}; "${key}" was used`);
      setOwn(out, canonical, traits[key]!);
      from.set(canonical, key);
    } else {
      problems.push(`traits "${held}" and "${key}" both mean ${canonical}; "${held}" was used`);
    }
  }
  return { traits: out, problems };
}

/** `out[key] = value` that stays an own property even for `__proto__` (a plain assignment would set the prototype and lose the trait). */
function setOwn(out: JsonObject, key: string, value: JsonObject[string]): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function spellingOf(key: string, spellings: Readonly<Record<string, string>>): string | undefined {
  const snake = toFieldKey(key);
  return snake !== null && Object.hasOwn(spellings, snake) ? spellings[snake] : undefined;
}
