import type { FieldScope, Id, ZCustomField, ZendeskApi } from '../zendesk/api.js';
import { isZendeskError, type ZendeskError } from '../zendesk/errors.js';
import { delivered, rejected, type Outcome } from './outcome.js';
import { valueForType, type FieldWrite } from './fields.js';
import type { FieldCatalogs } from './fields-catalog.js';
import { naiveGateway, type ZendeskGateway } from './gateway.js';
import { findOrganizations } from './lookup.js';
import type {
  DeleteOrganization,
  EnsureFields,
  LinkMembership,
  Operation,
  Plan,
  RemoveMembership,
  SendUserEvent,
  UpsertOrganization,
  UpsertUser,
} from './plan.js';
import { redactDetails, redactEmails } from './redact.js';

export interface ExecuteDeps {
  api: ZendeskApi;
  fields: FieldCatalogs;
  /** How upserts, look-ups and links reach Zendesk; default one request per operation. */
  gateway?: ZendeskGateway;
}

/** What one plan's operations learned so far: Zendesk ids of what they touched. */
interface Context {
  deps: ExecuteDeps;
  gateway: ZendeskGateway;
  notes: string[];
  userId: Id | null;
  organizations: Map<string, Id>;
}

/** An operation ends the plan early with this outcome (a rejection Zendesk or a lookup decided). */
class Stop {
  constructor(readonly outcome: Outcome) {}
}

/**
 * Runs a plan against Zendesk and returns the event's outcome. Rejections Zendesk gives for this
 * event become `rejected` outcomes; outages and anything unexpected are RETHROWN, so the pipeline
 * pauses instead of dead-lettering a stream that could not be delivered.
 */
export async function executePlan(plan: Plan, deps: ExecuteDeps): Promise<Outcome> {
  if (plan.kind === 'final') return plan.outcome;
  const ctx: Context = {
    deps,
    gateway: deps.gateway ?? naiveGateway(deps.api),
    notes: [...plan.notes],
    userId: null,
    organizations: new Map(),
  };
  try {
    for (const operation of plan.operations) await run(operation, ctx);
  } catch (err) {
    if (err instanceof Stop) return err.outcome;
    throw err;
  }
  return delivered(ctx.notes.map(redactEmails));
}

function run(operation: Operation, ctx: Context): Promise<void> {
  switch (operation.op) {
    case 'ensureFields':
      return ensureFields(operation, ctx);
    case 'upsertUser':
      return upsertUser(operation, ctx);
    case 'removeMembership':
      return removeMembership(operation, ctx);
    case 'upsertOrganization':
      return upsertOrganization(operation, ctx);
    case 'deleteOrganization':
      return deleteOrganization(operation, ctx);
    case 'linkMembership':
      return linkMembership(operation, ctx);
    case 'sendUserEvent':
      return sendUserEvent(operation, ctx);
  }
}

/** Only a `reject` is this event's fault; `retry`/`outage` and non-Zendesk errors propagate. */
function rejection(err: unknown): ZendeskError | null {
  return isZendeskError(err) && err.action === 'reject' ? err : null;
}

function fromZendesk(reason: Parameters<typeof rejected>[0], message: string, err: ZendeskError): Stop {
  const extra: { status?: number; details?: unknown; attempts?: number } = {};
  if (err.status !== undefined) extra.status = err.status;
  const details = err.details ?? (err.code !== undefined ? { error: err.code } : undefined);
  if (details !== undefined) extra.details = redactDetails(details);
  if (err.attempts !== undefined) extra.attempts = err.attempts;
  return new Stop(rejected(reason, message, extra));
}

/** A 403 on one endpoint: a capability this account or role lacks (SPEC 1a), not an outage. */
export function isForbidden(err: ZendeskError): boolean {
  return err.status === 403 && err.code !== 'BulkImportsDisabled';
}

function otherRejection(what: string, err: ZendeskError): Stop {
  const said = redactEmails(err.message);
  return fromZendesk(
    isForbidden(err) ? 'forbidden' : 'rejected_by_zendesk',
    `Zendesk refused to ${what}: ${said}`,
    err,
  );
}

async function ensureFields(op: EnsureFields, ctx: Context): Promise<void> {
  try {
    await ctx.deps.fields[op.scope].ensure(op.fields);
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    throw otherRejection(
      `create ${op.scope} custom field definitions (${op.fields.map((f) => f.key).join(', ')})`,
      r,
    );
  }
}

/**
 * The custom-field object for an upsert: every write whose definition exists, under the
 * definition's own key, its value shaped for the definition's type. A null for a field that
 * does not exist is dropped (nothing to clear).
 */
async function fieldValues(
  scope: FieldScope,
  writes: FieldWrite[],
  optional: FieldWrite[],
  ctx: Context,
): Promise<Record<string, unknown> | undefined> {
  if (writes.length === 0 && optional.length === 0) return undefined;
  const catalog: Map<string, ZCustomField> = await ctx.deps.fields[scope].all();
  const out: Record<string, unknown> = {};
  for (const write of [...writes, ...optional]) {
    const definition = catalog.get(write.key.toLowerCase());
    if (definition) out[definition.key] = valueForType(write, definition.type);
    else if (write.value !== null && !optional.includes(write)) {
      ctx.notes.push(`${scope} field "${write.key}" does not exist; value not sent`);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isDuplicateValue(err: ZendeskError): boolean {
  if (err.code === 'DuplicateValue') return true;
  return (
    JSON.stringify(err.details ?? null).includes('DuplicateValue') || /already being used/i.test(err.message)
  );
}

function isNameTaken(err: ZendeskError): boolean {
  const details = err.details;
  if (details !== null && typeof details === 'object' && 'name' in details) {
    return /already been taken|DuplicateValue/i.test(JSON.stringify((details as { name: unknown }).name));
  }
  return /name\b[^.]*already been taken/i.test(err.message);
}

async function upsertUser(op: UpsertUser, ctx: Context): Promise<void> {
  const { gateway } = ctx;
  if (op.onlyIfExists) {
    // No name: Zendesk can update a user without one, but cannot create one.
    const existing = await gateway.findUserId(op.key);
    if (existing === null) {
      throw new Stop(
        rejected(
          op.onFailure.notFound,
          'identify has no name and Zendesk holds no user with this external id or the email; a name is needed to create one',
        ),
      );
    }
  }
  const user_fields = await fieldValues('user', op.fields, op.nameFields, ctx);
  try {
    ctx.userId = await gateway.upsertUser(
      user_fields ? { ...op.attributes, user_fields } : { ...op.attributes },
    );
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    if (isDuplicateValue(r)) {
      throw fromZendesk(
        op.onFailure.duplicate,
        'the email and the external id belong to two different Zendesk users (multiple users match: no update); merge them in Zendesk, then replay',
        r,
      );
    }
    throw otherRejection('create or update the user', r);
  }
}

async function removeMembership(op: RemoveMembership, ctx: Context): Promise<void> {
  const { api } = ctx.deps;
  try {
    const userId = ctx.userId ?? (await ctx.gateway.findUserId(op.user));
    if (userId === null) {
      ctx.notes.push('company.remove: user not found; nothing removed');
      return;
    }
    const orgIds = new Set((await findOrganizations(api, op.organization.externalId)).map((o) => o.id));
    const memberships = orgIds.size === 0 ? [] : await api.listUserMemberships(userId);
    const targets = memberships.filter((m) => orgIds.has(m.organization_id));
    if (targets.length === 0) {
      ctx.notes.push(`company.remove: user is not a member of organization "${op.organization.externalId}"`);
      return;
    }
    for (const m of targets) {
      try {
        await api.deleteMembership(m.id);
      } catch (err) {
        // Gone already (404) is what we wanted.
        if (!(isZendeskError(err) && err.status === 404)) throw err;
      }
    }
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    throw otherRejection('remove the organization membership', r);
  }
}

async function upsertOrganization(op: UpsertOrganization, ctx: Context): Promise<void> {
  const organization_fields = await fieldValues('organization', op.fields, [], ctx);
  try {
    const id = await ctx.gateway.upsertOrganization(
      organization_fields ? { ...op.attributes, organization_fields } : { ...op.attributes },
    );
    ctx.organizations.set(op.key.externalId, id);
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    if (isNameTaken(r)) {
      throw fromZendesk(
        op.onFailure.nameTaken,
        'the organization name is already taken by another organization (multiple organizations match: no update)',
        r,
      );
    }
    throw otherRejection('create or update the organization', r);
  }
}

async function deleteOrganization(op: DeleteOrganization, ctx: Context): Promise<void> {
  const { api } = ctx.deps;
  ctx.gateway.forgetOrganization(op.key.externalId);
  try {
    const found = await findOrganizations(api, op.key.externalId);
    if (found.length === 0) ctx.notes.push('organization to delete does not exist (already deleted?)');
    for (const org of found) {
      try {
        await api.deleteOrganization(org.id);
      } catch (err) {
        if (!(isZendeskError(err) && err.status === 404)) throw err;
      }
    }
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    throw otherRejection('delete the organization', r);
  }
}

async function linkMembership(op: LinkMembership, ctx: Context): Promise<void> {
  const { api } = ctx.deps;
  try {
    let orgId = ctx.organizations.get(op.organization.externalId);
    if (orgId === undefined) orgId = (await findOrganizations(api, op.organization.externalId))[0]?.id;
    if (orgId === undefined) {
      throw new Stop(
        rejected('rejected_by_zendesk', 'the organization to link was not found after its upsert'),
      );
    }
    const userId = await ctx.gateway.findUserIdByExternalId(op.user.externalId);
    if (userId === null) {
      // The organization is upserted already; replaying this event later is harmless.
      throw new Stop(
        rejected(
          op.onFailure.userNotFound,
          'organization upserted, but Zendesk holds no user with this userId to link',
        ),
      );
    }
    const { existed } = await ctx.gateway.linkMembership(userId, orgId);
    if (existed) ctx.notes.push('membership already existed');
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    throw otherRejection('link the user to the organization', r);
  }
}

async function sendUserEvent(op: SendUserEvent, ctx: Context): Promise<void> {
  const { api } = ctx.deps;
  try {
    const userId = await ctx.gateway.findUserIdByExternalId(op.user.externalId);
    if (userId === null) {
      throw new Stop(rejected(op.onFailure.userNotFound, 'Zendesk holds no user with this userId'));
    }
    await api.createUserEvent(userId, op.event);
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    throw otherRejection('accept the user event', r);
  }
}
