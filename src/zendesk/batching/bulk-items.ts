import type { BulkItemResult, ZendeskErrorInfo } from '../api.js';
import { ZendeskError } from '../errors.js';

// The one bulk switch (what counts as Zendesk refusing bulk calls) is the client's.
export { BulkSwitch } from '../bulk.js';

/**
 * Failures of one item that are about the item itself (validation, duplicates): the same single
 * call would be refused the same way. Anything else (job failed, result missing, conflicts) is
 * transient and worth one retry of that item on its own.
 */
const PERMANENT = new Set([
  'RecordInvalid',
  'DuplicateValue',
  'InvalidValue',
  'RecordNotFound',
  'BadRequest',
]);

export function isPermanentItemError(error: ZendeskErrorInfo): boolean {
  const hasDetails = error.details !== undefined && error.details !== null;
  return hasDetails || (error.code !== undefined && PERMANENT.has(error.code));
}

/** A failed item as the ZendeskError the single call would have thrown (422 unless Zendesk said). */
export function itemError(endpoint: string, error: ZendeskErrorInfo): ZendeskError {
  return new ZendeskError('reject', error.message, {
    status: error.status ?? 422,
    ...(error.code !== undefined ? { code: error.code } : {}),
    ...(error.details !== undefined ? { details: error.details } : {}),
    endpoint,
  });
}

/** Results in input order; a missing index is a failed item (never silently dropped). */
export function byIndex(total: number, results: BulkItemResult[]): BulkItemResult[] {
  const out: BulkItemResult[] = [];
  for (const r of results) if (r.index >= 0 && r.index < total) out[r.index] = r;
  for (let i = 0; i < total; i++)
    out[i] ??= { index: i, ok: false, error: { code: 'MissingResult', message: 'no result for this item' } };
  return out;
}
