import { describe, expect, it } from 'vitest';
import { personName, splitName } from '../../../src/destination/names.js';
import { toZendeskTimeZone, ZENDESK_TIME_ZONES } from '../../../src/destination/timezones.js';
import { ZONE_PLACES } from '../../../src/destination/timezone-places.js';

/** UTC offsets of a zone on the 1st and 16th of every month of 2025-2026. */
function offsets(iana: string): string {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: iana, timeZoneName: 'longOffset' });
  const out: string[] = [];
  for (const y of [2025, 2026])
    for (let m = 0; m < 12; m++)
      for (const d of [1, 16])
        out.push(f.formatToParts(Date.UTC(y, m, d, 12)).find((p) => p.type === 'timeZoneName')!.value);
  return out.join();
}

describe('personName', () => {
  it.each([
    [{ name: 'Ada Lovelace' }, { name: 'Ada Lovelace', firstName: 'Ada', lastName: 'Lovelace' }],
    [{ name: 'Cher' }, { name: 'Cher', firstName: 'Cher', lastName: null }],
    [
      { name: ' Jean  Claude   Van Damme ' },
      { name: 'Jean Claude Van Damme', firstName: 'Jean', lastName: 'Claude Van Damme' },
    ],
    [{ name: 'Zoë\u00a0Ångström' }, { name: 'Zoë Ångström', firstName: 'Zoë', lastName: 'Ångström' }],
    [
      { firstName: 'Ada', lastName: 'Lovelace' },
      { name: 'Ada Lovelace', firstName: 'Ada', lastName: 'Lovelace' },
    ],
    [
      { first_name: 'Ada', last_name: 'Lovelace' },
      { name: 'Ada Lovelace', firstName: 'Ada', lastName: 'Lovelace' },
    ],
    [{ firstName: 'Ada' }, { name: 'Ada', firstName: 'Ada', lastName: null }],
    [{ lastName: 'Lovelace' }, { name: 'Lovelace', firstName: '', lastName: 'Lovelace' }],
    [
      { name: '', firstName: 'Ada' },
      { name: 'Ada', firstName: 'Ada', lastName: null },
    ],
    [{ name: '   ' }, null],
    [{ name: true }, null],
    [{}, null],
  ])('%j → %j', (traits, expected) => {
    expect(personName(traits as never)).toEqual(expected);
  });

  it('splitName: first word / rest', () => {
    expect(splitName('李 小龙')).toEqual({ firstName: '李', lastName: '小龙' });
  });
});

describe('toZendeskTimeZone', () => {
  it('covers every Zendesk zone name: each one passes through as itself', () => {
    expect(ZENDESK_TIME_ZONES.length).toBe(151);
    for (const [name] of ZENDESK_TIME_ZONES)
      expect(toZendeskTimeZone(name)).toEqual({ ok: true, zendesk: name, how: 'zendesk_name' });
  });

  it('maps every IANA zone of the table back to a Zendesk name with that IANA zone', () => {
    for (const [, iana] of ZENDESK_TIME_ZONES) {
      const r = toZendeskTimeZone(iana);
      expect(r.ok, iana).toBe(true);
      if (r.ok) expect(ZENDESK_TIME_ZONES.find(([n]) => n === r.zendesk)?.[1]).toBe(iana);
    }
  });

  it.each([
    ['America/Los_Angeles', 'Pacific Time (US & Canada)'],
    ['America/New_York', 'Eastern Time (US & Canada)'],
    ['Europe/London', 'London'],
    ['Europe/Kyiv', 'Kyiv'],
    ['Asia/Yangon', 'Rangoon'],
    ['Asia/Calcutta', 'Kolkata'],
    ['US/Pacific', 'Pacific Time (US & Canada)'],
    ['UTC', 'UTC'],
    ['Etc/UTC', 'UTC'],
  ])('%s → %s', (iana, zendesk) => {
    expect(toZendeskTimeZone(iana)).toMatchObject({ ok: true, zendesk });
  });

  it.each([
    // The four of issue 14 (were Samara, Novosibirsk, Belgrade, Beijing).
    ['Asia/Dubai', 'Abu Dhabi'], // same country, Zendesk's own name for it
    ['Asia/Ho_Chi_Minh', 'Hanoi'],
    ['Europe/Oslo', 'Stockholm'], // no Norwegian name: the nearest with CET/CEST
    ['Asia/Manila', 'Hong Kong'], // no Philippine name: the nearest at UTC+8
    // Whole-region names first, then the same country, then the nearest in the region.
    ['Asia/Saigon', 'Hanoi'],
    ['America/Detroit', 'Eastern Time (US & Canada)'],
    ['America/Toronto', 'Eastern Time (US & Canada)'],
    ['America/Boise', 'Mountain Time (US & Canada)'],
    ['America/Moncton', 'Atlantic Time (Canada)'],
    ['America/Argentina/Cordoba', 'Buenos Aires'],
    ['America/Bahia', 'Brasilia'],
    ['America/Tegucigalpa', 'Central America'],
    ['Asia/Kuching', 'Kuala Lumpur'],
    ['Europe/Ulyanovsk', 'Samara'],
    ['Europe/Jersey', 'London'],
    ['Europe/Luxembourg', 'Brussels'],
    ['Africa/Lagos', 'West Central Africa'],
    ['Asia/Qatar', 'Riyadh'],
  ])(
    'zones outside the table go to one with the same offsets all year, in the same region: %s → %s',
    (iana, zendesk) => {
      expect(toZendeskTimeZone(iana)).toEqual({ ok: true, zendesk, how: 'equivalent' });
    },
  );

  // The answer depends on the runtime's tzdata: 2025c (Node 20) gives British Columbia and Manitoba
  // the US rules; 2026e (Node 24) gives both one offset all year (UTC-7, UTC-5) from 2026 on, and no
  // Zendesk name in their region has those offsets across the two years compared, so they map to
  // nothing rather than to a zone that would be an hour off for half the year.
  it.each([
    ['America/Vancouver', 'America/Los_Angeles', 'Pacific Time (US & Canada)'],
    ['America/Winnipeg', 'America/Chicago', 'Central Time (US & Canada)'],
  ])('%s follows %s while tzdata gives them the same offsets, and only then', (iana, us, zendesk) => {
    const r = toZendeskTimeZone(iana);
    if (offsets(iana) === offsets(us)) expect(r).toEqual({ ok: true, zendesk, how: 'equivalent' });
    else expect(r).not.toMatchObject({ zendesk });
  });

  it('every zone of tzdata maps to a Zendesk name with the same offsets all year, in its own region, or to nothing', () => {
    const table = new Map(ZENDESK_TIME_ZONES.map(([name, iana]) => [name, iana]));
    let mapped = 0;
    for (const iana of Object.keys(ZONE_PLACES)) {
      const r = toZendeskTimeZone(iana);
      if (!r.ok) continue;
      mapped++;
      const target = table.get(r.zendesk)!;
      expect(offsets(target), `${iana} → ${r.zendesk}`).toBe(offsets(iana));
      if (r.how === 'equivalent') {
        const [area] = iana.split('/');
        const [targetArea] = target.split('/');
        const regions: Record<string, string[]> = {
          Indian: ['Indian', 'Asia', 'Africa'],
          Atlantic: ['Atlantic', 'Europe', 'Africa', 'America'],
          Pacific: ['Pacific', 'Australia', 'Asia'],
          Australia: ['Australia', 'Pacific'],
        };
        expect(regions[area!] ?? [area], `${iana} → ${r.zendesk}`).toContain(targetArea);
      }
    }
    expect(mapped).toBeGreaterThan(300);
  });

  it.each(['Australia/Lord_Howe', 'Antarctica/Troll', 'Etc/GMT-14', 'Asia/Kolkatta'])(
    'no zone with the same offsets in the same region: %s is left out (the planner notes it)',
    (iana) => {
      expect(toZendeskTimeZone(iana)).toEqual({ ok: false });
    },
  );

  it.each(['Mars/Olympus', 'EST5', '+02:00', '', 'pacific time'])('unknown %j → not ok', (value) => {
    expect(toZendeskTimeZone(value).ok).toBe(false);
  });
});
