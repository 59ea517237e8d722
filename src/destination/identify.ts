import type { SegmentEvent } from '../segment/event.js';
import type { UserInput } from '../zendesk/api.js';
import { rejected } from './outcome.js';
import { customFields, fieldTitle, type FieldWrite } from './fields.js';
import { NAME_PART_KEYS, personName } from './names.js';
import {
  finalPlan,
  operationsPlan,
  type FieldDefinition,
  type Operation,
  type Plan,
  type UserKey,
} from './plan.js';
import type { DestinationSettings } from './settings.js';
import { toZendeskTimeZone } from './timezones.js';
import { asObject, canonicalTraits, idString, nonEmptyString } from './values.js';

/**
 * snake_case spellings of the standard attributes → the trait the planner reads (SPEC 2):
 * `Email`, `time_zone`, `organization_id`, `Phone` are those attributes, never custom fields.
 * Permission attributes (role, custom_role_id, moderator, restricted_agent, suspended …) are
 * deliberately absent: no trait sets them; such keys go to custom fields like any other.
 */
const USER_SPELLINGS: Readonly<Record<string, string>> = {
  email: 'email',
  name: 'name',
  phone: 'phone',
  time_zone: 'timezone',
  timezone: 'timezone',
  organization_id: 'organizationId',
  first_name: 'firstName',
  last_name: 'lastName',
};

/** Traits with their own Zendesk attribute (or consumed otherwise): never custom fields. */
const NOT_CUSTOM: ReadonlySet<string> = new Set([
  'email',
  'name',
  'organizationId',
  'timezone',
  'phone',
  'company',
  ...NAME_PART_KEYS,
]);

/** identify → upsert a Zendesk user (SPEC section 2). */
export function planIdentify(event: SegmentEvent, settings: DestinationSettings): Plan {
  // Traits from `traits`, falling back to `context.traits` only when `traits` is absent.
  const given = asObject(event.traits) ?? asObject(asObject(event.context)?.traits) ?? {};
  const { traits, problems: spellingProblems } = canonicalTraits(given, USER_SPELLINGS);
  const userId = idString(event.userId);
  const email = nonEmptyString(traits.email);
  if (userId === null && email === null) {
    return finalPlan(
      rejected('invalid_event', 'identify needs a userId or traits.email to match a Zendesk user'),
    );
  }
  const notes: string[] = [...spellingProblems];
  if (traits.email !== undefined && traits.email !== null && email === null) {
    notes.push('traits.email is not a usable string; not sent');
  }

  const key: UserKey = {};
  const attributes: Omit<UserInput, 'user_fields'> = {};
  if (userId !== null) key.externalId = attributes.external_id = userId;
  if (email !== null) key.email = attributes.email = email;

  const name = personName(traits);
  if (name !== null) attributes.name = name.name;
  mapOrganizationId(traits.organizationId, attributes, notes);
  mapTimeZone(traits.timezone, attributes, notes);
  const phone = idString(traits.phone);
  if (phone !== null) attributes.phone = phone;
  // Only ever `true`: `verified: false` on an update can unverify a user Zendesk had verified.
  if (settings.createUsersAsVerified) attributes.verified = true;

  const custom = customFields(traits, NOT_CUSTOM);
  notes.push(...custom.problems);
  const nameFields: FieldWrite[] =
    name === null
      ? []
      : [
          nameField('first_name', name.firstName === '' ? null : name.firstName),
          nameField('last_name', name.lastName),
        ];

  const operations: Operation[] = [];
  const definitions = definitionsFor(custom.fields);
  if (definitions.length > 0) operations.push({ op: 'ensureFields', scope: 'user', fields: definitions });
  operations.push({
    op: 'upsertUser',
    key,
    attributes,
    fields: custom.fields,
    nameFields,
    onlyIfExists: name === null,
    onFailure: { duplicate: 'ambiguous_user', notFound: 'missing_name' },
  });

  const company = asObject(traits.company);
  if (company?.remove === true) {
    const orgId = idString(company.id);
    if (!settings.removeUsersFromOrganization) {
      notes.push('traits.company.remove ignored: removeUsersFromOrganization is off');
    } else if (orgId === null) {
      notes.push('traits.company.remove without company.id; nothing removed');
    } else {
      operations.push({ op: 'removeMembership', user: key, organization: { externalId: orgId } });
    }
  }
  return operationsPlan(operations, notes);
}

function nameField(key: string, value: string | null): FieldWrite {
  return { key, type: 'text', value, raw: value };
}

/** Definitions to ensure: only values that can type a field (null and "" create nothing). */
export function definitionsFor(fields: FieldWrite[]): FieldDefinition[] {
  const out: FieldDefinition[] = [];
  for (const f of fields)
    if (f.type !== null) out.push({ key: f.key, type: f.type, title: fieldTitle(f.key) });
  return out;
}

function mapOrganizationId(
  value: unknown,
  attributes: Omit<UserInput, 'user_fields'>,
  notes: string[],
): void {
  if (value === undefined || value === null || value === '') return;
  // Zendesk's organization_id is its own numeric id; anything else cannot be one.
  const id =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (Number.isSafeInteger(id) && id > 0) attributes.organization_id = id;
  else notes.push('traits.organizationId is not a Zendesk organization id (a positive integer); not sent');
}

function mapTimeZone(value: unknown, attributes: Omit<UserInput, 'user_fields'>, notes: string[]): void {
  if (value === undefined || value === null || value === '') return;
  const zone = typeof value === 'string' ? toZendeskTimeZone(value) : { ok: false as const };
  if (zone.ok) attributes.time_zone = zone.zendesk;
  else notes.push(`traits.timezone ${JSON.stringify(String(value))} has no Zendesk equivalent; not sent`);
}
