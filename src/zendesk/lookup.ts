import type { ZOrganization, ZUser, ZendeskApi } from '../zendesk/api.js';
import type { UserKey } from './identity.js';

/**
 * Finding what Zendesk already holds. External ids are matched case-insensitively, as Zendesk does;
 * an exact-case match is preferred when a search returns several.
 */
const same = (a: string | null | undefined, b: string): boolean =>
  a != null && a.toLowerCase() === b.toLowerCase();

function pick<T>(items: T[], valueOf: (item: T) => string | null | undefined, wanted: string): T | null {
  return items.find((i) => valueOf(i) === wanted) ?? items.find((i) => same(valueOf(i), wanted)) ?? null;
}

export async function findUserByExternalId(api: ZendeskApi, externalId: string): Promise<ZUser | null> {
  return pick(await api.searchUsers({ externalId }), (u) => u.external_id, externalId);
}

/** By external id first (the stable key), then by email. */
export async function findUser(api: ZendeskApi, key: UserKey): Promise<ZUser | null> {
  if (key.externalId !== undefined) {
    const user = await findUserByExternalId(api, key.externalId);
    if (user) return user;
  }
  if (key.email !== undefined) {
    return pick(await api.searchUsers({ email: key.email }), (u) => u.email, key.email);
  }
  return null;
}

export async function findOrganizations(api: ZendeskApi, externalId: string): Promise<ZOrganization[]> {
  const found = await api.searchOrganizations({ externalId });
  // Search is exact but case-insensitive; anything else would be a search quirk, not a match.
  return found.filter((o) => same(o.external_id, externalId));
}
