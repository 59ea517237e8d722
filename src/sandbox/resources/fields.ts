/**
 * user_fields and organization_fields [UF][OF]: list (cursor and offset), create, show and delete
 * by id or key. Create and delete are "Allowed For: Admins": an agent's credential gets 403. Key rules: letters, digits, underscores, not only digits, unique.
 */
import { requireObject, type Ctx, type Route } from '../context.js';
import { invalid, notFound } from '../errors.js';
import { paginate } from '../pagination.js';
import { renderField, type FieldRec, type FieldScope } from '../store.js';
import { FIELD_SHAPE, PAGED_QUERY } from '../strict.js';
import type { CustomFieldType } from '../../zendesk/api.js';

const TYPES = new Set<CustomFieldType>([
  'text',
  'textarea',
  'checkbox',
  'date',
  'integer',
  'decimal',
  'regexp',
  'dropdown',
  'multiselect',
  'lookup',
]);

const plural = (scope: FieldScope) => (scope === 'user' ? 'user_fields' : 'organization_fields');
const singular = (scope: FieldScope) => (scope === 'user' ? 'user_field' : 'organization_field');

function list(scope: FieldScope) {
  return (ctx: Ctx) => {
    const items = ctx.store.fieldsOf(scope).map((f) => renderField(f, ctx.baseUrl));
    return {
      status: 200,
      body: paginate(items, ctx.query, `${ctx.baseUrl}/api/v2/${plural(scope)}.json`, plural(scope)),
    };
  };
}

function validateKey(ctx: Ctx, scope: FieldScope, key: unknown): string {
  if (typeof key !== 'string' || key === '') throw invalid('key', 'Key: cannot be blank', 'BlankValue');
  if (!/^[A-Za-z0-9_]+$/.test(key))
    throw invalid('key', 'Key: must consist of only letters, numbers, and underscores', 'InvalidValue');
  if (/^\d+$/.test(key)) throw invalid('key', "Key: can't be only numbers", 'InvalidValue');
  const scopes: FieldScope[] = ctx.config.fieldKeysUniqueAcrossScopes ? ['user', 'organization'] : [scope];
  if (scopes.some((s) => ctx.store.fieldsOf(s).some((f) => f.key === key)))
    throw invalid('key', 'Key: has already been taken', 'DuplicateValue');
  return key;
}

function create(scope: FieldScope) {
  return (ctx: Ctx) => {
    const input = requireObject(ctx.body, singular(scope));
    const key = validateKey(ctx, scope, input.key);
    if (typeof input.title !== 'string' || input.title.trim() === '')
      throw invalid('title', 'Title: cannot be blank', 'BlankValue');
    // `text` is the default when no type is given [UF].
    const type = (input.type ?? 'text') as CustomFieldType;
    if (!TYPES.has(type))
      throw invalid('type', `Type: ${String(input.type)} is not a valid field type`, 'InvalidValue');
    let options: FieldRec['custom_field_options'] = null;
    if (type === 'dropdown' || type === 'multiselect') {
      const raw = input.custom_field_options;
      if (!Array.isArray(raw) || raw.length === 0)
        throw invalid('custom_field_options', 'Custom field options: cannot be blank', 'BlankValue');
      options = raw.map((o: { name?: unknown; value?: unknown }) => ({
        id: ctx.store.id(),
        name: String(o.name ?? ''),
        value: String(o.value ?? ''),
      }));
    }
    const now = ctx.nowIso();
    const existing = ctx.store.fieldsOf(scope);
    const field: FieldRec = {
      id: ctx.store.id(),
      scope,
      key,
      type,
      title: input.title,
      description: typeof input.description === 'string' ? input.description : '',
      position: typeof input.position === 'number' ? input.position : existing.length,
      active: input.active !== false,
      regexp_for_validation:
        typeof input.regexp_for_validation === 'string' ? input.regexp_for_validation : null,
      tag: type === 'checkbox' && typeof input.tag === 'string' ? input.tag : null,
      custom_field_options: options,
      created_at: now,
      updated_at: now,
    };
    ctx.store.fields.set(field.id, field);
    return { status: 201, body: { [singular(scope)]: renderField(field, ctx.baseUrl) } };
  };
}

function show(scope: FieldScope) {
  return (ctx: Ctx) => {
    const f = ctx.store.field(scope, ctx.params.key ?? '');
    if (!f) throw notFound();
    return { status: 200, body: { [singular(scope)]: renderField(f, ctx.baseUrl) } };
  };
}

/** Deleting a definition drops its values from every record (they are no longer rendered). */
function remove(scope: FieldScope) {
  return (ctx: Ctx) => {
    const f = ctx.store.field(scope, ctx.params.key ?? '');
    if (!f) throw notFound();
    ctx.store.fields.delete(f.id);
    const records = scope === 'user' ? ctx.store.users.values() : ctx.store.organizations.values();
    for (const r of records) {
      const values: Record<string, unknown> = 'user_fields' in r ? r.user_fields : r.organization_fields;
      delete values[f.key];
    }
    return { status: 204 };
  };
}

export const fieldRoutes: Route[] = (['user', 'organization'] as const).flatMap((scope): Route[] => [
  { method: 'GET', pattern: `/api/v2/${plural(scope)}`, handler: list(scope), query: PAGED_QUERY },
  {
    method: 'POST',
    pattern: `/api/v2/${plural(scope)}`,
    handler: create(scope),
    body: { [singular(scope)]: FIELD_SHAPE },
    adminOnly: true,
  },
  { method: 'GET', pattern: `/api/v2/${plural(scope)}/:key`, handler: show(scope) },
  { method: 'DELETE', pattern: `/api/v2/${plural(scope)}/:key`, handler: remove(scope), adminOnly: true },
]);
