/**
 * Reading a Zendesk refusal: is it this event's fault at all, and which of the values sent did
 * Zendesk name (a custom field, an attribute, a taken name, a duplicate identity)?
 */
import { isObject } from '../ops/json.js';
import { isZendeskError, type ZendeskError } from '../zendesk/errors.js';

/** Only a `reject` is this event's fault; `retry`/`outage` and non-Zendesk errors propagate. */
export function rejection(err: unknown): ZendeskError | null {
  return isZendeskError(err) && err.action === 'reject' ? err : null;
}

/** Zendesk's own 404 (a reject): the thing is gone. A proxy's 404 is an outage and is rethrown. */
export const isGone = (err: unknown): boolean =>
  isZendeskError(err) && err.status === 404 && err.action === 'reject';

/** A 403 on one endpoint: a capability this account or role lacks (SPEC 1a), not an outage. */
export function isForbidden(err: ZendeskError): boolean {
  return err.status === 403 && err.code !== 'BulkImportsDisabled';
}

export function isDuplicateValue(err: ZendeskError): boolean {
  if (err.code === 'DuplicateValue') return true;
  return (
    JSON.stringify(err.details ?? null).includes('DuplicateValue') || /already being used/i.test(err.message)
  );
}

export function isNameTaken(err: ZendeskError): boolean {
  const details = err.details;
  if (details !== null && typeof details === 'object' && 'name' in details) {
    return /already been taken|DuplicateValue/i.test(JSON.stringify((details as { name: unknown }).name));
  }
  return /name\b[^.]*already been taken/i.test(err.message);
}

/** Attributes of our own (not custom fields): Zendesk refusing one of these refuses the event. */
const ATTRIBUTE_KEYS = new Set([
  'email',
  'name',
  'external_id',
  'phone',
  'time_zone',
  'organization_id',
  'verified',
  'domain_names',
  'tags',
  'id',
]);
const CUSTOM_CONTAINERS = new Set(['user_fields', 'organization_fields', 'custom_fields', 'base']);

function mentions(text: string, key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_@.])${escaped}($|[^A-Za-z0-9_@])`, 'i').test(text);
}

/**
 * The custom fields (of the keys sent) that a refusal names: a 422 (or a refused bulk item) whose
 * details are keyed by the field (`plan_tier`, `user_fields.plan_tier`), or keyed by the container
 * (`user_fields`) or a plain text that names the key. Empty when the refusal names none of them,
 * or when it also names one of our attributes (an invalid email must dead-letter the event).
 */
export function rejectedFieldKeys(err: ZendeskError, sent: readonly string[]): string[] {
  if (err.status !== undefined && err.status !== 422 && err.status !== 400) return [];
  const byId = new Map(sent.map((k) => [k.toLowerCase(), k]));
  const found = new Set<string>();
  const searchText = (text: string) => {
    for (const k of sent) if (mentions(text, k)) found.add(k);
  };
  const details = err.details;
  if (isObject(details)) {
    for (const [rawKey, value] of Object.entries(details)) {
      const key = rawKey.replace(/^(user_fields|organization_fields|custom_fields)\./, '').toLowerCase();
      const field = byId.get(key);
      if (field !== undefined) found.add(field);
      else if (CUSTOM_CONTAINERS.has(key)) searchText(JSON.stringify(value));
      else if (ATTRIBUTE_KEYS.has(key)) return [];
      else searchText(`${rawKey} ${JSON.stringify(value)}`);
    }
  } else if (details !== undefined && details !== null) {
    searchText(typeof details === 'string' ? details : JSON.stringify(details));
  } else {
    searchText(err.message);
  }
  return [...found];
}
