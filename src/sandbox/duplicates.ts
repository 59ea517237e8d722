/**
 * Events that reached the sandbox more than once: the same user, type, timestamp and properties (what
 * Zendesk would show twice on the customer's timeline). Read by tests and the fault suite to count what
 * the service sends twice.
 */
import type { EventRec } from './store.js';

export interface DuplicateReport {
  /** Events received. */
  events: number;
  /** Events received beyond the first of their kind: what an agent sees twice. */
  duplicates: number;
  /** Each repeated event, with how often it arrived. */
  repeated: { user_id: number; type: string; created_at: string; times: number }[];
}

/** JSON with object keys sorted, so equal properties compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export function duplicateEvents(events: readonly EventRec[]): DuplicateReport {
  const seen = new Map<string, { rec: EventRec; times: number }>();
  for (const rec of events) {
    const e = rec.event;
    const key = `${rec.user_id}\u0000${e.type}\u0000${e.created_at}\u0000${canonical(e.properties)}`;
    const s = seen.get(key);
    if (s) s.times++;
    else seen.set(key, { rec, times: 1 });
  }
  const repeated = [...seen.values()]
    .filter((s) => s.times > 1)
    .map(({ rec, times }) => ({
      user_id: rec.user_id,
      type: rec.event.type,
      created_at: rec.event.created_at,
      times,
    }));
  return {
    events: events.length,
    duplicates: repeated.reduce((n, r) => n + r.times - 1, 0),
    repeated,
  };
}
