import type { Id, OrganizationInput, UserInput, ZendeskApi } from '../api.js';
import { findUser, findUserByExternalId } from '../lookup.js';
import type { UserKey } from '../identity.js';

/**
 * The Zendesk calls whose cost depends on how many events share them: user upserts, user
 * look-ups, organization upserts and membership links. The executor goes through this port so the
 * same plan runs one request per operation (naive) or micro-batched into bulk calls (optimized).
 * Everything else (deletes, listings, user events) stays on the plain `ZendeskApi`.
 *
 * Every method rejects with a ZendeskError exactly as the matching single call would: a `reject`
 * is this event's fault, anything else is an outage.
 */
export interface ZendeskGateway {
  /** create_or_update; resolves to the Zendesk user id. */
  upsertUser(input: UserInput): Promise<Id>;
  /** By external id first (the stable key), then by email; null when Zendesk holds no such user. */
  findUserId(key: UserKey): Promise<Id | null>;
  findUserIdByExternalId(externalId: string): Promise<Id | null>;
  /** organizations/create_or_update; resolves to the organization id. */
  upsertOrganization(input: OrganizationInput): Promise<Id>;
  /** An existing membership is success (`existed: true`). */
  linkMembership(userId: Id, organizationId: Id): Promise<{ existed: boolean }>;
  /** An organization is about to be deleted: forget anything remembered about it. */
  forgetOrganization(externalId: string): void;
}

/** Today's behaviour: one request per operation, no caches. The benchmark's baseline. */
export function naiveGateway(api: ZendeskApi): ZendeskGateway {
  return {
    upsertUser: async (input) => (await api.createOrUpdateUser(input)).user.id,
    findUserId: async (key) => (await findUser(api, key))?.id ?? null,
    findUserIdByExternalId: async (externalId) => (await findUserByExternalId(api, externalId))?.id ?? null,
    upsertOrganization: async (input) => (await api.createOrUpdateOrganization(input)).organization.id,
    linkMembership: async (userId, organizationId) => ({
      existed: (await api.createMembership(userId, organizationId)).existed,
    }),
    forgetOrganization: () => {},
  };
}
