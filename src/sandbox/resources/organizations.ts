/**
 * Organizations [O]: create_or_update (match on id or external_id only), PUT (5 per minute per
 * organization [RL]), create_many and update_many (jobs, ≤100), show, show_many, search, delete.
 */
import { requireArray, requireObject, type Ctx, type Route } from '../context.js';
import { applyCustomValues } from '../custom-values.js';
import { ApiError, badRequest, invalid, notFound } from '../errors.js';
import { list100, offsetPage } from '../pagination.js';
import { renderJob, renderOrganization, type JobResult, type OrgRec } from '../store.js';
import { OFFSET_QUERY, ORG_SHAPE } from '../strict.js';

const render = (ctx: Ctx, o: OrgRec): Record<string, unknown> =>
  renderOrganization(ctx.store, o, ctx.baseUrl);

function stringList(v: unknown, field: string): string[] {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return [...v];
  // Zendesk also takes a space- or comma-separated string for tags and domain names.
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  throw invalid(field, `${field}: is invalid`, 'InvalidValue');
}

function writeOrg(ctx: Ctx, existing: OrgRec | undefined, input: Record<string, unknown>): OrgRec {
  const now = ctx.nowIso();
  const draft: OrgRec = existing
    ? structuredClone(existing)
    : {
        id: 0,
        name: '',
        external_id: null,
        domain_names: [],
        tags: [],
        details: null,
        notes: null,
        group_id: null,
        shared_tickets: false,
        shared_comments: false,
        organization_fields: {},
        created_at: now,
        updated_at: now,
      };
  if (input.name !== undefined)
    draft.name = typeof input.name === 'string' ? input.name : String(input.name ?? '');
  if (draft.name.trim() === '') throw invalid('name', 'Name: cannot be blank', 'BlankValue');
  const sameName = ctx.store.orgByName(draft.name);
  // Source: lanej/zendesk2 live spec; exact production text UNCONFIRMED.
  if (sameName && sameName.id !== draft.id)
    throw invalid('name', 'Name: has already been taken', 'DuplicateValue');
  if (input.external_id !== undefined) {
    const ext = input.external_id === null || input.external_id === '' ? null : String(input.external_id);
    const other = ext === null ? undefined : ctx.store.orgByExternalId(ext);
    if (other && other.id !== draft.id)
      throw invalid('external_id', 'External ID: has already been taken', 'DuplicateValue');
    draft.external_id = ext;
  }
  // An update overwrites the whole array [O].
  if (input.domain_names !== undefined) draft.domain_names = stringList(input.domain_names, 'domain_names');
  if (input.tags !== undefined) draft.tags = stringList(input.tags, 'tags');
  for (const k of ['details', 'notes'] as const)
    if (input[k] !== undefined) draft[k] = input[k] === null ? null : String(input[k]);
  if (input.group_id !== undefined) draft.group_id = input.group_id === null ? null : Number(input.group_id);
  for (const k of ['shared_tickets', 'shared_comments'] as const)
    if (input[k] !== undefined) draft[k] = input[k] === true;
  draft.organization_fields = applyCustomValues(
    ctx.store,
    'organization',
    draft.organization_fields,
    input.organization_fields,
    ctx.config.unknownCustomFieldKeys,
  );
  if (!existing) draft.id = ctx.store.id();
  draft.updated_at = now;
  ctx.store.putOrganization(draft);
  return draft;
}

/** "Name is not available as a matching criteria": only id or external_id find an existing one [O]. */
function createOrUpdate(ctx: Ctx) {
  const input = requireObject(ctx.body, 'organization');
  let existing: OrgRec | undefined;
  if (input.id !== undefined && input.id !== null) {
    existing = ctx.store.organizations.get(Number(input.id));
    if (!existing) throw notFound();
  } else if (input.external_id !== undefined && input.external_id !== null && input.external_id !== '') {
    existing = ctx.store.orgByExternalId(String(input.external_id));
  }
  const org = writeOrg(ctx, existing, input);
  return {
    status: existing ? 200 : 201,
    body: { organization: render(ctx, org) },
    headers: { Location: `/api/v2/organizations/${org.id}.json` },
  };
}

/** PUT organizations/{id}: 404 for an unknown id, then the 5-per-minute-per-organization budget [RL]. */
function update(ctx: Ctx) {
  const existing = ctx.store.organizations.get(Number(ctx.params.id));
  if (!existing) throw notFound();
  const input = requireObject(ctx.body, 'organization');
  ctx.limits.organizationUpdate(existing.id);
  const org = writeOrg(ctx, existing, input);
  return { status: 200, body: { organization: render(ctx, org) } };
}

/** A bulk item's outcome, as the user bulk jobs report it [JS]. */
function failure(e: unknown, index: number): JobResult {
  if (!(e instanceof ApiError)) throw e;
  const body = e.body as { error?: string; details?: unknown };
  return { index, error: body.error ?? 'Error', details: body.details ?? null, success: false };
}

const jobAnswer = (ctx: Ctx, job: Parameters<typeof renderJob>[0]) => ({
  status: 200,
  body: { job_status: renderJob(job, ctx.baseUrl) },
  headers: ctx.jobs.inflightHeader(),
});

/** POST organizations/create_many: ≤100 organizations, created by a job; a taken name or external id fails its item. */
function createMany(ctx: Ctx) {
  const items = requireArray(ctx.body, 'organizations');
  const job = ctx.jobs.enqueue('CreateManyOrganizationsJob', items.length, () =>
    items.map((item, index): JobResult => {
      try {
        const org = writeOrg(ctx, undefined, item);
        return { action: 'create', id: org.id, status: 'Created', success: true, index };
      } catch (e) {
        return failure(e, index);
      }
    }),
  );
  return jobAnswer(ctx, job);
}

/**
 * PUT organizations/update_many: the same change to `?ids=` / `?external_ids=` (body
 * `organization`), or a batch `organizations:[{id|external_id, …}]`; ≤100, by a job.
 */
function updateMany(ctx: Ctx) {
  let targets: { ref: { id?: unknown; external_id?: unknown }; input: Record<string, unknown> }[];
  if (ctx.query.has('ids') || ctx.query.has('external_ids')) {
    const input = requireObject(ctx.body, 'organization');
    targets = ctx.query.has('ids')
      ? list100(ctx.query.get('ids'), 'ids').map((id) => ({ ref: { id }, input }))
      : list100(ctx.query.get('external_ids'), 'external_ids').map((x) => ({
          ref: { external_id: x },
          input,
        }));
    if (targets.length === 0)
      throw badRequest('ParameterMissing', 'Required parameter missing: ids or external_ids');
  } else {
    targets = requireArray(ctx.body, 'organizations').map((item) => ({ ref: item, input: item }));
  }
  const job = ctx.jobs.enqueue('UpdateManyOrganizationsJob', targets.length, () =>
    targets.map(({ ref, input }, index): JobResult => {
      try {
        const existing =
          ref.id !== undefined && ref.id !== null
            ? ctx.store.organizations.get(Number(ref.id))
            : ref.external_id !== undefined && ref.external_id !== null && ref.external_id !== ''
              ? ctx.store.orgByExternalId(String(ref.external_id))
              : undefined;
        if (!existing) throw notFound();
        const org = writeOrg(ctx, existing, input);
        return { action: 'update', id: org.id, status: 'Updated', success: true };
      } catch (e) {
        return failure(e, index);
      }
    }),
  );
  return jobAnswer(ctx, job);
}

/** GET organizations/show_many?ids=… or ?external_ids=… (case-insensitive), ≤100, like users/show_many. */
function showMany(ctx: Ctx) {
  let orgs: OrgRec[];
  if (ctx.query.has('ids'))
    orgs = list100(ctx.query.get('ids'), 'ids').flatMap(
      (id) => ctx.store.organizations.get(Number(id)) ?? [],
    );
  else if (ctx.query.has('external_ids'))
    orgs = list100(ctx.query.get('external_ids'), 'external_ids').flatMap(
      (x) => ctx.store.orgByExternalId(x) ?? [],
    );
  else throw badRequest('ParameterMissing', 'Required parameter missing: ids or external_ids');
  const unique = [...new Map(orgs.map((o) => [o.id, o])).values()];
  return {
    status: 200,
    body: {
      organizations: unique.map((o) => render(ctx, o)),
      next_page: null,
      previous_page: null,
      count: unique.length,
    },
  };
}

function show(ctx: Ctx) {
  const org = ctx.store.organizations.get(Number(ctx.params.id));
  if (!org) throw notFound();
  return { status: 200, body: { organization: render(ctx, org) } };
}

/** By external_id or name, not both; exact and case-insensitive; offset form [O]. */
function search(ctx: Ctx) {
  const ext = ctx.query.get('external_id');
  const name = ctx.query.get('name');
  if ((ext === null) === (name === null))
    throw badRequest('InvalidParameter', 'Search by exactly one of external_id or name');
  const org = ext !== null ? ctx.store.orgByExternalId(ext) : ctx.store.orgByName(name ?? '');
  const found = org ? [render(ctx, org)] : [];
  return {
    status: 200,
    body: offsetPage(found, ctx.query, `${ctx.baseUrl}/api/v2/organizations/search.json`, 'organizations'),
  };
}

function remove(ctx: Ctx) {
  const org = ctx.store.organizations.get(Number(ctx.params.id));
  if (!org) throw notFound();
  const now = ctx.nowIso();
  for (const m of [...ctx.store.memberships.values()])
    if (m.organization_id === org.id) ctx.store.removeMembership(m, now);
  ctx.store.deleteOrganization(org);
  return { status: 204 };
}

export const organizationRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/api/v2/organizations/create_or_update',
    handler: createOrUpdate,
    body: { organization: ORG_SHAPE },
  },
  {
    method: 'GET',
    pattern: '/api/v2/organizations/search',
    handler: search,
    query: ['external_id', 'name', ...OFFSET_QUERY],
  },
  {
    method: 'POST',
    pattern: '/api/v2/organizations/create_many',
    handler: createMany,
    body: { organizations: [ORG_SHAPE] },
  },
  {
    method: 'PUT',
    pattern: '/api/v2/organizations/update_many',
    handler: updateMany,
    query: ['ids', 'external_ids'],
    body: { organization: ORG_SHAPE, organizations: [ORG_SHAPE] },
  },
  {
    method: 'GET',
    pattern: '/api/v2/organizations/show_many',
    handler: showMany,
    query: ['ids', 'external_ids'],
  },
  { method: 'GET', pattern: '/api/v2/organizations/:id', handler: show },
  { method: 'PUT', pattern: '/api/v2/organizations/:id', handler: update, body: { organization: ORG_SHAPE } },
  { method: 'DELETE', pattern: '/api/v2/organizations/:id', handler: remove },
];
