/** What a finished bulk job says about each of its inputs, by input index. */
import type { BulkItemResult } from './api.js';
import { firstDetailDescription } from './error-map.js';
import { asObject } from '../ops/json.js';

/**
 * Job results → one result per input index. Create results carry `index`; update results
 * (`{action:"update",id,status:"Updated",success:true}`) do not, and are taken in input order.
 * An input without a result is reported as failed rather than silently dropped.
 */
export function mapJobResults(
  total: number,
  results: unknown,
  fallback?: { code: string; message: string },
): BulkItemResult[] {
  const out = new Map<number, BulkItemResult>();
  const list = Array.isArray(results) ? results : [];
  list.forEach((raw, position) => {
    const r = asObject(raw);
    if (!r) return;
    const index = typeof r.index === 'number' && Number.isInteger(r.index) ? r.index : position;
    if (index < 0 || index >= total || out.has(index)) return;
    const failed = r.success === false || (r.error !== undefined && r.error !== null);
    if (!failed && typeof r.id === 'number') {
      const created =
        r.action === 'create' || r.status === 'Created' || (r.action === undefined && r.status === undefined);
      out.set(index, { index, ok: true, id: r.id, action: created ? 'create' : 'update' });
      return;
    }
    const code = typeof r.error === 'string' ? r.error : 'Failed';
    const message = firstDetailDescription(r.details) ?? (typeof r.status === 'string' ? r.status : code);
    const error = {
      code,
      message,
      ...(r.details !== undefined && r.details !== null ? { details: r.details } : {}),
    };
    out.set(index, { index, ok: false, error });
  });
  const missing = fallback ?? { code: 'MissingResult', message: 'The job returned no result for this item' };
  return Array.from(
    { length: total },
    (_, index) => out.get(index) ?? { index, ok: false, error: { ...missing } },
  );
}
