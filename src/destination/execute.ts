import type { FieldScope, Id, ZCustomField, ZendeskApi } from '../zendesk/api.js';
import type { ZendeskError } from '../zendesk/errors.js';
import { delivered, rejected, type Outcome } from './outcome.js';
import { valueForType, type FieldWrite } from './fields.js';
import type { FieldCatalogs } from './fields-catalog.js';
import { naiveGateway, type ZendeskGateway } from '../zendesk/batching/gateway.js';
import { findOrganizations } from '../zendesk/lookup.js';
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
import { redactDetails, redactEmails } from '../ops/redact.js';
import {
  isDuplicateValue,
  isForbidden,
  isGone,
  isNameTaken,
  rejectedFieldKeys,
  rejection,
} from './refusals.js';

export interface ExecuteDeps {
  api: ZendeskApi;
  fields: FieldCatalogs;
  /** How upserts, look-ups and links reach Zendesk; default one request per operation. */
  gateway?: ZendeskGateway;
  /** Zendesk accepted one Events API event (counted against the monthly allowance). */
  onEventSent?: () => void;
}

/** What one plan's operations learned so far: Zendesk ids of what they touched. */
interface Context {
  deps: ExecuteDeps;
  gateway: ZendeskGateway;
  notes: string[];
  userId: Id | null;
  organizations: Map<string, Id>;
  /** Lower-cased keys, by scope, whose definitions Zendesk refused to create for this event. */
  notCreated: Record<FieldScope, Set<string>>;
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
    notCreated: { user: new Set(), organization: new Set() },
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

function fromZendesk(reason: Parameters<typeof rejected>[0], message: string, err: ZendeskError): Stop {
  const extra: { status?: number; details?: unknown; attempts?: number } = {};
  if (err.status !== undefined) extra.status = err.status;
  const details = err.details ?? (err.code !== undefined ? { error: err.code } : undefined);
  if (details !== undefined) extra.details = redactDetails(details);
  if (err.attempts !== undefined) extra.attempts = err.attempts;
  return new Stop(rejected(reason, message, extra));
}

function otherRejection(what: string, err: ZendeskError): Stop {
  const said = redactEmails(err.message);
  return fromZendesk(
    isForbidden(err) ? 'forbidden' : 'rejected_by_zendesk',
    `Zendesk refused to ${what}: ${said}`,
    err,
  );
}

/**
 * Runs one operation's Zendesk calls. A refusal of this event becomes its rejection (`named` may
 * say more precisely what was refused); outages, bugs and `Stop`s propagate unchanged.
 */
async function refusedAs(
  what: string,
  calls: () => Promise<void>,
  named?: (r: ZendeskError) => Stop | undefined,
): Promise<void> {
  try {
    await calls();
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    throw named?.(r) ?? otherRejection(what, r);
  }
}

function ensureFields(op: EnsureFields, ctx: Context): Promise<void> {
  const keys = op.fields.map((f) => f.key).join(', ');
  return refusedAs(`create ${op.scope} custom field definitions (${keys})`, async () => {
    const held = await ctx.deps.fields[op.scope].ensure(op.fields);
    // Not created (403 for an agent, or refused): left out of the upsert, the rest is delivered.
    for (const d of op.fields) {
      const id = d.key.toLowerCase();
      if (held.has(id) || ctx.notCreated[op.scope].has(id)) continue;
      ctx.notCreated[op.scope].add(id);
      ctx.notes.push(`field_not_created:${d.key}`);
    }
  });
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
  refused: ReadonlySet<string> = new Set(),
): Promise<Record<string, unknown> | undefined> {
  if (writes.length === 0 && optional.length === 0) return undefined;
  const catalog: Map<string, ZCustomField> = await ctx.deps.fields[scope].all();
  const out: Record<string, unknown> = {};
  for (const write of [...writes, ...optional]) {
    const id = write.key.toLowerCase();
    if (refused.has(id)) continue;
    const definition = catalog.get(id);
    if (definition) out[definition.key] = valueForType(write, definition.type);
    else if (write.value !== null && !optional.includes(write) && !ctx.notCreated[scope].has(id)) {
      ctx.notes.push(`${scope} field "${write.key}" does not exist; value not sent`);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Runs an upsert; when Zendesk refuses custom field values (and only those), runs it again without
 * them, noting `field_rejected:<key>` for each: one refused value never sinks the event (SPEC 2).
 * Each round leaves out at least one more field, so this ends.
 */
async function withoutRefusedFields<T>(
  scope: FieldScope,
  writes: FieldWrite[],
  optional: FieldWrite[],
  ctx: Context,
  send: (fields: Record<string, unknown> | undefined) => Promise<T>,
): Promise<T> {
  const refused = new Set<string>();
  for (;;) {
    const fields = await fieldValues(scope, writes, optional, ctx, refused);
    try {
      return await send(fields);
    } catch (err) {
      const r = rejection(err);
      if (!r || fields === undefined || isDuplicateValue(r)) throw err;
      const named = rejectedFieldKeys(r, Object.keys(fields));
      if (named.length === 0) throw err;
      for (const key of named) {
        refused.add(key.toLowerCase());
        ctx.notes.push(`field_rejected:${key}`);
      }
    }
  }
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
  await refusedAs(
    'create or update the user',
    async () => {
      ctx.userId = await withoutRefusedFields('user', op.fields, op.nameFields, ctx, (user_fields) =>
        gateway.upsertUser(user_fields ? { ...op.attributes, user_fields } : { ...op.attributes }),
      );
    },
    (r) =>
      isDuplicateValue(r)
        ? fromZendesk(
            op.onFailure.duplicate,
            'the email and the external id belong to two different Zendesk users (multiple users match: no update); merge them in Zendesk, then replay',
            r,
          )
        : undefined,
  );
}

function removeMembership(op: RemoveMembership, ctx: Context): Promise<void> {
  const { api } = ctx.deps;
  return refusedAs('remove the organization membership', async () => {
    const userId = ctx.userId ?? (await ctx.gateway.findUserId(op.user));
    if (userId === null) {
      ctx.notes.push('company.remove: user not found; nothing removed');
      return;
    }
    const externalId = op.organization.externalId;
    const orgIds = new Set((await findOrganizations(api, externalId)).map((o) => o.id));
    // No organization holds it as external id, and it is numeric: Zendesk's own organization id,
    // as in Segment's own example (SPEC 2).
    if (orgIds.size === 0 && /^\d+$/.test(externalId) && Number.isSafeInteger(Number(externalId)))
      orgIds.add(Number(externalId));
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
        if (!isGone(err)) throw err;
      }
    }
  });
}

function upsertOrganization(op: UpsertOrganization, ctx: Context): Promise<void> {
  return refusedAs(
    'create or update the organization',
    async () => {
      const id = await withoutRefusedFields('organization', op.fields, [], ctx, (organization_fields) =>
        ctx.gateway.upsertOrganization(
          organization_fields ? { ...op.attributes, organization_fields } : { ...op.attributes },
        ),
      );
      ctx.organizations.set(op.key.externalId, id);
    },
    (r) =>
      isNameTaken(r)
        ? fromZendesk(
            op.onFailure.nameTaken,
            'the organization name is already taken by another organization (multiple organizations match: no update)',
            r,
          )
        : undefined,
  );
}

function deleteOrganization(op: DeleteOrganization, ctx: Context): Promise<void> {
  const { api } = ctx.deps;
  ctx.gateway.forgetOrganization(op.key.externalId);
  return refusedAs('delete the organization', async () => {
    const found = await findOrganizations(api, op.key.externalId);
    if (found.length === 0) ctx.notes.push('organization to delete does not exist (already deleted?)');
    for (const org of found) {
      try {
        await api.deleteOrganization(org.id);
      } catch (err) {
        if (!isGone(err)) throw err;
      }
    }
  });
}

function linkMembership(op: LinkMembership, ctx: Context): Promise<void> {
  const { api } = ctx.deps;
  return refusedAs('link the user to the organization', async () => {
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
  });
}

function sendUserEvent(op: SendUserEvent, ctx: Context): Promise<void> {
  const { api } = ctx.deps;
  return refusedAs('accept the user event', async () => {
    const userId = await ctx.gateway.findUserIdByExternalId(op.user.externalId);
    if (userId === null) {
      throw new Stop(rejected(op.onFailure.userNotFound, 'Zendesk holds no user with this userId'));
    }
    await api.createUserEvent(userId, op.event, op.profile);
    ctx.deps.onEventSent?.();
  });
}
