import type { FieldWrite } from './fields.js';
import type { FieldDefinition, Operation, Plan, RemoveMembership, UpsertUser } from './plan.js';

/**
 * Coalescing consecutive identifies of one user (issue 7). Merging is allowed only where the
 * outcome of every event and what Zendesk ends up holding cannot differ from running the events
 * one by one, in order. The rules, and why:
 *
 * - Only identify plans of the shape [ensureFields?, upsertUser, removeMembership?]; anything
 *   else (a final outcome, group, track) is never merged: nothing to gain, or order matters.
 * - Same user key: external id AND email identical (Zendesk matches on either; two events that
 *   could match different users must each be sent).
 * - No custom field keyed first_name/last_name: those keys are also written from the name, and the
 *   order between the two writes would change when merged.
 * - Events without a name (`onlyIfExists`) update only a user that exists. Before the first named
 *   event of a run they are merged only among themselves (none of them can create the user, so
 *   one existence check answers for all; missing_name stays missing_name); after a named event
 *   they join its upsert (the user exists once that upsert succeeded).
 * - company.remove ends a segment: the removal runs after the upserts before it and before the
 *   upserts after it, as it would one by one.
 * - Later traits win, key by key (attributes, custom fields, name fields); field definitions are
 *   ensured in first-seen order, so the first event typing a new field still types it.
 * The executor falls back to one-by-one whenever a merged segment is refused (see execute-run.ts).
 */

export type IdentifyShape = {
  ensure: FieldDefinition[];
  upsert: UpsertUser;
  remove: RemoveMembership | null;
  notes: string[];
};

const NAME_KEYS = new Set(['first_name', 'last_name']);

/** The identify shape of a plan, or null when the plan must not be merged with anything. */
export function identifyShape(plan: Plan): IdentifyShape | null {
  if (plan.kind !== 'operations') return null;
  let ensure: FieldDefinition[] = [];
  let upsert: UpsertUser | null = null;
  let remove: RemoveMembership | null = null;
  for (const op of plan.operations) {
    if (op.op === 'ensureFields' && op.scope === 'user' && upsert === null && ensure.length === 0)
      ensure = op.fields;
    else if (op.op === 'upsertUser' && upsert === null) upsert = op;
    else if (op.op === 'removeMembership' && upsert !== null && remove === null) remove = op;
    else return null;
  }
  if (upsert === null) return null;
  if (upsert.fields.some((f) => NAME_KEYS.has(f.key.toLowerCase()))) return null;
  return { ensure, upsert, remove, notes: plan.notes };
}

/** Events with equal non-null keys may be merged; null means "never merge this event". */
export function mergeKeyOf(plan: Plan): string | null {
  const shape = identifyShape(plan);
  if (shape === null) return null;
  const { externalId, email } = shape.upsert.key;
  return `identify:${JSON.stringify([externalId ?? null, email ?? null])}`;
}

/** Consecutive events whose upserts become one; indices into the run. */
export interface Segment {
  indices: number[];
  /** false: every event lacks a name, the merged upsert only updates an existing user. */
  named: boolean;
}

/** Splits a run of same-key identify shapes into segments (rules above). */
export function segmentsOf(shapes: IdentifyShape[]): Segment[] {
  const out: Segment[] = [];
  let current: Segment | null = null;
  shapes.forEach((shape, i) => {
    const named = !shape.upsert.onlyIfExists;
    if (current === null || (!current.named && named)) {
      current = { indices: [], named };
      out.push(current);
    }
    current.indices.push(i);
    if (shape.remove !== null) current = null;
  });
  return out;
}

function mergeWrites(lists: FieldWrite[][]): FieldWrite[] {
  const byKey = new Map<string, FieldWrite>();
  for (const list of lists) for (const w of list) byKey.set(w.key.toLowerCase(), w);
  return [...byKey.values()];
}

/** One plan doing what the segment's events do one by one. */
export function mergedPlan(shapes: IdentifyShape[], segment: Segment): Plan {
  const parts = segment.indices.map((i) => shapes[i]!);
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const definitions = new Map<string, FieldDefinition>();
  for (const p of parts)
    for (const d of p.ensure)
      if (!definitions.has(d.key.toLowerCase())) definitions.set(d.key.toLowerCase(), d);
  const operations: Operation[] = [];
  if (definitions.size > 0)
    operations.push({ op: 'ensureFields', scope: 'user', fields: [...definitions.values()] });
  operations.push({
    op: 'upsertUser',
    key: first.upsert.key,
    attributes: Object.assign({}, ...parts.map((p) => p.upsert.attributes)) as UpsertUser['attributes'],
    fields: mergeWrites(parts.map((p) => p.upsert.fields)),
    nameFields: mergeWrites(parts.map((p) => p.upsert.nameFields)),
    onlyIfExists: !segment.named,
    onFailure: first.upsert.onFailure,
  });
  if (last.remove !== null) operations.push(last.remove);
  return { kind: 'operations', operations, notes: [] };
}
