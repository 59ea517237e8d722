import { describe, expect, it } from 'vitest';
import { EventsAllowance } from '../../../src/destination/events-allowance.js';
import { createDestination } from '../../../src/destination/index.js';
import { defaultDestinationSettings } from '../../../src/destination/settings.js';
import { FakeZendeskApi } from '../destination/fake-zendesk-api.js';

describe('EventsAllowance: events sent this month against the plan allowance', () => {
  it('warns once at 80%, 90% and 100%, and starts again in a new UTC month', () => {
    let t = Date.UTC(2026, 0, 31, 23, 59);
    const warnings: [string, Record<string, unknown>][] = [];
    const a = new EventsAllowance(
      10,
      (m, meta) => warnings.push([m, meta]),
      () => t,
    );
    for (let i = 0; i < 7; i++) a.record();
    expect(warnings).toEqual([]);
    a.record(); // 8 of 10
    expect(warnings.map(([m]) => m)).toEqual(['Events API: 80% of the monthly event allowance used']);
    expect(warnings[0]![1]).toEqual({
      month: '2026-01',
      sentThisMonth: 8,
      allowance: 10,
      setting: 'ZENDESK_EVENTS_MONTHLY_ALLOWANCE',
    });
    a.record(3); // 11 of 10: 90% and 100% at once, each once
    a.record();
    expect(warnings.map(([m]) => m).slice(1)).toEqual([
      'Events API: 90% of the monthly event allowance used',
      'Events API: the monthly event allowance is used up; Zendesk may refuse further events this month',
    ]);
    expect(a.sent).toBe(12);
    t = Date.UTC(2026, 1, 1, 0, 0);
    expect(a.sent).toBe(0);
    expect(a.month).toBe('2026-02');
    for (let i = 0; i < 8; i++) a.record();
    expect(warnings).toHaveLength(4);
  });

  it('the destination counts each event Zendesk accepted, not refused ones', async () => {
    const api = new FakeZendeskApi();
    api.addUser({ name: 'A', external_id: 'u1' });
    const warned: string[] = [];
    const d = createDestination({
      api,
      mode: 'naive',
      settings: { ...defaultDestinationSettings, trackEvents: ['Paid'], eventsMonthlyAllowance: 2 },
      logger: { debug() {}, warn: (m) => warned.push(m) },
    });
    const paid = { type: 'track', userId: 'u1', event: 'Paid' } as const;
    await d.process(paid);
    await d.process({ ...paid, userId: 'nobody' }); // user_not_found: nothing sent
    expect(d.eventsAllowance.sent).toBe(1);
    await d.process(paid);
    expect(d.eventsAllowance.sent).toBe(2);
    expect(warned.filter((m) => m.startsWith('Events API'))).toHaveLength(3);
  });
});
