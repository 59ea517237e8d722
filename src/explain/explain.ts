import type { SegmentEvent } from '../segment/event.js';
import type { ZendeskApi } from '../zendesk/api.js';
import { executePlan, planEvent, type Plan } from '../destination/index.js';
import { createFieldCatalogs } from '../destination/fields-catalog.js';
import { naiveGateway } from '../zendesk/batching/gateway.js';
import type { Outcome } from '../destination/outcome.js';
import type { DestinationSettings } from '../destination/settings.js';
import { DryRunApi, type Call } from './dry-run-api.js';

export interface Explanation {
  event: { type: string; messageId: string | null; userId: string | null; groupId: string | null };
  /** The destination's own plan for the event (planEvent, as `run` plans it). */
  plan: Plan;
  /** With Zendesk: the outcome the executor reaches, the calls it makes and what each write would change. */
  outcome?: Outcome;
  calls?: Call[];
}

/**
 * What the destination would do with one event: its planner's plan and, given Zendesk, its executor
 * run against a dry-run API (reads real, writes recorded and never sent). One request per operation,
 * as in naive mode: bulk batching changes how calls are grouped, not what they write.
 */
export async function explainEvent(
  event: SegmentEvent,
  settings: DestinationSettings,
  zendesk?: ZendeskApi,
): Promise<Explanation> {
  const plan = planEvent(event, settings);
  const summary = {
    type: event.type,
    messageId: event.messageId ?? null,
    userId: event.userId ?? null,
    groupId: event.groupId ?? null,
  };
  if (!zendesk) return { event: summary, plan };
  const api = new DryRunApi(zendesk);
  const outcome = await executePlan(plan, {
    api,
    fields: createFieldCatalogs(api),
    gateway: naiveGateway(api),
  });
  return { event: summary, plan, outcome, calls: api.calls };
}

const show = (v: unknown): string => (v === undefined ? '(nothing)' : JSON.stringify(v));

/** The explanation for a person at a terminal. */
export function renderExplanation(x: Explanation): string {
  const lines: string[] = [];
  const e = x.event;
  lines.push(
    `event: ${e.type}${e.messageId ? ` messageId=${e.messageId}` : ''}${e.userId ? ` userId=${e.userId}` : ''}${e.groupId ? ` groupId=${e.groupId}` : ''}`,
  );
  if (x.plan.kind === 'final') {
    lines.push(`plan: no Zendesk call; ${describeOutcome(x.plan.outcome)}`);
    return lines.join('\n');
  }
  lines.push(`plan: ${x.plan.operations.length} operation(s)`);
  for (const [i, op] of x.plan.operations.entries()) lines.push(`  ${i + 1}. ${describeOperation(op)}`);
  for (const n of x.plan.notes) lines.push(`  note: ${n}`);
  if (!x.calls) {
    lines.push('zendesk: not read (--offline)');
    return lines.join('\n');
  }
  const writes = x.calls.filter((c) => c.method !== 'GET');
  lines.push(`calls: ${x.calls.length - writes.length} read(s) made, ${writes.length} write(s) not sent`);
  for (const c of x.calls) {
    if (c.method === 'GET') {
      lines.push(`  read  GET ${c.route}`);
      continue;
    }
    lines.push(`  write ${c.method} ${c.route} → ${c.target ?? ''}`);
    if (c.changes?.length === 0) lines.push('        no change: Zendesk already holds this');
    for (const ch of c.changes ?? []) lines.push(`        ${ch.field}: ${show(ch.now)} → ${show(ch.then)}`);
  }
  lines.push(`outcome: ${describeOutcome(x.outcome!)}`);
  return lines.join('\n');
}

function describeOutcome(o: Outcome): string {
  if (o.kind === 'delivered') return `delivered${o.notes?.length ? ` (notes: ${o.notes.join('; ')})` : ''}`;
  if (o.kind === 'skipped') return `skipped (${o.reason})`;
  return `dead-lettered as ${o.reason}: ${o.message}`;
}

function describeOperation(op: Extract<Plan, { kind: 'operations' }>['operations'][number]): string {
  switch (op.op) {
    case 'ensureFields':
      return `ensure ${op.scope} fields exist: ${op.fields.map((f) => `${f.key} (${f.type})`).join(', ')}`;
    case 'upsertUser':
      return `create or update the user ${keyText(op.key)}: ${Object.keys(op.attributes).join(', ')}${
        op.fields.length ? `; fields ${op.fields.map((f) => f.key).join(', ')}` : ''
      }${op.onlyIfExists ? ' (only if the user exists: no name to create one)' : ''}`;
    case 'removeMembership':
      return `remove user ${keyText(op.user)} from organization external_id=${op.organization.externalId}`;
    case 'upsertOrganization':
      return `create or update the organization external_id=${op.key.externalId}: ${Object.keys(op.attributes).join(', ')}${
        op.fields.length ? `; fields ${op.fields.map((f) => f.key).join(', ')}` : ''
      }`;
    case 'deleteOrganization':
      return `delete the organization external_id=${op.key.externalId}`;
    case 'linkMembership':
      return `link user external_id=${op.user.externalId} to organization external_id=${op.organization.externalId}`;
    case 'sendUserEvent':
      return `send the user event "${op.event.type}" for user external_id=${op.user.externalId}`;
  }
}

const keyText = (k: { externalId?: string; email?: string }): string =>
  [
    k.externalId !== undefined ? `external_id=${k.externalId}` : '',
    k.email !== undefined ? `email=${k.email}` : '',
  ]
    .filter(Boolean)
    .join(' ');
