import type { FieldScope, Id, ZCustomField, ZendeskApi } from '../zendesk/api.js';
import { isZendeskError, type ZendeskError } from '../zendesk/errors.js';
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
import { redactDetails, redactEmails } from './redact.js';

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

/** Zendesk's own 404 (a reject): the thing is gone. A proxy's 404 is an outage and is rethrown. */
const isGone = (err: unknown): boolean =>
  isZendeskError(err) && err.status === 404 && err.action === 'reject';

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
    const held = await ctx.deps.fields[op.scope].ensure(op.fields);
    // Not created (403 for an agent, or refused): left out of the upsert, the rest is delivered.
    for (const d of op.fields) {
      const id = d.key.toLowerCase();
      if (held.has(id) || ctx.notCreated[op.scope].has(id)) continue;
      ctx.notCreated[op.scope].add(id);
      ctx.notes.push(`field_not_created:${d.key}`);
    }
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

/** Attributes of our own (not custom fields): Zendesk refusing one of these refuses the event. */
const ATTRIBUTE_KEYS = new Set([
  'email',
  'name',
  'external_id',
  'phone',
  'time_zone',
  'organization_id',
  'verified',
  'domain_names',
  'tags',
  'id',
]);
const CUSTOM_CONTAINERS = new Set(['user_fields', 'organization_fields', 'custom_fields', 'base']);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function mentions(text: string, key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_@.])${escaped}($|[^A-Za-z0-9_@])`, 'i').test(text);
}

/**
 * The custom fields (of the keys sent) that a refusal names: a 422 (or a refused bulk item) whose
 * details are keyed by the field (`plan_tier`, `user_fields.plan_tier`), or keyed by the container
 * (`user_fields`) or a plain text that names the key. Empty when the refusal names none of them,
 * or when it also names one of our attributes (an invalid email must dead-letter the event).
 */
export function rejectedFieldKeys(err: ZendeskError, sent: readonly string[]): string[] {
  if (err.status !== undefined && err.status !== 422 && err.status !== 400) return [];
  const byId = new Map(sent.map((k) => [k.toLowerCase(), k]));
  const found = new Set<string>();
  const searchText = (text: string) => {
    for (const k of sent) if (mentions(text, k)) found.add(k);
  };
  const details = err.details;
  if (isObject(details)) {
    for (const [rawKey, value] of Object.entries(details)) {
      const key = rawKey.replace(/^(user_fields|organization_fields|custom_fields)\./, '').toLowerCase();
      const field = byId.get(key);
      if (field !== undefined) found.add(field);
      else if (CUSTOM_CONTAINERS.has(key)) searchText(JSON.stringify(value));
      else if (ATTRIBUTE_KEYS.has(key)) return [];
      else searchText(`${rawKey} ${JSON.stringify(value)}`);
    }
  } else if (details !== undefined && details !== null) {
    searchText(typeof details === 'string' ? details : JSON.stringify(details));
  } else {
    searchText(err.message);
  }
  return [...found];
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
  try {
    ctx.userId = await withoutRefusedFields('user', op.fields, op.nameFields, ctx, (user_fields) =>
      gateway.upsertUser(user_fields ? { ...op.attributes, user_fields } : { ...op.attributes }),
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
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    throw otherRejection('remove the organization membership', r);
  }
}

async function upsertOrganization(op: UpsertOrganization, ctx: Context): Promise<void> {
  try {
    const id = await withoutRefusedFields('organization', op.fields, [], ctx, (organization_fields) =>
      ctx.gateway.upsertOrganization(
        organization_fields ? { ...op.attributes, organization_fields } : { ...op.attributes },
      ),
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
        if (!isGone(err)) throw err;
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
    await api.createUserEvent(userId, op.event, op.profile);
    ctx.deps.onEventSent?.();
  } catch (err) {
    const r = rejection(err);
    if (!r) throw err;
    throw otherRejection('accept the user event', r);
  }
}
