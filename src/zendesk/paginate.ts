/**
 * Following Zendesk's pages [PG]. Cursor lists ask `page[size]=100` and follow
 * `meta.after_cursor` while `meta.has_more`; offset lists (search) follow `next_page`. The next
 * page is always requested on our own base URL with only the page parameters taken from Zendesk's
 * link, so an answer can never send our credentials to another host.
 */
import { ZendeskError } from './errors.js';
import type { CallSpec, Requester } from './requester.js';
import { asObject } from '../ops/json.js';

export interface ListSpec {
  path: string;
  endpoint: string;
  /** The array's key in the answer, e.g. `user_fields`. */
  key: string;
  query?: Record<string, string>;
}

// 10,000 records is Zendesk's own offset ceiling; a list longer than this many pages is a loop.
const MAX_PAGES = 1000;

function itemsOf<T>(body: unknown, key: string, endpoint: string): T[] {
  const list = asObject(body)?.[key];
  if (!Array.isArray(list))
    throw new ZendeskError('outage', `Zendesk's answer to ${endpoint} has no ${key} list`, {
      endpoint,
      code: 'UnexpectedAnswer',
    });
  return list as T[];
}

/** Page parameters of a next-page link (never its host or path). */
function pageParams(link: unknown, names: (n: string) => boolean): Record<string, string> | undefined {
  if (typeof link !== 'string' || link === '') return undefined;
  let url: URL;
  try {
    url = new URL(link, 'http://placeholder.invalid');
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (names(k)) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

export async function listCursor<T>(exec: Requester, spec: ListSpec): Promise<T[]> {
  const all: T[] = [];
  let query: Record<string, string> = { ...spec.query, 'page[size]': '100' };
  for (let page = 0; page < MAX_PAGES; page++) {
    const call: CallSpec = { method: 'GET', path: spec.path, endpoint: spec.endpoint, query };
    const { body } = await exec.call(call);
    all.push(...itemsOf<T>(body, spec.key, spec.endpoint));
    const meta = asObject(asObject(body)?.meta);
    const links = asObject(asObject(body)?.links);
    if (meta?.has_more !== true) return all;
    const after =
      typeof meta.after_cursor === 'string' && meta.after_cursor !== ''
        ? { 'page[after]': meta.after_cursor }
        : pageParams(links?.next, (k) => k === 'page[after]');
    if (!after) return all;
    query = { ...spec.query, 'page[size]': '100', ...after };
  }
  return all;
}

export async function listOffset<T>(exec: Requester, spec: ListSpec): Promise<T[]> {
  const all: T[] = [];
  let query: Record<string, string> = { ...spec.query };
  for (let page = 0; page < MAX_PAGES; page++) {
    const { body } = await exec.call({ method: 'GET', path: spec.path, endpoint: spec.endpoint, query });
    all.push(...itemsOf<T>(body, spec.key, spec.endpoint));
    const next = pageParams(asObject(body)?.next_page, (k) => k === 'page' || k === 'per_page');
    if (!next) return all;
    query = { ...spec.query, ...next };
  }
  return all;
}
