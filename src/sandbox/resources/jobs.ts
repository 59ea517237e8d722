/** job_statuses [JS]: show one, show_many, list. */
import type { Ctx, Route } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { renderJob } from '../store.js';

function show(ctx: Ctx) {
  const job = ctx.store.jobs.get(ctx.params.key ?? '');
  if (!job) throw notFound();
  return { status: 200, body: { job_status: renderJob(job, ctx.baseUrl) } };
}

function showMany(ctx: Ctx) {
  const ids = (ctx.query.get('ids') ?? '').split(',').filter(Boolean);
  if (ids.length === 0) throw badRequest('ParameterMissing', 'Required parameter missing: ids');
  const jobs = ids.flatMap((id) => ctx.store.jobs.get(id) ?? []);
  return { status: 200, body: { job_statuses: jobs.map((j) => renderJob(j, ctx.baseUrl)) } };
}

function list(ctx: Ctx) {
  const jobs = [...ctx.store.jobs.values()].reverse();
  return { status: 200, body: { job_statuses: jobs.map((j) => renderJob(j, ctx.baseUrl)) } };
}

export const jobRoutes: Route[] = [
  { method: 'GET', pattern: '/api/v2/job_statuses', handler: list, query: ['page[size]', 'page[after]'] },
  { method: 'GET', pattern: '/api/v2/job_statuses/show_many', handler: showMany, query: ['ids'] },
  { method: 'GET', pattern: '/api/v2/job_statuses/:key', handler: show },
];
