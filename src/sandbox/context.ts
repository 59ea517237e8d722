import { badRequest } from './errors.js';

/** What a resource handler gets and gives back. Handlers are synchronous: the store is in memory. */
import type { Auth, Principal } from './auth.js';
import type { SandboxConfig } from './config.js';
import type { Jobs } from './jobs.js';
import type { Limits } from './limits.js';
import type { Store } from './store.js';

export interface Ctx {
  method: string;
  /** Path without a trailing `.json`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  principal: Principal | null;
  store: Store;
  config: SandboxConfig;
  limits: Limits;
  jobs: Jobs;
  auth: Auth;
  baseUrl: string;
  now(): number;
  nowIso(): string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply;

/** Documented keys of a body: `true` = any value, an object = its documented keys, `[shape]` = array items. */
export type Shape = true | { [key: string]: Shape } | [Shape];

export interface Route {
  method: string;
  /** `/api/v2/users/:id` — `:id` matches digits only, `:key` matches any segment. */
  pattern: string;
  handler: Handler;
  /** No credentials needed (POST /oauth/tokens; users/me decides itself). */
  public?: boolean;
  /** "Allowed For: Admins" [UF][OF]: an agent's credential gets 403 Forbidden. */
  adminOnly?: boolean;
  /** A Profiles/Events API route: its own per-minute budget, not the account's. */
  events?: boolean;
  /** For strict mode: documented query keys and body shape. */
  query?: string[];
  body?: Shape;
}

export const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The wrapped object of a request body (`{"user":{…}}`), or a 400 naming the missing key. */
export function requireObject(body: unknown, key: string): Record<string, unknown> {
  const inner = obj(obj(body)?.[key]);
  if (!inner) throw badRequest('ParameterMissing', `Required parameter missing: ${key} (an object)`);
  return inner;
}

/** The wrapped array of a bulk body (`{"users":[…]}`), at most 100 items, or a 400. */
export function requireArray(body: unknown, key: string, max = 100): Record<string, unknown>[] {
  const arr = obj(body)?.[key];
  if (!Array.isArray(arr) || arr.length === 0 || !arr.every((x) => obj(x)))
    throw badRequest('ParameterMissing', `Required parameter missing: ${key} (a non-empty array of objects)`);
  if (arr.length > max)
    throw badRequest('TooManyValues', `${key}: at most ${max} items per request, got ${arr.length}`);
  return arr as Record<string, unknown>[];
}
