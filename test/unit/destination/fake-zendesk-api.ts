/**
 * TEST DOUBLE: an in-memory ZendeskApi for executor unit tests. It records every call and follows
 * the few Zendesk rules the executor depends on (create_or_update matching, DuplicateValue, name
 * required on create, taken org names and field keys, existing memberships). The real proof is the
 * integration tests against the sandbox through the real HTTP client.
 */
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
} from '../../../src/zendesk/api.js';
import { newZOrganization, newZUser } from '../../../src/zendesk/api.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';

export interface Call {
  method: string;
  args: unknown[];
}

const T = '2026-01-01T00:00:00Z';
const eq = (a: string | null | undefined, b: string | undefined): boolean =>
  a != null && b !== undefined && a.toLowerCase() === b.toLowerCase();

const invalid = (details: unknown, message = 'Record validation errors'): ZendeskError =>
  new ZendeskError('reject', message, { status: 422, code: 'RecordInvalid', details });

/** Values a field of this type refuses (only the rules the tests need: integers, dropdown options). */
function refusedValue(field: ZCustomField, value: unknown): boolean {
  if (value === null) return false;
  if (field.type === 'integer') return !Number.isInteger(value);
  if (field.type === 'dropdown') {
    const options = (field.custom_field_options as { value: string }[] | undefined) ?? [];
    return !options.some((o) => o.value === value);
  }
  return false;
}

export class FakeZendeskApi implements ZendeskApi {
  readonly calls: Call[] = [];
  users: ZUser[] = [];
  organizations: ZOrganization[] = [];
  memberships: ZMembership[] = [];
  fields: Record<FieldScope, ZCustomField[]> = { user: [], organization: [] };
  events: { userId: Id; event: UserEventInput; profile?: UserProfileInput }[] = [];
  /** An agent's token: every field definition creation is refused with 403, as Zendesk does. */
  forbidFieldCreation = false;
  /** Errors to throw on the next call of a method (consumed in order). */
  readonly failures = new Map<string, Error[]>();
  private nextId = 1000;

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args: structuredClone(args) });
    const queue = this.failures.get(method);
    const failure = queue?.shift();
    if (failure) throw failure;
  }

  failNext(method: keyof ZendeskApi, error: Error): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  addUser(u: Partial<ZUser> & { name: string }): ZUser {
    const user = newZUser({ id: this.nextId++, ...u }, T);
    this.users.push(user);
    return user;
  }

  addOrganization(o: Partial<ZOrganization> & { name: string }): ZOrganization {
    const org = newZOrganization({ id: this.nextId++, ...o }, T);
    this.organizations.push(org);
    return org;
  }

  addField(scope: FieldScope, key: string, type: ZCustomField['type']): ZCustomField {
    const field: ZCustomField = { id: this.nextId++, key, type, title: key };
    this.fields[scope].push(field);
    return field;
  }

  /** 422 naming the field, as the sandbox does (details keyed by the field key). */
  private checkValues(scope: FieldScope, values: Record<string, unknown> | undefined): void {
    for (const [key, value] of Object.entries(values ?? {})) {
      const field = this.fields[scope].find((f) => f.key === key);
      if (field && refusedValue(field, value))
        throw invalid({
          [key]: [
            { description: `${field.title}: is invalid for a ${field.type} field`, error: 'InvalidValue' },
          ],
        });
    }
  }

  /** Email addresses Zendesk refuses as invalid. */
  invalidEmails = new Set<string>();

  async createOrUpdateUser(input: UserInput): Promise<{ user: ZUser; created: boolean }> {
    this.record('createOrUpdateUser', input);
    if (input.email !== undefined && this.invalidEmails.has(input.email))
      throw invalid({
        email: [{ description: `Email: ${input.email} is not properly formatted`, error: 'InvalidFormat' }],
      });
    this.checkValues('user', input.user_fields);
    const byExt =
      input.external_id !== undefined
        ? this.users.find((u) => eq(u.external_id, input.external_id))
        : undefined;
    const byEmail = input.email !== undefined ? this.users.find((u) => eq(u.email, input.email)) : undefined;
    if (byExt && byEmail && byExt !== byEmail) {
      throw invalid({
        email: [
          {
            description: `Email: ${input.email} is already being used by another user`,
            error: 'DuplicateValue',
          },
        ],
      });
    }
    const existing = byExt ?? byEmail;
    if (existing) {
      const { user_fields, ...rest } = input;
      Object.assign(existing, rest);
      if (user_fields) existing.user_fields = { ...existing.user_fields, ...user_fields };
      return { user: existing, created: false };
    }
    if (!input.name) throw invalid({ name: [{ description: "Name: can't be blank", error: 'BlankValue' }] });
    const { skip_verify_email: _s, ...rest } = input;
    return { user: this.addUser({ ...rest, name: input.name }), created: true };
  }

  async createOrUpdateManyUsers(_users: UserInput[]): Promise<BulkItemResult[]> {
    throw new Error('not used by the executor');
  }

  async updateUser(id: Id, patch: UserInput): Promise<ZUser> {
    this.record('updateUser', id, patch);
    const user = this.users.find((u) => u.id === id);
    if (!user) throw new ZendeskError('reject', 'Not found', { status: 404, code: 'RecordNotFound' });
    Object.assign(user, patch);
    return user;
  }

  async showUser(id: Id): Promise<ZUser | null> {
    this.record('showUser', id);
    return this.users.find((u) => u.id === id) ?? null;
  }

  async showManyUsers(q: { ids: Id[] } | { externalIds: string[] }): Promise<ZUser[]> {
    this.record('showManyUsers', q);
    if ('ids' in q) return this.users.filter((u) => q.ids.includes(u.id));
    return this.users.filter((u) => q.externalIds.some((e) => eq(u.external_id, e)));
  }

  async searchUsers(q: { email: string } | { externalId: string }): Promise<ZUser[]> {
    this.record('searchUsers', q);
    if ('email' in q) return this.users.filter((u) => eq(u.email, q.email));
    return this.users.filter((u) => eq(u.external_id, q.externalId));
  }

  async listFields(scope: FieldScope): Promise<ZCustomField[]> {
    this.record('listFields', scope);
    return this.fields[scope].map((f) => ({ ...f }));
  }

  async createField(scope: FieldScope, field: CustomFieldInput): Promise<ZCustomField> {
    this.record('createField', scope, field);
    if (this.forbidFieldCreation)
      throw new ZendeskError('reject', 'Zendesk refused user_fields to these credentials (403): Forbidden', {
        status: 403,
        code: 'Forbidden',
        endpoint: scope === 'user' ? 'user_fields' : 'organization_fields',
      });
    if (this.fields[scope].some((f) => eq(f.key, field.key))) {
      throw invalid({ key: [{ description: 'Key: has already been taken', error: 'DuplicateValue' }] });
    }
    return { ...this.addField(scope, field.key, field.type), title: field.title };
  }

  async deleteField(scope: FieldScope, idOrKey: Id | string): Promise<void> {
    this.record('deleteField', scope, idOrKey);
    this.fields[scope] = this.fields[scope].filter((f) => f.id !== idOrKey && f.key !== idOrKey);
  }

  async createOrUpdateOrganization(
    input: OrganizationInput,
  ): Promise<{ organization: ZOrganization; created: boolean }> {
    this.record('createOrUpdateOrganization', input);
    return this.writeOrganization(input);
  }

  private async writeOrganization(
    input: OrganizationInput,
  ): Promise<{ organization: ZOrganization; created: boolean }> {
    this.checkValues('organization', input.organization_fields);
    const existing = this.organizations.find((o) => eq(o.external_id, input.external_id));
    if (
      input.name !== undefined &&
      this.organizations.some((o) => o !== existing && eq(o.name, input.name))
    ) {
      throw invalid({ name: [{ description: 'Name: has already been taken', error: 'DuplicateValue' }] });
    }
    if (existing) {
      const { organization_fields, ...rest } = input;
      Object.assign(existing, rest);
      if (organization_fields)
        existing.organization_fields = { ...existing.organization_fields, ...organization_fields };
      return { organization: existing, created: false };
    }
    if (!input.name) throw invalid({ name: [{ description: "Name: can't be blank", error: 'BlankValue' }] });
    return { organization: this.addOrganization({ ...input, name: input.name }), created: true };
  }

  async showManyOrganizations(externalIds: string[]): Promise<ZOrganization[]> {
    this.record('showManyOrganizations', externalIds);
    return this.organizations.filter((o) => externalIds.some((x) => eq(o.external_id, x)));
  }

  /** Each item as Zendesk's job applies it: created (or, for update_many, changed) or failed alone. */
  private async organizationJob(
    method: string,
    orgs: OrganizationInput[],
    write: (o: OrganizationInput) => Promise<ZOrganization>,
  ): Promise<BulkItemResult[]> {
    this.record(method, orgs);
    const out: BulkItemResult[] = [];
    for (const [index, o] of orgs.entries())
      try {
        const org = await write(o);
        out.push({
          index,
          ok: true,
          id: org.id,
          action: method === 'createManyOrganizations' ? 'create' : 'update',
        });
      } catch (e) {
        const z = e as ZendeskError;
        const error = { code: z.code ?? 'Failed', message: z.message, details: z.details };
        out.push({ index, ok: false, error });
      }
    return out;
  }

  createManyOrganizations(orgs: OrganizationInput[]): Promise<BulkItemResult[]> {
    return this.organizationJob('createManyOrganizations', orgs, async (o) => {
      if (this.organizations.some((x) => eq(x.external_id, o.external_id) || eq(x.name, o.name)))
        throw new ZendeskError('reject', 'has already been taken', { status: 422, code: 'DuplicateValue' });
      return (await this.writeOrganization(o)).organization;
    });
  }

  updateManyOrganizations(orgs: (OrganizationInput & { id: Id })[]): Promise<BulkItemResult[]> {
    return this.organizationJob('updateManyOrganizations', orgs, async (o) => {
      const { id, ...rest } = o;
      if (!this.organizations.some((x) => x.id === id))
        throw new ZendeskError('reject', 'Not found', { status: 404, code: 'RecordNotFound' });
      return (await this.writeOrganization(rest)).organization;
    });
  }

  async showOrganization(id: Id): Promise<ZOrganization | null> {
    this.record('showOrganization', id);
    return this.organizations.find((o) => o.id === id) ?? null;
  }

  async searchOrganizations(q: { externalId: string } | { name: string }): Promise<ZOrganization[]> {
    this.record('searchOrganizations', q);
    if ('name' in q) return this.organizations.filter((o) => eq(o.name, q.name));
    return this.organizations.filter((o) => eq(o.external_id, q.externalId));
  }

  async deleteOrganization(id: Id): Promise<void> {
    this.record('deleteOrganization', id);
    this.organizations = this.organizations.filter((o) => o.id !== id);
    this.memberships = this.memberships.filter((m) => m.organization_id !== id);
  }

  async createMembership(
    userId: Id,
    organizationId: Id,
  ): Promise<{ membership: ZMembership | null; existed: boolean }> {
    this.record('createMembership', userId, organizationId);
    const found = this.memberships.find((m) => m.user_id === userId && m.organization_id === organizationId);
    if (found) return { membership: found, existed: true };
    const membership: ZMembership = {
      id: this.nextId++,
      user_id: userId,
      organization_id: organizationId,
      default: null,
    };
    this.memberships.push(membership);
    return { membership, existed: false };
  }

  async createManyMemberships(_items: { user_id: Id; organization_id: Id }[]): Promise<BulkItemResult[]> {
    throw new Error('not used by the executor');
  }

  async listUserMemberships(userId: Id): Promise<ZMembership[]> {
    this.record('listUserMemberships', userId);
    return this.memberships.filter((m) => m.user_id === userId);
  }

  async deleteMembership(id: Id): Promise<void> {
    this.record('deleteMembership', id);
    this.memberships = this.memberships.filter((m) => m.id !== id);
  }

  async createUserEvent(userId: Id, event: UserEventInput, profile?: UserProfileInput): Promise<void> {
    this.record('createUserEvent', userId, event, profile);
    if (!profile)
      throw new ZendeskError('reject', 'profile is required', { status: 400, code: 'InvalidValue' });
    this.events.push({ userId, event, profile });
  }
}
