/** Organization memberships [OM]: create (both paths), create_many (job), list, show, delete. */
import { requireArray, requireObject, type Ctx, type Route } from '../context.js';
import { ApiError, forbidden, invalid, notFound } from '../errors.js';
import { paginate } from '../pagination.js';
import { renderJob, renderMembership, type JobResult, type MembershipRec } from '../store.js';
import { MEMBERSHIP_SHAPE, PAGED_QUERY } from '../strict.js';

const render = (ctx: Ctx, m: MembershipRec): Record<string, unknown> =>
  renderMembership(ctx.store, m, ctx.baseUrl);

/**
 * "Returns an error with status 422 if the user is already assigned to the organization" [OM].
 * The detail texts are UNCONFIRMED; the blank-organization one follows zendesk_api_client_php #353.
 */
function create(ctx: Ctx, userId: number, orgId: number): MembershipRec {
  if (!Number.isInteger(userId) || !ctx.store.users.has(userId))
    throw invalid('user', 'User cannot be blank', 'BlankValue');
  if (!Number.isInteger(orgId) || !ctx.store.organizations.has(orgId))
    throw invalid('organization', 'Organization cannot be blank', 'BlankValue');
  if (ctx.store.membership(userId, orgId))
    throw invalid('user_id', 'User has already been taken', 'DuplicateValue');
  return ctx.store.addMembership(userId, orgId, ctx.nowIso());
}

function createTop(ctx: Ctx) {
  const input = requireObject(ctx.body, 'organization_membership');
  const m = create(ctx, Number(input.user_id), Number(input.organization_id));
  return { status: 201, body: { organization_membership: render(ctx, m) } };
}

function createForUser(ctx: Ctx) {
  const input = requireObject(ctx.body, 'organization_membership');
  if (!ctx.store.users.has(Number(ctx.params.id))) throw notFound();
  const m = create(ctx, Number(ctx.params.id), Number(input.organization_id));
  return { status: 201, body: { organization_membership: render(ctx, m) } };
}

function createMany(ctx: Ctx) {
  if (!ctx.config.bulkEnabled) throw forbidden();
  const items = requireArray(ctx.body, 'organization_memberships');
  const job = ctx.jobs.enqueue('CreateOrganizationMembershipsJob', items.length, () =>
    items.map((item, index): JobResult => {
      try {
        const m = create(ctx, Number(item.user_id), Number(item.organization_id));
        return { action: 'create', id: m.id, status: 'Created', success: true, index };
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

/** For a user: the default organization first, then by organization name [OM]. */
function sortForUser(ctx: Ctx, ms: MembershipRec[]): MembershipRec[] {
  const name = (m: MembershipRec) => ctx.store.organizations.get(m.organization_id)?.name ?? '';
  return [...ms].sort(
    (a, b) => Number(b.default === true) - Number(a.default === true) || name(a).localeCompare(name(b)),
  );
}

function list(ctx: Ctx, items: MembershipRec[], path: string) {
  return {
    status: 200,
    body: paginate(
      items.map((m) => render(ctx, m)),
      ctx.query,
      `${ctx.baseUrl}${path}`,
      'organization_memberships',
    ),
  };
}

function listAll(ctx: Ctx) {
  return list(ctx, [...ctx.store.memberships.values()], '/api/v2/organization_memberships.json');
}

function listForUser(ctx: Ctx) {
  const id = Number(ctx.params.id);
  if (!ctx.store.users.has(id)) throw notFound();
  return list(
    ctx,
    sortForUser(ctx, ctx.store.membershipsOfUser(id)),
    `/api/v2/users/${id}/organization_memberships.json`,
  );
}

function listForOrg(ctx: Ctx) {
  const id = Number(ctx.params.id);
  if (!ctx.store.organizations.has(id)) throw notFound();
  const ms = [...ctx.store.memberships.values()].filter((m) => m.organization_id === id);
  return list(ctx, ms, `/api/v2/organizations/${id}/organization_memberships.json`);
}

function show(ctx: Ctx) {
  const m = ctx.store.memberships.get(Number(ctx.params.id));
  if (!m) throw notFound();
  return { status: 200, body: { organization_membership: render(ctx, m) } };
}

function remove(ctx: Ctx) {
  const m = ctx.store.memberships.get(Number(ctx.params.id));
  if (!m) throw notFound();
  ctx.store.removeMembership(m, ctx.nowIso());
  return { status: 204 };
}

const CREATE_BODY = { organization_membership: MEMBERSHIP_SHAPE };

export const membershipRoutes: Route[] = [
  { method: 'POST', pattern: '/api/v2/organization_memberships', handler: createTop, body: CREATE_BODY },
  {
    method: 'POST',
    pattern: '/api/v2/organization_memberships/create_many',
    handler: createMany,
    body: { organization_memberships: [MEMBERSHIP_SHAPE] },
  },
  { method: 'GET', pattern: '/api/v2/organization_memberships', handler: listAll, query: PAGED_QUERY },
  { method: 'GET', pattern: '/api/v2/organization_memberships/:id', handler: show },
  { method: 'DELETE', pattern: '/api/v2/organization_memberships/:id', handler: remove },
  {
    method: 'GET',
    pattern: '/api/v2/users/:id/organization_memberships',
    handler: listForUser,
    query: PAGED_QUERY,
  },
  {
    method: 'POST',
    pattern: '/api/v2/users/:id/organization_memberships',
    handler: createForUser,
    body: CREATE_BODY,
  },
  {
    method: 'GET',
    pattern: '/api/v2/organizations/:id/organization_memberships',
    handler: listForOrg,
    query: PAGED_QUERY,
  },
];
