import type { JsonObject, JsonValue } from '../segment/event.js';

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
