/**
 * The contract between the destination (which decides what Zendesk must hold) and the
 * Zendesk client (which talks HTTP). The client in `client.ts` implements `ZendeskApi`;
 * the destination's executor only ever sees this interface, so it can be tested against
 * the sandbox through the real client, or against any other implementation.
 *
 * Shapes follow Zendesk's own JSON (snake_case), see ../shared/reference/zendesk-api.md.
 */

export type Id = number;

export interface ZUser {
  id: Id;
  name: string;
  email: string | null;
  external_id: string | null;
  organization_id: Id | null;
  phone: string | null;
  time_zone: string | null;
  verified: boolean;
  role: string;
  user_fields: Record<string, unknown>;
  tags?: string[];
  created_at: string;
  updated_at: string;
  [k: string]: unknown;
}

/**
 * A user record with Zendesk's values for whatever is not given, as in-memory stand-ins for Zendesk
 * make them (explain's dry run, the executor's test double); `at`: its created_at and updated_at.
 */
export const newZUser = (u: Partial<ZUser> & Pick<ZUser, 'id' | 'name'>, at: string): ZUser => ({
  email: null,
  external_id: null,
  organization_id: null,
  phone: null,
  time_zone: null,
  verified: false,
  role: 'end-user',
  user_fields: {},
  created_at: at,
  updated_at: at,
  ...u,
});

/** What we send to create_or_update / PUT users/{id}. Absent keys leave Zendesk's value as it is. */
export interface UserInput {
  name?: string;
  email?: string;
  external_id?: string;
  organization_id?: Id;
  phone?: string;
  time_zone?: string;
  verified?: boolean;
  skip_verify_email?: boolean;
  user_fields?: Record<string, unknown>;
}

export interface ZOrganization {
  id: Id;
  name: string;
  external_id: string | null;
  domain_names: string[];
  tags: string[];
  organization_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  [k: string]: unknown;
}

/** An organization record with Zendesk's values for whatever is not given (see `newZUser`). */
export const newZOrganization = (
  o: Partial<ZOrganization> & Pick<ZOrganization, 'id' | 'name'>,
  at: string,
): ZOrganization => ({
  external_id: null,
  domain_names: [],
  tags: [],
  organization_fields: {},
  created_at: at,
  updated_at: at,
  ...o,
});

export interface OrganizationInput {
  id?: Id;
  name?: string;
  external_id?: string;
  domain_names?: string[];
  tags?: string[];
  organization_fields?: Record<string, unknown>;
}

export interface ZMembership {
  id: Id;
  user_id: Id;
  organization_id: Id;
  default: boolean | null;
  organization_name?: string;
  [k: string]: unknown;
}

export type CustomFieldType =
  | 'text'
  | 'textarea'
  | 'checkbox'
  | 'date'
  | 'integer'
  | 'decimal'
  | 'regexp'
  | 'dropdown'
  | 'multiselect'
  | 'lookup';

export interface ZCustomField {
  id: Id;
  key: string;
  type: CustomFieldType;
  title: string;
  active?: boolean;
  [k: string]: unknown;
}

export interface CustomFieldInput {
  key: string;
  type: CustomFieldType;
  title: string;
  description?: string;
}

/** One item of a finished bulk job, mapped back to the index of the input it belongs to. */
export type BulkItemResult =
  | { index: number; ok: true; id: Id; action: 'create' | 'update' }
  | { index: number; ok: false; error: ZendeskErrorInfo };

export interface UserEventInput {
  type: string;
  source: string;
  properties: Record<string, unknown>;
  created_at?: string;
  description?: string;
}

/**
 * The profile Zendesk requires beside an event, on both routes ("creating an event requires both
 * an event object and a profile object"): found by source, type and identifiers, or created.
 */
export interface UserProfileInput {
  source: string;
  type: string;
  identifiers: { type: string; value: string }[];
  name?: string;
}

export interface ZendeskErrorInfo {
  /** Zendesk's HTTP status, when there was an answer. */
  status?: number;
  /** Zendesk's error code, e.g. RecordInvalid, DuplicateValue, RecordNotFound, TooManyJobs. */
  code?: string;
  message: string;
  /** Zendesk's `details` object, as Zendesk sent it. */
  details?: unknown;
}

export type FieldScope = 'user' | 'organization';

export interface ZendeskApi {
  // users
  createOrUpdateUser(user: UserInput): Promise<{ user: ZUser; created: boolean }>;
  /** create_or_update_many (≤100), waits for the job, results by input index. */
  createOrUpdateManyUsers(users: UserInput[]): Promise<BulkItemResult[]>;
  /**
   * Our bulk jobs Zendesk already shows finished whose results no poll has brought yet: their job
   * slots are free at Zendesk while their batches still wait (the real client; others have none).
   */
  jobsFinishedNotSeen?(): number;
  updateUser(id: Id, patch: UserInput): Promise<ZUser>;
  showUser(id: Id): Promise<ZUser | null>;
  showManyUsers(q: { ids: Id[] } | { externalIds: string[] }): Promise<ZUser[]>;
  searchUsers(q: { email: string } | { externalId: string }): Promise<ZUser[]>;

  // custom field definitions (all pages)
  listFields(scope: FieldScope): Promise<ZCustomField[]>;
  createField(scope: FieldScope, field: CustomFieldInput): Promise<ZCustomField>;
  deleteField(scope: FieldScope, idOrKey: Id | string): Promise<void>;

  // organizations
  createOrUpdateOrganization(
    org: OrganizationInput,
  ): Promise<{ organization: ZOrganization; created: boolean }>;
  showOrganization(id: Id): Promise<ZOrganization | null>;
  searchOrganizations(q: { externalId: string } | { name: string }): Promise<ZOrganization[]>;
  deleteOrganization(id: Id): Promise<void>;
  /** show_many by external ids (≤100 a call, case-insensitive); unknown ones are simply absent. */
  showManyOrganizations(externalIds: string[]): Promise<ZOrganization[]>;
  /** create_many (≤100 a job), waits for the job, results by input index. */
  createManyOrganizations(orgs: OrganizationInput[]): Promise<BulkItemResult[]>;
  /** update_many with an `organizations:[{id,…}]` body (≤100 a job); results in input order. */
  updateManyOrganizations(orgs: (OrganizationInput & { id: Id })[]): Promise<BulkItemResult[]>;

  // memberships
  /** Resolves to the membership; `existed: true` when Zendesk said it already exists (422). */
  createMembership(
    userId: Id,
    organizationId: Id,
  ): Promise<{ membership: ZMembership | null; existed: boolean }>;
  createManyMemberships(items: { user_id: Id; organization_id: Id }[]): Promise<BulkItemResult[]>;
  listUserMemberships(userId: Id): Promise<ZMembership[]>;
  deleteMembership(id: Id): Promise<void>;

  // events
  /** `profile` is required by Zendesk; optional here only for callers that test its absence. */
  createUserEvent(userId: Id, event: UserEventInput, profile?: UserProfileInput): Promise<void>;
}
