/**
 * Writing a user, shared by create_or_update, create_or_update_many and PUT users/{id} [U]:
 * matching by email or external_id, the email/verified identity rules, and
 * "organization_id replaces the user's other memberships". Everything is validated on a draft
 * before anything is stored, so a 422 leaves no half-written user.
 */
import type { SandboxConfig } from '../config.js';
import { applyCustomValues } from '../custom-values.js';
import { invalid } from '../errors.js';
import type { Store, UserRec } from '../store.js';
import { ZENDESK_TIME_ZONE_NAMES } from '../time-zones.js';

export interface WriteEnv {
  store: Store;
  config: SandboxConfig;
  nowIso(): string;
}

const ROLES = new Set(['end-user', 'agent', 'admin']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const asExternalId = (v: unknown): string | null | undefined =>
  v === undefined ? undefined : v === null || v === '' ? null : String(v);

function optString(input: Record<string, unknown>, key: string): string | null | undefined {
  const v = input[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw invalid(key, `${key}: is invalid`, 'InvalidValue');
}

/**
 * Which existing user a create_or_update input means, or undefined for a new one. Email and
 * external_id pointing at two users is resolved by `duplicateMatch`; the losing key is then dropped
 * from the input (returned), since writing it would collide with the other user.
 */
export function matchUser(
  env: WriteEnv,
  input: Record<string, unknown>,
): { user: UserRec | undefined; input: Record<string, unknown> } {
  const ext = asExternalId(input.external_id);
  const email = typeof input.email === 'string' && input.email !== '' ? input.email : undefined;
  const byExt = ext ? env.store.userByExternalId(ext) : undefined;
  const byEmail = email ? env.store.userByEmail(email) : undefined;
  if (byExt && byEmail && byExt.id !== byEmail.id) {
    switch (env.config.duplicateMatch) {
      case 'email-wins': {
        const { external_id: _drop, ...rest } = input;
        return { user: byEmail, input: rest };
      }
      case 'external-id-wins': {
        const { email: _drop, ...rest } = input;
        return { user: byExt, input: rest };
      }
      default:
        // The one real report: "Email: X is already being used by another user" (community 21742).
        throw invalid('email', `Email: ${email} is already being used by another user`, 'DuplicateValue');
    }
  }
  return { user: byExt ?? byEmail, input };
}

function newUser(env: WriteEnv): UserRec {
  const now = env.nowIso();
  return {
    id: 0,
    name: '',
    identities: [],
    external_id: null,
    organization_id: null,
    phone: null,
    time_zone: null,
    locale: 'en-US',
    role: 'end-user',
    tags: [],
    details: '',
    notes: '',
    alias: '',
    suspended: false,
    user_fields: {},
    created_at: now,
    updated_at: now,
  };
}

function applyEmail(env: WriteEnv, draft: UserRec, email: unknown, verified: unknown): void {
  if (email === undefined || email === null || email === '') {
    // `verified` alone sets the flag on the primary identity [U].
    const primary = draft.identities.find((i) => i.primary);
    if (typeof verified === 'boolean' && primary) primary.verified = verified;
    return;
  }
  if (typeof email !== 'string' || !EMAIL.test(email))
    throw invalid('email', `Email: ${String(email)} is not properly formatted`, 'InvalidFormat');
  const owner = env.store.userByEmail(email);
  if (owner && owner.id !== draft.id)
    throw invalid('email', `Email: ${email} is already being used by another user`, 'DuplicateValue');
  const existing = draft.identities.find((i) => i.value.toLowerCase() === email.toLowerCase());
  if (existing) {
    if (typeof verified === 'boolean') existing.verified = verified;
    return;
  }
  // On create the email is the primary identity; afterwards it can only be added as a secondary one,
  // verified only when `verified` says so [U]. Changing the primary needs Make Identity Primary.
  draft.identities.push({
    id: env.store.id(),
    type: 'email',
    value: email,
    verified: verified === true,
    primary: draft.identities.length === 0,
  });
}

/** Validates and writes `input` onto a user (a new one when `existing` is undefined). */
export function writeUser(
  env: WriteEnv,
  existing: UserRec | undefined,
  input: Record<string, unknown>,
): { user: UserRec; created: boolean } {
  const created = existing === undefined;
  const draft: UserRec = existing ? structuredClone(existing) : newUser(env);

  const name = optString(input, 'name');
  if (name !== undefined) draft.name = name ?? '';
  if (draft.name.trim() === '')
    throw invalid('name', 'Name: is too short (minimum one character)', 'BlankValue');

  const ext = asExternalId(input.external_id);
  if (ext !== undefined) {
    const other = ext === null ? undefined : env.store.userByExternalId(ext);
    if (other && other.id !== draft.id)
      throw invalid('external_id', 'External ID: has already been taken', 'DuplicateValue');
    // A case-insensitive match rewrites the stored case to the request's [U].
    draft.external_id = ext;
  }

  for (const key of ['phone', 'time_zone', 'details', 'notes', 'alias', 'locale'] as const) {
    const v = optString(input, key);
    if (v === undefined) continue;
    // time_zone takes Zendesk's own zone names ("Berlin", "Eastern Time (US & Canada)") [U];
    // anything else, an IANA name included, is refused naming the attribute.
    if (key === 'time_zone' && v !== null && !ZENDESK_TIME_ZONE_NAMES.has(v))
      throw invalid('time_zone', `Time zone: ${v} is not included in the list`, 'InvalidValue');
    if (key === 'phone' || key === 'time_zone') draft[key] = v;
    else draft[key] = v ?? (key === 'locale' ? 'en-US' : '');
  }

  if (input.role !== undefined) {
    if (typeof input.role !== 'string' || !ROLES.has(input.role))
      throw invalid('role', `Role: ${String(input.role)} is not a valid role`, 'InvalidValue');
    draft.role = input.role;
  }
  if (input.suspended !== undefined) draft.suspended = input.suspended === true;
  if (input.tags !== undefined) {
    const tags = Array.isArray(input.tags)
      ? input.tags
      : typeof input.tags === 'string'
        ? input.tags.split(/[\s,]+/)
        : null;
    if (!tags) throw invalid('tags', 'Tags: is invalid', 'InvalidValue');
    draft.tags = [...new Set(tags.map(String).filter(Boolean))];
  }
  if (input.verified !== undefined && typeof input.verified !== 'boolean')
    throw invalid('verified', 'Verified: is invalid', 'InvalidValue');
  applyEmail(env, draft, input.email, input.verified);

  draft.user_fields = applyCustomValues(
    env.store,
    'user',
    draft.user_fields,
    input.user_fields,
    env.config.unknownCustomFieldKeys,
  );

  let orgId: number | null | undefined;
  if (input.organization_id !== undefined) {
    orgId = input.organization_id === null ? null : Number(input.organization_id);
    if (orgId !== null && (!Number.isInteger(orgId) || !env.store.organizations.has(orgId)))
      throw invalid('organization_id', 'Organization: is invalid', 'InvalidValue');
  }

  // Commit.
  const now = env.nowIso();
  if (created) draft.id = env.store.id();
  draft.updated_at = now;
  env.store.putUser(draft);
  if (orgId !== undefined) setDefaultOrganization(env.store, draft, orgId, now);
  return { user: draft, created };
}

/** `organization_id` changes the default organization and removes every other membership [U]. */
function setDefaultOrganization(store: Store, user: UserRec, orgId: number | null, now: string): void {
  for (const m of store.membershipsOfUser(user.id))
    if (m.organization_id !== orgId) store.memberships.delete(m.id);
  user.organization_id = null;
  if (orgId === null) return;
  const kept = store.membership(user.id, orgId);
  if (kept) {
    kept.default = true;
    kept.updated_at = now;
    user.organization_id = orgId;
  } else store.addMembership(user.id, orgId, now);
}
