import type { Outcome, RejectReason } from './outcome.js';
import type {
  CustomFieldType,
  FieldScope,
  OrganizationInput,
  UserEventInput,
  UserInput,
  UserProfileInput,
} from '../zendesk/api.js';
import type { UserKey } from '../zendesk/identity.js';
import type { FieldWrite } from './fields.js';

/**
 * A plan is what one Segment event asks of Zendesk, as plain data: either a final outcome decided
 * without Zendesk (skip, reject), or operations for the executor. Operations name what they touch
 * by Segment-side keys (user external_id/email, organization external_id), never by Zendesk ids or
 * closures, so plans of many events can later be merged into bulk calls keyed the same way.
 */
export type Plan =
  { kind: 'final'; outcome: Outcome } | { kind: 'operations'; operations: Operation[]; notes: string[] };

/** How a user is matched (at least one key is present); Zendesk's matching rule, so it lives there. */
export type { UserKey };

/** How an organization is matched: Segment's groupId. */
export interface OrganizationKey {
  externalId: string;
}

export interface FieldDefinition {
  key: string;
  type: CustomFieldType;
  title: string;
}

/** Make sure these custom field definitions exist (created typed from the value if missing). */
export interface EnsureFields {
  op: 'ensureFields';
  scope: FieldScope;
  fields: FieldDefinition[];
}

/** create_or_update a user. */
export interface UpsertUser {
  op: 'upsertUser';
  key: UserKey;
  /** Mapped attributes; `user_fields` is built by the executor from `fields` and `nameFields`. */
  attributes: Omit<UserInput, 'user_fields'>;
  fields: FieldWrite[];
  /** first_name / last_name: written only where those fields already exist, never created. */
  nameFields: FieldWrite[];
  /** No name in the event: update the user only if it already exists. */
  onlyIfExists: boolean;
  onFailure: { duplicate: RejectReason; notFound: RejectReason };
}

/** Remove the user's membership of an organization (traits.company.remove). */
export interface RemoveMembership {
  op: 'removeMembership';
  user: UserKey;
  organization: OrganizationKey;
}

/** create_or_update an organization matched by external_id. */
export interface UpsertOrganization {
  op: 'upsertOrganization';
  key: OrganizationKey;
  attributes: Omit<OrganizationInput, 'organization_fields' | 'id'>;
  fields: FieldWrite[];
  onFailure: { nameTaken: RejectReason };
}

export interface DeleteOrganization {
  op: 'deleteOrganization';
  key: OrganizationKey;
}

/** Link a user to an organization; an existing membership is success. */
export interface LinkMembership {
  op: 'linkMembership';
  user: { externalId: string };
  organization: OrganizationKey;
  onFailure: { userNotFound: RejectReason };
}

/** A Zendesk user event (Events API) for an existing user. */
export interface SendUserEvent {
  op: 'sendUserEvent';
  user: { externalId: string };
  event: UserEventInput;
  /** Required by Zendesk beside the event, on both routes (SPEC 4). */
  profile: UserProfileInput;
  onFailure: { userNotFound: RejectReason };
}

export type Operation =
  | EnsureFields
  | UpsertUser
  | RemoveMembership
  | UpsertOrganization
  | DeleteOrganization
  | LinkMembership
  | SendUserEvent;

export const finalPlan = (outcome: Outcome): Plan => ({ kind: 'final', outcome });
export const operationsPlan = (operations: Operation[], notes: string[] = []): Plan => ({
  kind: 'operations',
  operations,
  notes,
});
