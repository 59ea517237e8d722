/**
 * The Zendesk client: every call the product makes to Zendesk goes through one of these. It
 * implements the `ZendeskApi` port with typed methods; the road each call takes (limits,
 * concurrency, retries, errors) is requester.ts's, job handling is bulk.ts, pages paginate.ts.
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
  ZendeskApi,
  ZMembership,
  ZOrganization,
  ZUser,
} from './api.js';
import { Authenticator, type IssuedToken } from './auth.js';
import type { ZendeskClientOptions } from './client-options.js';
import { bulkCalls, type BulkCalls } from './bulk.js';
import { ZendeskError } from './errors.js';
import { userIdentities } from './identity.js';
import { Requester, type Answer, type ClientLogger } from './requester.js';
import { UndiciTransport, type Transport } from './http.js';
import { Limits } from './limits.js';
import { listCursor, listOffset } from './paginate.js';
import { DEFAULT_BACKOFF } from './retry.js';
import { asObject } from '../ops/json.js';
import type { JobSlotState } from '../ops/metrics.js';

export type { ZendeskAuth } from './auth.js';
export type { ClientHooks, ClientLogger } from './requester.js';
export type { ZendeskClientOptions } from './client-options.js';

const NO_LOG: ClientLogger = { debug() {}, info() {}, warn() {}, error() {} };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const BULK_MAX = 100;

const obj = (v: unknown): Record<string, unknown> => asObject(v) ?? {};

function field<T>(a: Answer, key: string, endpoint: string): T {
  const v = obj(a.body)[key];
  if (v === undefined || v === null)
    throw new ZendeskError('outage', `Zendesk's answer to ${endpoint} has no ${key}`, {
      endpoint,
      code: 'UnexpectedAnswer',
      status: a.status,
    });
  return v as T;
}

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** Zendesk itself refused with this status (an outage with that status, e.g. a proxy's 404, is not). */
const isStatus = (e: unknown, status: number): e is ZendeskError =>
  e instanceof ZendeskError && e.status === status && e.action === 'reject';

const fieldsPath = (scope: FieldScope) => (scope === 'user' ? 'user_fields' : 'organization_fields');
const fieldKey = (scope: FieldScope) => (scope === 'user' ? 'user_field' : 'organization_field');

/** The per-user limit's key: the identity Zendesk will match the upsert on. */
const upsertKey = (u: UserInput): string => userIdentities(u)[0] ?? 'unknown';

export class ZendeskClient implements ZendeskApi {
  private readonly exec: Requester;
  private readonly auth: Authenticator;
  private readonly transport: Transport;
  private readonly bulk: BulkCalls;

  constructor(opts: ZendeskClientOptions) {
    const now = opts.now ?? Date.now;
    const sleep = opts.sleep ?? realSleep;
    const timeScale = opts.timeScale ?? 1;
    const concurrency = opts.concurrency ?? 8;
    const hooks = opts.hooks ?? {};
    this.transport = opts.transport ?? new UndiciTransport({ connections: concurrency });
    this.auth = new Authenticator(opts.auth, (id, secret) => this.fetchToken(id, secret), now);
    const limits = new Limits({
      accountPerMinute: opts.accountRatePerMinute ?? 200,
      eventsPerMinute: opts.eventsRatePerMinute ?? 250,
      userUpsertPerSecond: opts.userUpsertPerSecond ?? 1,
      userUpsertPerUserPerMinute: opts.userUpsertPerUserPerMinute ?? 5,
      timeScale,
    });
    this.exec = new Requester({
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      transport: this.transport,
      auth: this.auth,
      limits,
      concurrency,
      requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
      maxRetryTimeMs: opts.maxRetryTimeMs ?? 60_000,
      backoff: {
        baseMs: opts.retryBaseMs ?? DEFAULT_BACKOFF.baseMs,
        capMs: opts.retryCapMs ?? DEFAULT_BACKOFF.capMs,
      },
      timeScale,
      hooks,
      logger: opts.logger ?? NO_LOG,
      now,
      sleep,
      random: opts.random ?? Math.random,
      userAgent: 'zendesk-destination/0.1.0',
    });
    this.bulk = bulkCalls({ ...opts, exec: this.exec, limits, now, sleep, hooks, timeScale });
  }

  async close(): Promise<void> {
    this.exec.close();
    await this.transport.close();
  }

  private async fetchToken(clientId: string, clientSecret: string): Promise<IssuedToken> {
    const a = await this.exec.call({
      method: 'POST',
      path: '/oauth/tokens',
      endpoint: 'oauth/tokens',
      auth: false,
      body: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        scope: 'read write',
      },
    });
    const accessToken = field<string>(a, 'access_token', 'oauth/tokens');
    const expiresIn = obj(a.body).expires_in;
    return typeof expiresIn === 'number' ? { accessToken, expiresIn } : { accessToken };
  }

  /** Bulk jobs of ≤100 items each, through the shared job slots and polls; results by input index. */
  private async bulkJobs(method: 'POST' | 'PUT', endpoint: string, key: string, items: unknown[]) {
    const run = (c: unknown[]) =>
      this.bulk.run({ method, path: `/api/v2/${endpoint}`, endpoint, body: { [key]: c } }, c.length);
    const parts = await Promise.all(chunks(items, BULK_MAX).map(run));
    return parts.flatMap((results, i) => results.map((r) => ({ ...r, index: r.index + i * BULK_MAX })));
  }

  // ---- users

  async createOrUpdateUser(user: UserInput): Promise<{ user: ZUser; created: boolean }> {
    const a = await this.exec.call({
      method: 'POST',
      path: '/api/v2/users/create_or_update',
      endpoint: 'users/create_or_update',
      body: { user },
      upsertKey: upsertKey(user),
    });
    return { user: field<ZUser>(a, 'user', 'users/create_or_update'), created: a.status === 201 };
  }

  createOrUpdateManyUsers(users: UserInput[]): Promise<BulkItemResult[]> {
    return this.bulkJobs('POST', 'users/create_or_update_many', 'users', users);
  }

  jobsFinishedNotSeen(): number {
    return this.bulk.jobsFinishedNotSeen;
  }

  /**
   * This process's part of its consumer group's work (assigned partitions ÷ all): while other
   * clients hold jobs too, its fair part of the account's job slots.
   */
  entitleJobSlots(part: number): void {
    this.bulk.entitle(part);
  }

  /** This client's hold on the account's bulk job slots (the job-slot gauge). */
  jobSlots(): JobSlotState {
    return this.bulk.slotState;
  }

  /**
   * GET users/me: who the credentials are. A 401, or a 403 here, is an account outage (the
   * credential may do nothing). Without credentials Zendesk answers 200 "Anonymous user" with no id.
   */
  async showMe(): Promise<ZUser> {
    const a = await this.exec.call({ method: 'GET', path: '/api/v2/users/me', endpoint: 'users/me' });
    return field<ZUser>(a, 'user', 'users/me');
  }

  async updateUser(id: Id, patch: UserInput): Promise<ZUser> {
    const a = await this.exec.call({
      method: 'PUT',
      path: `/api/v2/users/${id}`,
      endpoint: 'users/{id}',
      body: { user: patch },
      upsertKey: `id:${id}`,
    });
    return field<ZUser>(a, 'user', 'users/{id}');
  }

  async showUser(id: Id): Promise<ZUser | null> {
    try {
      const a = await this.exec.call({ method: 'GET', path: `/api/v2/users/${id}`, endpoint: 'users/{id}' });
      return field<ZUser>(a, 'user', 'users/{id}');
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  async showManyUsers(q: { ids: Id[] } | { externalIds: string[] }): Promise<ZUser[]> {
    const [param, values] = 'ids' in q ? ['ids', q.ids.map(String)] : ['external_ids', q.externalIds];
    const pages = await Promise.all(
      chunks(values, BULK_MAX).map((c) =>
        listOffset<ZUser>(this.exec, {
          path: '/api/v2/users/show_many',
          endpoint: 'users/show_many',
          key: 'users',
          query: { [param]: c.join(',') },
        }),
      ),
    );
    return pages.flat();
  }

  searchUsers(q: { email: string } | { externalId: string }): Promise<ZUser[]> {
    const query: Record<string, string> =
      'email' in q ? { query: `email:"${q.email.replace(/"/g, '')}"` } : { external_id: q.externalId };
    return listOffset<ZUser>(this.exec, {
      path: '/api/v2/users/search',
      endpoint: 'users/search',
      key: 'users',
      query,
    });
  }

  // ---- custom field definitions

  listFields(scope: FieldScope): Promise<ZCustomField[]> {
    return listCursor<ZCustomField>(this.exec, {
      path: `/api/v2/${fieldsPath(scope)}`,
      endpoint: fieldsPath(scope),
      key: fieldsPath(scope),
    });
  }

  async createField(scope: FieldScope, input: CustomFieldInput): Promise<ZCustomField> {
    const a = await this.exec.call({
      method: 'POST',
      path: `/api/v2/${fieldsPath(scope)}`,
      endpoint: fieldsPath(scope),
      body: { [fieldKey(scope)]: input },
    });
    return field<ZCustomField>(a, fieldKey(scope), fieldsPath(scope));
  }

  async deleteField(scope: FieldScope, idOrKey: Id | string): Promise<void> {
    await this.exec.call({
      method: 'DELETE',
      path: `/api/v2/${fieldsPath(scope)}/${encodeURIComponent(String(idOrKey))}`,
      endpoint: `${fieldsPath(scope)}/{id_or_key}`,
    });
  }

  // ---- organizations

  async createOrUpdateOrganization(
    org: OrganizationInput,
  ): Promise<{ organization: ZOrganization; created: boolean }> {
    const a = await this.exec.call({
      method: 'POST',
      path: '/api/v2/organizations/create_or_update',
      endpoint: 'organizations/create_or_update',
      body: { organization: org },
    });
    return {
      organization: field<ZOrganization>(a, 'organization', 'organizations/create_or_update'),
      created: a.status === 201,
    };
  }

  async showOrganization(id: Id): Promise<ZOrganization | null> {
    try {
      const a = await this.exec.call({
        method: 'GET',
        path: `/api/v2/organizations/${id}`,
        endpoint: 'organizations/{id}',
      });
      return field<ZOrganization>(a, 'organization', 'organizations/{id}');
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  searchOrganizations(q: { externalId: string } | { name: string }): Promise<ZOrganization[]> {
    const query: Record<string, string> =
      'externalId' in q ? { external_id: q.externalId } : { name: q.name };
    return listOffset<ZOrganization>(this.exec, {
      path: '/api/v2/organizations/search',
      endpoint: 'organizations/search',
      key: 'organizations',
      query,
    });
  }

  async deleteOrganization(id: Id): Promise<void> {
    await this.exec.call({
      method: 'DELETE',
      path: `/api/v2/organizations/${id}`,
      endpoint: 'organizations/{id}',
    });
  }

  async showManyOrganizations(externalIds: string[]): Promise<ZOrganization[]> {
    const pages = await Promise.all(
      chunks(externalIds, BULK_MAX).map((c) =>
        listOffset<ZOrganization>(this.exec, {
          path: '/api/v2/organizations/show_many',
          endpoint: 'organizations/show_many',
          key: 'organizations',
          query: { external_ids: c.join(',') },
        }),
      ),
    );
    return pages.flat();
  }

  createManyOrganizations(orgs: OrganizationInput[]): Promise<BulkItemResult[]> {
    return this.bulkJobs('POST', 'organizations/create_many', 'organizations', orgs);
  }

  updateManyOrganizations(orgs: (OrganizationInput & { id: Id })[]): Promise<BulkItemResult[]> {
    return this.bulkJobs('PUT', 'organizations/update_many', 'organizations', orgs);
  }

  // ---- memberships

  /**
   * Zendesk answers 422 when the membership exists, with detail text its docs do not pin down, so
   * a 422 is confirmed by listing the user's memberships before it is called "existed".
   */
  async createMembership(
    userId: Id,
    organizationId: Id,
  ): Promise<{ membership: ZMembership | null; existed: boolean }> {
    try {
      const a = await this.exec.call({
        method: 'POST',
        path: '/api/v2/organization_memberships',
        endpoint: 'organization_memberships',
        body: { organization_membership: { user_id: userId, organization_id: organizationId } },
      });
      return {
        membership: field<ZMembership>(a, 'organization_membership', 'organization_memberships'),
        existed: false,
      };
    } catch (e) {
      if (!isStatus(e, 422)) throw e;
      const found = (await this.listUserMemberships(userId)).find(
        (m) => m.organization_id === organizationId,
      );
      if (!found) throw e;
      return { membership: found, existed: true };
    }
  }

  createManyMemberships(items: { user_id: Id; organization_id: Id }[]): Promise<BulkItemResult[]> {
    return this.bulkJobs('POST', 'organization_memberships/create_many', 'organization_memberships', items);
  }

  listUserMemberships(userId: Id): Promise<ZMembership[]> {
    return listCursor<ZMembership>(this.exec, {
      path: `/api/v2/users/${userId}/organization_memberships`,
      endpoint: 'users/{id}/organization_memberships',
      key: 'organization_memberships',
    });
  }

  async deleteMembership(id: Id): Promise<void> {
    await this.exec.call({
      method: 'DELETE',
      path: `/api/v2/organization_memberships/${id}`,
      endpoint: 'organization_memberships/{id}',
    });
  }

  // ---- events

  /** On the Events API's own per-minute budget, not the account's (see Limits). */
  async createUserEvent(userId: Id, event: UserEventInput, profile?: UserProfileInput): Promise<void> {
    await this.exec.call({
      method: 'POST',
      path: `/api/v2/users/${userId}/events`,
      endpoint: 'users/{id}/events',
      body: profile ? { profile, event } : { event },
      eventsApi: true,
    });
  }
}
