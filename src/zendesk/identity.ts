import type { UserInput } from './api.js';

/** How a user is matched: Segment's userId as external_id, then email. */
export interface UserKey {
  externalId?: string;
  email?: string;
}

/**
 * The identities Zendesk may match an upsert on (external id first, then email), case-insensitive
 * as Zendesk's. The per-user rate limit keys on the first; the upsert batcher serialises on all.
 */
export function userIdentities(input: UserInput): string[] {
  const out: string[] = [];
  if (input.external_id) out.push(`ext:${input.external_id.toLowerCase()}`);
  if (input.email) out.push(`email:${input.email.toLowerCase()}`);
  return out;
}
