import type { JsonValue, SegmentEvent } from '../segment/event.js';
import type { OrganizationInput } from '../zendesk/api.js';
import { rejected } from './outcome.js';
import { customFields } from './fields.js';
import { definitionsFor } from './identify.js';
import { finalPlan, operationsPlan, type Operation, type Plan } from './plan.js';
import type { DestinationSettings } from './settings.js';
import { asObject, canonicalTraits, idString, nonEmptyString } from './values.js';

/** snake_case spellings of the organization attributes → the trait read: `domain_names` is `domainNames`. */
const GROUP_SPELLINGS: Readonly<Record<string, string>> = {
  name: 'name',
  domain_names: 'domainNames',
  tags: 'tags',
  deleted: 'deleted',
};

/**
 * Traits with their own organization attribute (or meaning): never custom fields. `url` is not
 * here: Zendesk's `url` is its read-only API address, so the website goes to a custom field `url`.
 */
const NOT_CUSTOM: ReadonlySet<string> = new Set(['name', 'domainNames', 'tags', 'deleted']);

/** group → upsert a Zendesk organization and link the user (SPEC section 3). */
export function planGroup(event: SegmentEvent, settings: DestinationSettings): Plan {
  const groupId = idString(event.groupId);
  if (groupId === null)
    return finalPlan(rejected('invalid_event', 'group needs a groupId (the organization external id)'));
  const userId = idString(event.userId);
  if (userId === null && !settings.sendGroupCallsWithoutUserId) {
    return finalPlan(
      rejected('invalid_event', 'group needs a userId to link the user (sendGroupCallsWithoutUserId is off)'),
    );
  }
  // Only the group's own traits: context.traits describe the user, not the organization.
  const { traits, problems: spellingProblems } = canonicalTraits(
    asObject(event.traits) ?? {},
    GROUP_SPELLINGS,
  );
  const key = { externalId: groupId };

  if (traits.deleted === true || traits.deleted === 'true') {
    if (!settings.allowOrganizationDeletes) {
      return finalPlan(
        rejected(
          'unsupported',
          'group with deleted: true, but organization deletes are off (allowOrganizationDeletes)',
        ),
      );
    }
    return operationsPlan([{ op: 'deleteOrganization', key }]);
  }

  const notes: string[] = [...spellingProblems];
  const attributes: Omit<OrganizationInput, 'organization_fields' | 'id'> = { external_id: groupId };
  const name = nonEmptyString(traits.name);
  if (name !== null) attributes.name = name;
  const domains = stringList(traits.domainNames, /,/);
  if (domains !== null) attributes.domain_names = domains;
  else if (traits.domainNames !== undefined)
    notes.push('traits.domainNames is neither a list nor a string; not sent');
  const tags = stringList(traits.tags, /[,\s]+/);
  if (tags !== null) attributes.tags = tags;
  else if (traits.tags !== undefined) notes.push('traits.tags is neither a list nor a string; not sent');

  const custom = customFields(traits, NOT_CUSTOM);
  notes.push(...custom.problems);
  const operations: Operation[] = [];
  const definitions = definitionsFor(custom.fields);
  if (definitions.length > 0)
    operations.push({ op: 'ensureFields', scope: 'organization', fields: definitions });
  operations.push({
    op: 'upsertOrganization',
    key,
    attributes,
    fields: custom.fields,
    onFailure: { nameTaken: 'ambiguous_organization' },
  });
  if (userId !== null) {
    operations.push({
      op: 'linkMembership',
      user: { externalId: userId },
      organization: key,
      onFailure: { userNotFound: 'user_not_found' },
    });
  }
  return operationsPlan(operations, notes);
}

/**
 * A list of non-empty strings from an array or a separated string; null when the value is not a
 * list at all (absent or null included: an absent trait leaves Zendesk's value as it is).
 */
function stringList(value: JsonValue | undefined, separator: RegExp): string[] | null {
  let items: JsonValue[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string') items = value.split(separator);
  else return null;
  const out: string[] = [];
  for (const item of items) {
    const s = typeof item === 'string' ? item.trim() : typeof item === 'number' ? String(item) : '';
    if (s !== '' && !out.includes(s)) out.push(s);
  }
  return out;
}
