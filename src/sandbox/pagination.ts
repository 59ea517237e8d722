/**
 * Zendesk's two pagination styles [PG]: cursor when `page[size]` (or a cursor) is given, offset
 * (`page`/`per_page` → `count`/`next_page`/`previous_page`) otherwise.
 */
import { badRequest } from './errors.js';

const MAX = 100;

function clampSize(raw: string | null, fallback: number): number {
  const n = raw === null ? fallback : Number.parseInt(raw, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, MAX) : fallback;
}

const encode = (index: number): string => Buffer.from(`i:${index}`).toString('base64url');
function decode(cursor: string): number {
  const m = /^i:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw badRequest('InvalidPaginationParameter', 'Invalid cursor');
  return Number(m[1]);
}

function withQuery(url: string, query: URLSearchParams, set: Record<string, string>, drop: string[]): string {
  const q = new URLSearchParams(query);
  for (const d of drop) q.delete(d);
  for (const [k, v] of Object.entries(set)) q.set(k, v);
  return `${url}?${q.toString()}`;
}

export function offsetPage<T>(
  items: T[],
  query: URLSearchParams,
  url: string,
  key: string,
): Record<string, unknown> {
  const perPage = clampSize(query.get('per_page'), MAX);
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  // Offset paging past 10,000 records is refused since 2023-08-15 [CSA §5.4].
  if (page * perPage > 10_000 && page > 1)
    throw badRequest(
      'InvalidPaginationDepth',
      'Offset pagination is limited to the first 10,000 records. Use cursor pagination.',
    );
  const start = (page - 1) * perPage;
  const slice = items.slice(start, start + perPage);
  const hasNext = start + perPage < items.length;
  return {
    [key]: slice,
    next_page: hasNext
      ? withQuery(url, query, { page: String(page + 1), per_page: String(perPage) }, [])
      : null,
    previous_page:
      page > 1 ? withQuery(url, query, { page: String(page - 1), per_page: String(perPage) }, []) : null,
    count: items.length,
  };
}

export function cursorPage<T>(
  items: T[],
  query: URLSearchParams,
  url: string,
  key: string,
): Record<string, unknown> {
  const size = clampSize(query.get('page[size]'), MAX);
  const after = query.get('page[after]');
  const before = query.get('page[before]');
  let start = 0;
  if (after) start = decode(after) + 1;
  else if (before) start = Math.max(0, decode(before) - size);
  const end = before && !after ? Math.min(decode(before), start + size) : start + size;
  const slice = items.slice(start, end);
  const hasMore = end < items.length;
  const afterCursor = slice.length > 0 ? encode(start + slice.length - 1) : null;
  const beforeCursor = slice.length > 0 ? encode(start) : null;
  const drop = ['page[after]', 'page[before]'];
  return {
    [key]: slice,
    meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: beforeCursor },
    links: {
      next:
        hasMore && afterCursor
          ? withQuery(url, query, { 'page[size]': String(size), 'page[after]': afterCursor }, drop)
          : null,
      prev:
        start > 0 && beforeCursor
          ? withQuery(url, query, { 'page[size]': String(size), 'page[before]': beforeCursor }, drop)
          : null,
    },
  };
}

export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  url: string,
  key: string,
): Record<string, unknown> {
  const cursor = query.has('page[size]') || query.has('page[after]') || query.has('page[before]');
  return cursor ? cursorPage(items, query, url, key) : offsetPage(items, query, url, key);
}

/** A `show_many` list parameter (`ids=1,2` / `external_ids=a,b`): at most 100 values, else 400. */
export function list100(raw: string | null, name: string): string[] {
  const values = (raw ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (values.length > 100)
    throw badRequest('TooManyValues', `${name}: at most 100 values, got ${values.length}`);
  return values;
}
