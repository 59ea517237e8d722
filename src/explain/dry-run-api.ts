import type {
  BulkItemResult,
  CustomFieldInput,
  FieldScope,
  Id,
  OrganizationInput,
  UserEventInput,
  UserInput,
  UserProfileInput,
  ZCustomField,
  ZMembership,
  ZOrganization,
  ZUser,
  ZendeskApi,
} from '../zendesk/api.js';
import { newZOrganization, newZUser } from '../zendesk/api.js';

/** One field a write would change: what Zendesk holds now (undefined: nothing) and what it would hold. */
export interface Change {
  field: string;
  now: unknown;
  then: unknown;
}

/** A call the executor made: reads went to Zendesk, writes were only recorded. */
export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Zendesk's route, without ids or emails. */
  route: string;
  /** A write only: what it would send, and what it would change on the record Zendesk holds now. */
  body?: unknown;
  target?: string;
  changes?: Change[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Field by field: the keys an input sets, against the record Zendesk holds (custom fields one level down). */
export function changesOf(current: Record<string, unknown> | null, input: Record<string, unknown>): Change[] {
  const out: Change[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (key === 'skip_verify_email' || key === 'id') continue;
    if ((key === 'user_fields' || key === 'organization_fields') && value && typeof value === 'object') {
      const held = (current?.[key] ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(value))
        if (!same(held[k], v)) out.push({ field: `${key}.${k}`, now: held[k], then: v });
    } else if (!same(current?.[key], value)) out.push({ field: key, now: current?.[key], then: value });
  }
  return out;
}

/**
 * A `ZendeskApi` for `explain`: every read goes to the real Zendesk (through the one client), every
 * write is recorded with the difference it would make and answered as Zendesk would (created records
 * get negative ids and are found by later reads of the same plan), and never sent. So the executor's
 * own code decides the calls and the outcome, and nothing in Zendesk changes.
 */
export class DryRunApi implements ZendeskApi {
  readonly calls: Call[] = [];
  private nextId = -1;
  private readonly users: ZUser[] = [];
  private readonly organizations: ZOrganization[] = [];

  constructor(private readonly real: ZendeskApi) {}

  private read(route: string): void {
    this.calls.push({ method: 'GET', route });
  }

  private write(call: Call): void {
    this.calls.push(call);
  }

  async searchUsers(q: { email: string } | { externalId: string }): Promise<ZUser[]> {
    this.read('users/search');
    const mine = this.users.filter((u) =>
      'email' in q ? u.email === q.email : u.external_id?.toLowerCase() === q.externalId.toLowerCase(),
    );
    return mine.length ? mine : this.real.searchUsers(q);
  }

  async showUser(id: Id): Promise<ZUser | null> {
    this.read('users/{id}');
    return id < 0 ? (this.users.find((u) => u.id === id) ?? null) : this.real.showUser(id);
  }

  async showManyUsers(q: { ids: Id[] } | { externalIds: string[] }): Promise<ZUser[]> {
    this.read('users/show_many');
    const mine =
      'ids' in q
        ? this.users.filter((u) => q.ids.includes(u.id))
        : this.users.filter((u) => u.external_id !== null && q.externalIds.includes(u.external_id));
    const ids = 'ids' in q ? { ids: q.ids.filter((i) => i > 0) } : q;
    const theirs = 'ids' in ids && ids.ids.length === 0 ? [] : await this.real.showManyUsers(ids);
    return [...mine, ...theirs];
  }

  async createOrUpdateUser(user: UserInput): Promise<{ user: ZUser; created: boolean }> {
    const existing =
      (user.external_id !== undefined
        ? (await this.searchUsers({ externalId: user.external_id }))[0]
        : undefined) ??
      (user.email !== undefined ? (await this.searchUsers({ email: user.email }))[0] : undefined) ??
      null;
    this.write({
      method: 'POST',
      route: 'users/create_or_update',
      body: user,
      target: existing ? `user ${existing.id}` : 'a new user',
      changes: changesOf(existing, user as Record<string, unknown>),
    });
    return { user: this.remember(existing, user), created: existing === null };
  }

  async createOrUpdateManyUsers(users: UserInput[]): Promise<BulkItemResult[]> {
    const out: BulkItemResult[] = [];
    for (const [index, u] of users.entries()) {
      const { user, created } = await this.createOrUpdateUser(u);
      out.push({ index, ok: true, id: user.id, action: created ? 'create' : 'update' });
    }
    return out;
  }

  async updateUser(id: Id, patch: UserInput): Promise<ZUser> {
    const existing = await this.showUser(id);
    this.write({
      method: 'PUT',
      route: 'users/{id}',
      body: patch,
      target: `user ${id}`,
      changes: changesOf(existing, patch as Record<string, unknown>),
    });
    return this.remember(existing, patch);
  }

  private remember(existing: ZUser | null, input: UserInput): ZUser {
    const user = newZUser(
      {
        name: '',
        ...existing,
        ...input,
        id: existing?.id ?? this.nextId--,
        user_fields: { ...existing?.user_fields, ...input.user_fields },
      },
      new Date(0).toISOString(),
    );
    this.users.unshift(user);
    return user;
  }

  async listFields(scope: FieldScope): Promise<ZCustomField[]> {
    this.read(`${scope}_fields`);
    return this.real.listFields(scope);
  }

  async createField(scope: FieldScope, field: CustomFieldInput): Promise<ZCustomField> {
    this.write({ method: 'POST', route: `${scope}_fields`, body: field, target: `a new ${scope} field` });
    return { id: this.nextId--, active: true, ...field };
  }

  async deleteField(scope: FieldScope, idOrKey: Id | string): Promise<void> {
    this.write({ method: 'DELETE', route: `${scope}_fields/{id}`, target: `${scope} field ${idOrKey}` });
  }

  async searchOrganizations(q: { externalId: string } | { name: string }): Promise<ZOrganization[]> {
    this.read('organizations/search');
    const mine = this.organizations.filter((o) =>
      'name' in q ? o.name === q.name : o.external_id?.toLowerCase() === q.externalId.toLowerCase(),
    );
    return mine.length ? mine : this.real.searchOrganizations(q);
  }

  async showOrganization(id: Id): Promise<ZOrganization | null> {
    this.read('organizations/{id}');
    return id < 0 ? (this.organizations.find((o) => o.id === id) ?? null) : this.real.showOrganization(id);
  }

  async createOrUpdateOrganization(
    org: OrganizationInput,
  ): Promise<{ organization: ZOrganization; created: boolean }> {
    const existing =
      org.external_id !== undefined
        ? ((await this.searchOrganizations({ externalId: org.external_id }))[0] ?? null)
        : null;
    this.write({
      method: 'POST',
      route: 'organizations/create_or_update',
      body: org,
      target: existing ? `organization ${existing.id}` : 'a new organization',
      changes: changesOf(existing, org as Record<string, unknown>),
    });
    const organization = newZOrganization(
      {
        name: '',
        ...existing,
        ...org,
        id: existing?.id ?? this.nextId--,
        organization_fields: { ...existing?.organization_fields, ...org.organization_fields },
      },
      new Date(0).toISOString(),
    );
    this.organizations.unshift(organization);
    return { organization, created: existing === null };
  }

  async deleteOrganization(id: Id): Promise<void> {
    this.write({ method: 'DELETE', route: 'organizations/{id}', target: `organization ${id}` });
  }

  // The bulk forms are shown as the single upserts they stand for.
  async showManyOrganizations(externalIds: string[]): Promise<ZOrganization[]> {
    const found = await Promise.all(externalIds.map((x) => this.searchOrganizations({ externalId: x })));
    return found.flat();
  }

  createManyOrganizations(orgs: OrganizationInput[]): Promise<BulkItemResult[]> {
    return this.organizationsOneByOne(orgs);
  }

  updateManyOrganizations(orgs: (OrganizationInput & { id: Id })[]): Promise<BulkItemResult[]> {
    return this.organizationsOneByOne(orgs);
  }

  private async organizationsOneByOne(orgs: OrganizationInput[]): Promise<BulkItemResult[]> {
    const out: BulkItemResult[] = [];
    for (const [index, o] of orgs.entries()) {
      const { organization, created } = await this.createOrUpdateOrganization(o);
      out.push({ index, ok: true, id: organization.id, action: created ? 'create' : 'update' });
    }
    return out;
  }

  async listUserMemberships(userId: Id): Promise<ZMembership[]> {
    this.read('users/{id}/organization_memberships');
    return userId < 0 ? [] : this.real.listUserMemberships(userId);
  }

  async createMembership(
    userId: Id,
    organizationId: Id,
  ): Promise<{ membership: ZMembership | null; existed: boolean }> {
    const held = (await this.listUserMemberships(userId)).find((m) => m.organization_id === organizationId);
    if (held) return { membership: held, existed: true };
    this.write({
      method: 'POST',
      route: 'organization_memberships',
      body: { user_id: userId, organization_id: organizationId },
      target: `user ${userId} in organization ${organizationId}`,
      changes: [{ field: 'membership', now: undefined, then: organizationId }],
    });
    return { membership: null, existed: false };
  }

  async createManyMemberships(items: { user_id: Id; organization_id: Id }[]): Promise<BulkItemResult[]> {
    const out: BulkItemResult[] = [];
    for (const [index, m] of items.entries()) {
      await this.createMembership(m.user_id, m.organization_id);
      out.push({ index, ok: true, id: this.nextId--, action: 'create' });
    }
    return out;
  }

  async deleteMembership(id: Id): Promise<void> {
    this.write({ method: 'DELETE', route: 'organization_memberships/{id}', target: `membership ${id}` });
  }

  async createUserEvent(userId: Id, event: UserEventInput, profile?: UserProfileInput): Promise<void> {
    this.write({
      method: 'POST',
      route: 'users/{id}/events',
      body: { event, profile },
      target: `user ${userId} (one more event: events are appended, never changed)`,
    });
  }
}
