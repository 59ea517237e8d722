/**
 * Strict mode: a key Zendesk does not document for the endpoint is a 400, so a client cannot send
 * garbage that real Zendesk would silently ignore ("permissive" API, KB 4418443326106).
 */
import type { Route, Shape } from './context.js';
import { badRequest, type ApiError } from './errors.js';

function unknownKeys(value: unknown, shape: Shape, prefix: string, out: string[]): void {
  if (shape === true || value === null || typeof value !== 'object') return;
  if (Array.isArray(shape)) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownKeys(v, shape[0], `${prefix}[${i}]`, out));
    return;
  }
  if (Array.isArray(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const sub = shape[k];
    const path = prefix ? `${prefix}.${k}` : k;
    if (sub === undefined) out.push(path);
    else unknownKeys(v, sub, path, out);
  }
}

export function strictCheck(route: Route, query: URLSearchParams, body: unknown): ApiError | undefined {
  const bad: string[] = [];
  for (const k of new Set(query.keys())) if (!(route.query ?? []).includes(k)) bad.push(`query ${k}`);
  if (body !== undefined) unknownKeys(body, route.body ?? {}, '', bad);
  if (bad.length === 0) return undefined;
  return badRequest(
    'UndocumentedParameter',
    `Strict sandbox: ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} not documented for ${route.method} ${route.pattern}`,
  );
}

// Writable attributes from the reference (§1 "User fields"), plus skip_verify_email in either place.
export const USER_SHAPE: Shape = {
  name: true,
  email: true,
  external_id: true,
  organization_id: true,
  phone: true,
  role: true,
  verified: true,
  user_fields: true,
  details: true,
  notes: true,
  alias: true,
  locale: true,
  locale_id: true,
  suspended: true,
  time_zone: true,
  tags: true,
  skip_verify_email: true,
  identities: true,
  custom_role_id: true,
  default_group_id: true,
  moderator: true,
  only_private_comments: true,
  restricted_agent: true,
  signature: true,
  ticket_restriction: true,
  remote_photo_url: true,
  shared_phone_number: true,
};

// §2 writable attributes; `id` is a match key of create_or_update.
export const ORG_SHAPE: Shape = {
  id: true,
  name: true,
  external_id: true,
  details: true,
  domain_names: true,
  group_id: true,
  notes: true,
  organization_fields: true,
  shared_comments: true,
  shared_tickets: true,
  tags: true,
};

export const MEMBERSHIP_SHAPE: Shape = {
  user_id: true,
  organization_id: true,
  default: true,
  view_tickets: true,
};

export const FIELD_SHAPE: Shape = {
  key: true,
  type: true,
  title: true,
  raw_title: true,
  description: true,
  raw_description: true,
  position: true,
  active: true,
  regexp_for_validation: true,
  tag: true,
  custom_field_options: true,
  title_in_portal: true,
  raw_title_in_portal: true,
  visible_in_portal: true,
  editable_in_portal: true,
  required_in_portal: true,
  agent_description: true,
  relationship_target_type: true,
  relationship_filter: true,
};

const EVENT: Shape = { source: true, type: true, description: true, created_at: true, properties: true };
const PROFILE: Shape = { source: true, type: true, name: true, identifiers: true, attributes: true };
export const USER_EVENT_SHAPE: Shape = { event: EVENT, profile: PROFILE };
export const PROFILE_EVENT_SHAPE: Shape = { event: EVENT, profile: PROFILE };

export const OFFSET_QUERY = ['page', 'per_page', 'sort_by', 'sort_order'];
export const PAGED_QUERY = [...OFFSET_QUERY, 'page[size]', 'page[after]', 'page[before]', 'sort'];
