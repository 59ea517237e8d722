/**
 * The failure contract (src/destination/contract.ts): whatever concerns one event resolves to its
 * outcome; only a retriable error rejects. Against the in-memory Zendesk double, no I/O.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDestination } from '../../../src/destination/index.js';
import { defaultDestinationSettings } from '../../../src/destination/settings.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { FakeZendeskApi } from '../destination/fake-zendesk-api.js';

const identify = (userId: string, traits: Record<string, unknown>): SegmentEvent =>
  ({
    type: 'identify',
    userId,
    messageId: `m-${userId}`,
    traits: { name: `N ${userId}`, ...traits },
  }) as SegmentEvent;
/** The poison of issue 13: a trait value that throws when turned into a string. */
const poison = () => identify('p', { timezone: { toString: 1 } });

for (const mode of ['naive', 'optimized'] as const) {
  describe(`destination contract (${mode})`, () => {
    const itNaive = mode === 'naive' ? it : () => undefined;
    const make = (api = new FakeZendeskApi()) =>
      createDestination({
        api,
        settings: { ...defaultDestinationSettings },
        mode,
        batching: { windowMs: 1 },
      });

    it('an event that throws while being planned resolves to internal_error; mergeKey does not throw', async () => {
      const d = make();
      expect(() => d.mergeKey(poison())).not.toThrow();
      const o = await d.process(poison());
      expect(o).toMatchObject({ kind: 'rejected', reason: 'internal_error' });
    });

    // The in-memory double answers the single-record calls only; optimized mode's bulk calls are
    // exercised against the sandbox (test/integration/destination).
    itNaive('a run with one poison event gives it internal_error and delivers the others', async () => {
      const d = make();
      const outcomes = await d.processRun([
        identify('a', { plan: 'x' }),
        poison(),
        identify('b', { plan: 'y' }),
      ]);
      expect(outcomes.map((o) => (o.kind === 'rejected' ? o.reason : o.kind))).toEqual([
        'delivered',
        'internal_error',
        'delivered',
      ]);
    });

    itNaive(
      'a Zendesk refusal nobody mapped is rejected_by_zendesk with its status; an outage rejects the promise',
      async () => {
        const refusing = new FakeZendeskApi();
        refusing.createOrUpdateUser = async () => {
          throw new ZendeskError('reject', 'Unprocessable', { status: 418, code: 'Teapot' });
        };
        expect(await make(refusing).process(identify('a', {}))).toMatchObject({
          kind: 'rejected',
          reason: 'rejected_by_zendesk',
          status: 418,
        });
        const down = new FakeZendeskApi();
        down.createOrUpdateUser = async () => {
          throw new ZendeskError('outage', 'Zendesk answered 503', { status: 503 });
        };
        await expect(make(down).process(identify('a', {}))).rejects.toMatchObject({ retriable: true });
      },
    );
  });
}

describe('imports flow one way', () => {
  it('src/pipeline imports nothing from src/zendesk (it decides by the retriable flag alone)', () => {
    const dir = join(import.meta.dirname, '../../../src/pipeline');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      expect(src, f).not.toMatch(/from '\.\.\/zendesk\//);
    }
  });
});
