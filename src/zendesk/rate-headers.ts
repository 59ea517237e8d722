/** Reading Zendesk's rate-limit answer headers (Retry-After, Zendesk-RateLimit-*). */

/**
 * `Retry-After` in milliseconds: seconds, decimals allowed (a time-scaled sandbox sends 0.05), or
 * an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return undefined;
}

/** `total=5; remaining=0; resets=12` (Zendesk-RateLimit-* headers). */
export function parseBucketHeader(value: string | undefined): {
  total?: number;
  remaining?: number;
  resets?: number;
} {
  const out: { total?: number; remaining?: number; resets?: number } = {};
  if (!value) return out;
  for (const part of value.split(';')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const n = Number(v);
    if (!Number.isFinite(n)) continue;
    if (k === 'total' || k === 'remaining' || k === 'resets') out[k] = n;
  }
  return out;
}
