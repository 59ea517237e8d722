/**
 * Issue 9, bad input: awkward and hostile events through the real destination, the real client and the
 * strict sandbox. Each must end in a clear dead-letter reason or a documented sanitised delivery, never a
 * crash, never a prototype pollution. (Undecodable bytes are covered by the codec and pipeline tests.)
 * Results are written to .stack/bad-input.json for docs/reliability.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDestination } from '../../../src/destination/index.js';
import { defaultDestinationSettings } from '../../../src/destination/settings.js';
import type { Outcome } from '../../../src/destination/outcome.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { ROOT } from '../../helpers/cli.js';
import type { BadInputRow } from '../../../scripts/reliability-types.js';

let sb: Sandbox;
let client: ZendeskClient;
let dest: ReturnType<typeof createDestination>;
const rows: BadInputRow[] = [];

beforeAll(async () => {
  sb = await startSandbox({ config: { strict: true } });
  client = new ZendeskClient({
    baseUrl: sb.url,
    auth: { kind: 'bearer', token: 'sandbox-token' },
    userUpsertPerSecond: 1000,
    userUpsertPerUserPerMinute: 1000,
    accountRatePerMinute: 100_000,
    maxRetryTimeMs: 1000,
  });
  dest = createDestination({
    api: client,
    settings: { ...defaultDestinationSettings, trackEvents: ['Order Completed'] },
  });
});
afterAll(async () => {
  await client.close();
  await sb.close();
  mkdirSync(`${ROOT}/.stack`, { recursive: true });
  writeFileSync(`${ROOT}/.stack/bad-input.json`, JSON.stringify(rows, null, 2));
});

const show = (o: Outcome) =>
  o.kind === 'rejected'
    ? `dead-lettered: ${o.reason}`
    : o.kind === 'skipped'
      ? `skipped: ${o.reason}`
      : 'delivered';
async function run(input: string, event: SegmentEvent, note = ''): Promise<Outcome> {
  const o = await dest.process(event);
  rows.push({ input, outcome: show(o), note });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  return o;
}

describe('bad input never crashes, pollutes or slips through unexplained', () => {
  it('__proto__, constructor and prototype keys in traits and properties', async () => {
    const traits = JSON.parse(
      '{"name":"Proto User","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":"p"}',
    );
    const o = await run('`__proto__` / `constructor` / `prototype` trait keys', {
      type: 'identify',
      userId: 'proto-1',
      traits,
    });
    expect(o.kind === 'delivered' || o.kind === 'rejected').toBe(true);
    const props = JSON.parse('{"__proto__":{"polluted":"yes"},"total":1}');
    await run('`__proto__` in track properties', {
      type: 'track',
      userId: 'proto-1',
      event: 'Order Completed',
      properties: props,
    });
    expect(Object.prototype).not.toHaveProperty('polluted');
    const u = sb.state().users.find((x) => x.external_id === 'proto-1') as
      { user_fields: Record<string, unknown> } | undefined;
    if (u) expect(Object.getPrototypeOf(u.user_fields)).toBe(Object.prototype);
  });

  it('huge traits (1 MB)', async () => {
    const o = await run('a 1 MB string trait', {
      type: 'identify',
      userId: 'huge-1',
      traits: { name: 'Huge', blob: 'x'.repeat(1024 * 1024) },
    });
    expect(['delivered', 'rejected']).toContain(o.kind);
  });

  it('deeply nested traits (depth 60)', async () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 60; i++) deep = { [`l${i}`]: deep };
    const o = await run(
      'traits nested 60 levels deep',
      { type: 'identify', userId: 'deep-1', traits: { name: 'Deep', deep } as never },
      'flattened to 4 levels, the rest reported',
    );
    expect(o.kind).toBe('delivered');
  });

  it('control characters and very long strings in field keys', async () => {
    const traits = {
      name: 'Keys',
      ['bad\u0000key\u0007\n']: 'v1',
      ['k'.repeat(5000)]: 'v2',
      '': 'empty',
      '123': 'digits',
    };
    const o = await run('control characters, a 5,000-char key, an empty key and a digits-only key', {
      type: 'identify',
      userId: 'keys-1',
      traits,
    });
    expect(o.kind).toBe('delivered');
    const fields = sb.state().userFields.map((f) => f.key as string);
    for (const k of fields) {
      expect(k).toMatch(/^[A-Za-z0-9_]+$/);
      expect(k).not.toMatch(/^\d+$/);
    }
  });

  it('invalid emails and over-long identifiers get a clear outcome', async () => {
    const a = await run('an invalid email', {
      type: 'identify',
      userId: 'mail-1',
      traits: { name: 'Mail', email: 'not an email@@' },
    });
    expect(['delivered', 'rejected']).toContain(a.kind);
    if (a.kind === 'rejected') expect(a.message).not.toMatch(/not an email/);
    const b = await run('a 10,000-character userId', {
      type: 'identify',
      userId: 'u'.repeat(10_000),
      traits: { name: 'Long' },
    });
    expect(['delivered', 'rejected']).toContain(b.kind);
  });

  it('random traits never throw anything but an outage (property, 60 events)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
        fc.string({ maxLength: 30 }),
        async (traits, name) => {
          const o = await dest.process({
            type: 'identify',
            userId: `fc-${name.length}-${Object.keys(traits).length}`,
            traits: { ...traits, name: name || 'N' } as never,
          });
          expect(['delivered', 'rejected', 'skipped']).toContain(o.kind);
        },
      ),
      { numRuns: 60 },
    );
    rows.push({
      input: '60 random trait objects (fast-check)',
      outcome: 'each delivered or dead-lettered',
      note: 'no exception',
    });
  });
});
