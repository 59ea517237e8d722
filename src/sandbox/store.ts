/**
 * The sandbox's data: plain records plus the indexes Zendesk's matching rules need. No HTTP here;
 * resources read and write it, `render*` turns records into Zendesk's JSON.
 */
import { randomBytes } from 'node:crypto';
import type { CustomFieldType } from '../zendesk/api.js';

export type FieldScope = 'user' | 'organization';

export interface Identity {
  id: number;
  type: 'email';
  value: string;
  verified: boolean;
  primary: boolean;
}

export interface UserRec {
  id: number;
  name: string;
  identities: Identity[];
  external_id: string | null;
  organization_id: number | null;
  phone: string | null;
  time_zone: string | null;
  locale: string;
  role: string;
  tags: string[];
  details: string;
  notes: string;
  alias: string;
  suspended: boolean;
  user_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface OrgRec {
  id: number;
  name: string;
  external_id: string | null;
  domain_names: string[];
  tags: string[];
  details: string | null;
  notes: string | null;
  group_id: number | null;
  shared_tickets: boolean;
  shared_comments: boolean;
  organization_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface MembershipRec {
  id: number;
  user_id: number;
  organization_id: number;
  default: boolean | null;
  view_tickets: boolean;
  created_at: string;
  updated_at: string;
}

export interface FieldRec {
  id: number;
  scope: FieldScope;
  key: string;
  type: CustomFieldType;
  title: string;
  description: string;
  position: number;
  active: boolean;
  regexp_for_validation: string | null;
  tag: string | null;
  custom_field_options: { id: number; name: string; value: string }[] | null;
  created_at: string;
  updated_at: string;
}

export interface EventRec {
  id: string;
  user_id: number;
  profile_id: string;
  via: 'users' | 'user_profiles';
  event: { source: string; type: string; description?: string; created_at: string; properties: unknown };
  received_at: string;
}

export type JobResult = Record<string, unknown>;

export interface JobRec {
  id: string;
  job_type: string;
  total: number;
  progress: number;
  status: 'queued' | 'working' | 'completed' | 'failed';
  message: string | null;
  results: JobResult[] | null;
  createdMs: number;
  /** Real milliseconds from creation to completion, fixed when the job is created. */
  durationMs: number;
}

export class Store {
  users = new Map<number, UserRec>();
  organizations = new Map<number, OrgRec>();
  memberships = new Map<number, MembershipRec>();
  fields = new Map<number, FieldRec>();
  events: EventRec[] = [];
  jobs = new Map<string, JobRec>();
  /** One id sequence for every resource, so an id of the wrong kind never finds anything. */
  private nextId = 100001;

  id(): number {
    return this.nextId++;
  }

  /** Job ids look like Zendesk's: 32 hex characters. */
  hexId(): string {
    return randomBytes(16).toString('hex');
  }

  // Lower-cased lookups: external ids, emails and organization names match case-insensitively.
  private userByExt = new Map<string, number>();
  private userByMail = new Map<string, number>();
  private orgByExt = new Map<string, number>();
  private orgByLowerName = new Map<string, number>();

  /** Stores a user (new or replaced) and keeps the lookups in step. */
  putUser(u: UserRec): void {
    const old = this.users.get(u.id);
    if (old) {
      if (old.external_id !== null) this.userByExt.delete(old.external_id.toLowerCase());
      for (const i of old.identities) this.userByMail.delete(i.value.toLowerCase());
    }
    this.users.set(u.id, u);
    if (u.external_id !== null) this.userByExt.set(u.external_id.toLowerCase(), u.id);
    for (const i of u.identities) this.userByMail.set(i.value.toLowerCase(), u.id);
  }

  putOrganization(o: OrgRec): void {
    const old = this.organizations.get(o.id);
    if (old) this.unindexOrg(old);
    this.organizations.set(o.id, o);
    if (o.external_id !== null) this.orgByExt.set(o.external_id.toLowerCase(), o.id);
    this.orgByLowerName.set(o.name.toLowerCase(), o.id);
  }

  deleteOrganization(o: OrgRec): void {
    this.unindexOrg(o);
    this.organizations.delete(o.id);
  }

  private unindexOrg(o: OrgRec): void {
    if (o.external_id !== null) this.orgByExt.delete(o.external_id.toLowerCase());
    this.orgByLowerName.delete(o.name.toLowerCase());
  }

  private lookup<T>(index: Map<string, number>, records: Map<number, T>, key: string): T | undefined {
    const id = index.get(key.toLowerCase());
    return id === undefined ? undefined : records.get(id);
  }

  userByExternalId(externalId: string): UserRec | undefined {
    return this.lookup(this.userByExt, this.users, externalId);
  }

  /** Emails are matched on every email identity, case-insensitively. */
  userByEmail(email: string): UserRec | undefined {
    return this.lookup(this.userByMail, this.users, email);
  }

  orgByExternalId(externalId: string): OrgRec | undefined {
    return this.lookup(this.orgByExt, this.organizations, externalId);
  }

  orgByName(name: string): OrgRec | undefined {
    return this.lookup(this.orgByLowerName, this.organizations, name);
  }

  fieldsOf(scope: FieldScope): FieldRec[] {
    return [...this.fields.values()]
      .filter((f) => f.scope === scope)
      .sort((a, b) => a.position - b.position || a.id - b.id);
  }

  field(scope: FieldScope, idOrKey: string): FieldRec | undefined {
    return this.fieldsOf(scope).find((f) => String(f.id) === idOrKey || f.key === idOrKey);
  }

  membershipsOfUser(userId: number): MembershipRec[] {
    return [...this.memberships.values()].filter((m) => m.user_id === userId);
  }

  membership(userId: number, orgId: number): MembershipRec | undefined {
    for (const m of this.memberships.values())
      if (m.user_id === userId && m.organization_id === orgId) return m;
    return undefined;
  }

  /** Removes a membership and keeps the user's default organization consistent. */
  removeMembership(m: MembershipRec, now: string): void {
    this.memberships.delete(m.id);
    const user = this.users.get(m.user_id);
    if (!user || user.organization_id !== m.organization_id) return;
    const next = this.membershipsOfUser(user.id)[0];
    user.organization_id = next ? next.organization_id : null;
    if (next) next.default = true;
    user.updated_at = now;
  }

  /** Adds a membership; the user's first one becomes its default organization. */
  addMembership(userId: number, orgId: number, now: string): MembershipRec {
    const user = this.users.get(userId);
    const isFirst = this.membershipsOfUser(userId).length === 0;
    const m: MembershipRec = {
      id: this.id(),
      user_id: userId,
      organization_id: orgId,
      default: isFirst ? true : null,
      view_tickets: true,
      created_at: now,
      updated_at: now,
    };
    this.memberships.set(m.id, m);
    if (user && isFirst) {
      user.organization_id = orgId;
      user.updated_at = now;
    }
    return m;
  }
}

/** Zendesk renders every defined field key, null when the record has no value. */
function customValues(defs: FieldRec[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of defs) out[f.key] = values[f.key] ?? null;
  return out;
}

export function renderUser(
  store: Store,
  u: UserRec,
  baseUrl: string,
  withIdentities = false,
): Record<string, unknown> {
  const primary = u.identities.find((i) => i.primary) ?? null;
  const out: Record<string, unknown> = {
    id: u.id,
    url: `${baseUrl}/api/v2/users/${u.id}.json`,
    name: u.name,
    email: primary ? primary.value : null,
    created_at: u.created_at,
    updated_at: u.updated_at,
    time_zone: u.time_zone,
    iana_time_zone: null,
    phone: u.phone,
    shared_phone_number: null,
    photo: null,
    locale_id: 1,
    locale: u.locale,
    organization_id: u.organization_id,
    role: u.role,
    verified: primary ? primary.verified : false,
    external_id: u.external_id,
    tags: [...u.tags],
    alias: u.alias,
    active: true,
    shared: false,
    shared_agent: false,
    last_login_at: null,
    two_factor_auth_enabled: null,
    signature: null,
    details: u.details,
    notes: u.notes,
    role_type: null,
    custom_role_id: null,
    moderator: u.role !== 'end-user',
    ticket_restriction: u.role === 'end-user' ? 'requested' : null,
    only_private_comments: false,
    restricted_agent: u.role === 'end-user',
    suspended: u.suspended,
    default_group_id: null,
    report_csv: false,
    user_fields: customValues(store.fieldsOf('user'), u.user_fields),
  };
  if (withIdentities) out.identities = u.identities.map((i) => ({ ...i }));
  return out;
}

export function renderOrganization(store: Store, o: OrgRec, baseUrl: string): Record<string, unknown> {
  return {
    id: o.id,
    url: `${baseUrl}/api/v2/organizations/${o.id}.json`,
    name: o.name,
    shared_tickets: o.shared_tickets,
    shared_comments: o.shared_comments,
    external_id: o.external_id,
    created_at: o.created_at,
    updated_at: o.updated_at,
    domain_names: [...o.domain_names],
    details: o.details,
    notes: o.notes,
    group_id: o.group_id,
    tags: [...o.tags],
    organization_fields: customValues(store.fieldsOf('organization'), o.organization_fields),
  };
}

export function renderMembership(store: Store, m: MembershipRec, baseUrl: string): Record<string, unknown> {
  return {
    id: m.id,
    url: `${baseUrl}/api/v2/organization_memberships/${m.id}.json`,
    user_id: m.user_id,
    organization_id: m.organization_id,
    default: m.default,
    organization_name: store.organizations.get(m.organization_id)?.name ?? null,
    view_tickets: m.view_tickets,
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

export function renderField(f: FieldRec, baseUrl: string): Record<string, unknown> {
  const path = f.scope === 'user' ? 'user_fields' : 'organization_fields';
  const out: Record<string, unknown> = {
    id: f.id,
    url: `${baseUrl}/api/v2/${path}/${f.id}.json`,
    key: f.key,
    type: f.type,
    title: f.title,
    raw_title: f.title,
    description: f.description,
    raw_description: f.description,
    position: f.position,
    active: f.active,
    system: false,
    regexp_for_validation: f.regexp_for_validation,
    created_at: f.created_at,
    updated_at: f.updated_at,
  };
  if (f.type === 'checkbox') out.tag = f.tag;
  if (f.custom_field_options) out.custom_field_options = f.custom_field_options.map((o) => ({ ...o }));
  return out;
}

export function renderJob(j: JobRec, baseUrl: string): Record<string, unknown> {
  return {
    id: j.id,
    url: `${baseUrl}/api/v2/job_statuses/${j.id}.json`,
    job_type: j.job_type,
    total: j.total,
    progress: j.progress,
    status: j.status,
    message: j.message,
    results: j.results ? structuredClone(j.results) : null,
  };
}
