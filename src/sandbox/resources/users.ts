/** Users [U]: create_or_update, create_or_update_many, show, show_many, search, PUT, me. */
import { forbidden, notFound, badRequest } from '../errors.js';
import { requireArray, requireObject, type Ctx, type Route } from '../context.js';
import { renderJob, renderUser, type JobResult, type UserRec } from '../store.js';
import { OFFSET_QUERY, USER_SHAPE } from '../strict.js';
import { list100, offsetPage } from '../pagination.js';
import { matchUser, writeUser } from './user-write.js';
import { ApiError } from '../errors.js';

const render = (ctx: Ctx, u: UserRec): Record<string, unknown> => renderUser(ctx.store, u, ctx.baseUrl);

function createOrUpdate(ctx: Ctx) {
  const input = requireObject(ctx.body, 'user');
  // 1/s per account counts every attempt; 5/min per user is checked against the matched user.
  ctx.limits.userUpsertAccount();
  const match = matchUser(ctx, input);
  let headers = match.user ? ctx.limits.userUpsert(match.user.id) : {};
  const { user, created } = writeUser(ctx, match.user, match.input);
  if (created) headers = ctx.limits.userUpsert(user.id);
  return {
    status: created ? 201 : 200,
    body: { user: render(ctx, user) },
    headers: { ...headers, Location: `/api/v2/users/${user.id}.json` },
  };
}

function createOrUpdateMany(ctx: Ctx) {
  // Bulk imports are off by default on real accounts: 403 until Zendesk support enables them [U].
  if (!ctx.config.bulkEnabled) throw forbidden();
  const items = requireArray(ctx.body, 'users');
  const job = ctx.jobs.enqueue('UserBulkUpdateJobV2', items.length, () =>
    items.map((item, index): JobResult => {
      try {
        const match = matchUser(ctx, item);
        const { user, created } = writeUser(ctx, match.user, match.input);
        return created
          ? { action: 'create', id: user.id, status: 'Created', success: true, index }
          : { action: 'update', id: user.id, status: 'Updated', success: true };
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        const body = e.body as { error?: string; details?: unknown };
        return { index, error: body.error ?? 'Error', details: body.details ?? null, success: false };
      }
    }),
  );
  return {
    status: 200,
    body: { job_status: renderJob(job, ctx.baseUrl) },
    headers: ctx.jobs.inflightHeader(),
  };
}

function show(ctx: Ctx) {
  const user = ctx.store.users.get(Number(ctx.params.id));
  if (!user) throw notFound();
  return { status: 200, body: { user: render(ctx, user) } };
}

function showMany(ctx: Ctx) {
  let users: UserRec[];
  if (ctx.query.has('ids')) {
    users = list100(ctx.query.get('ids'), 'ids').flatMap((id) => ctx.store.users.get(Number(id)) ?? []);
  } else if (ctx.query.has('external_ids')) {
    users = list100(ctx.query.get('external_ids'), 'external_ids').flatMap(
      (x) => ctx.store.userByExternalId(x) ?? [],
    );
  } else throw badRequest('ParameterMissing', 'Required parameter missing: ids or external_ids');
  const unique = [...new Map(users.map((u) => [u.id, u])).values()];
  return {
    status: 200,
    body: {
      users: unique.map((u) => render(ctx, u)),
      next_page: null,
      previous_page: null,
      count: unique.length,
    },
  };
}

/**
 * `query=` supports `email:` and `external_id:` terms exactly (case-insensitive) and otherwise a
 * substring of name or email; `external_id=` only accepts ids [U]. Offset pagination only.
 */
function search(ctx: Ctx) {
  const all = [...ctx.store.users.values()];
  let found: UserRec[];
  const ext = ctx.query.get('external_id');
  const q = ctx.query.get('query');
  if (ext !== null) {
    const u = ctx.store.userByExternalId(ext);
    found = u ? [u] : [];
  } else if (q !== null) {
    const term = q.trim().replace(/^"|"$/g, '');
    const m = /^(email|external_id):"?([^"]*)"?$/i.exec(term);
    if (m?.[1]?.toLowerCase() === 'email') {
      const v = (m[2] ?? '').toLowerCase();
      found = all.filter((u) => u.identities.some((i) => i.value.toLowerCase() === v));
    } else if (m) {
      const v = (m[2] ?? '').toLowerCase();
      found = all.filter((u) => u.external_id?.toLowerCase() === v);
    } else {
      const v = term.toLowerCase();
      found = all.filter(
        (u) =>
          u.name.toLowerCase().includes(v) || u.identities.some((i) => i.value.toLowerCase().includes(v)),
      );
    }
  } else throw badRequest('ParameterMissing', 'Required parameter missing: query or external_id');
  const page = offsetPage(
    found.map((u) => render(ctx, u)),
    ctx.query,
    `${ctx.baseUrl}/api/v2/users/search.json`,
    'users',
  );
  return { status: 200, body: page };
}

function update(ctx: Ctx) {
  const existing = ctx.store.users.get(Number(ctx.params.id));
  if (!existing) throw notFound();
  const input = requireObject(ctx.body, 'user');
  ctx.limits.userUpsertAccount();
  const headers = ctx.limits.userUpsert(existing.id);
  const { user } = writeUser(ctx, existing, input);
  return { status: 200, body: { user: render(ctx, user) }, headers };
}

/** The authenticated user, with its role (admin or agent); real Zendesk answers "Anonymous user" without credentials (switch). */
function me(ctx: Ctx) {
  const p = ctx.principal;
  if (!p && !ctx.config.auth.anonymousMe) throw new ApiError(401, { error: "Couldn't authenticate you" });
  const now = new Date(0).toISOString();
  const base = {
    url: `${ctx.baseUrl}/api/v2/users/me.json`,
    created_at: now,
    updated_at: now,
    user_fields: {},
    tags: [],
  };
  const user = p
    ? {
        ...base,
        id: 1,
        name: p.role === 'admin' ? 'Sandbox Admin' : 'Sandbox Agent',
        email: p.email ?? `${p.role}@sandbox.invalid`,
        // The role of the credential: a client can tell before it tries an admin-only call.
        role: p.role,
        verified: true,
        active: true,
      }
    : {
        ...base,
        id: null,
        name: 'Anonymous user',
        email: 'invalid@example.com',
        role: 'end-user',
        verified: false,
        active: true,
      };
  return { status: 200, body: { user } };
}

const UPSERT_BODY = { user: USER_SHAPE, skip_verify_email: true } as const;

export const userRoutes: Route[] = [
  { method: 'POST', pattern: '/api/v2/users/create_or_update', handler: createOrUpdate, body: UPSERT_BODY },
  {
    method: 'POST',
    pattern: '/api/v2/users/create_or_update_many',
    handler: createOrUpdateMany,
    body: { users: [USER_SHAPE], skip_verify_email: true },
  },
  {
    method: 'GET',
    pattern: '/api/v2/users/show_many',
    handler: showMany,
    query: ['ids', 'external_ids', 'include_deleted'],
  },
  {
    method: 'GET',
    pattern: '/api/v2/users/search',
    handler: search,
    query: ['query', 'external_id', ...OFFSET_QUERY],
  },
  { method: 'GET', pattern: '/api/v2/users/me', handler: me, public: true },
  { method: 'GET', pattern: '/api/v2/users/:id', handler: show, query: ['include'] },
  { method: 'PUT', pattern: '/api/v2/users/:id', handler: update, body: UPSERT_BODY },
];
