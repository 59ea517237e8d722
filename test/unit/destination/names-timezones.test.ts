import { describe, expect, it } from 'vitest';
import { personName, splitName } from '../../../src/destination/names.js';
import { toZendeskTimeZone, ZENDESK_TIME_ZONES } from '../../../src/destination/timezones.js';

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
    ['America/Detroit', 'Eastern Time (US & Canada)'],
    ['America/Toronto', 'Eastern Time (US & Canada)'],
    ['America/Vancouver', 'Pacific Time (US & Canada)'],
    ['Europe/Oslo', 'Belgrade'],
  ])('zones outside the table go to one with the same offsets all year: %s → %s', (iana, zendesk) => {
    expect(toZendeskTimeZone(iana)).toEqual({ ok: true, zendesk, how: 'equivalent' });
  });

  it.each(['Mars/Olympus', 'EST5', '+02:00', '', 'pacific time'])('unknown %j → not ok', (value) => {
    expect(toZendeskTimeZone(value).ok).toBe(false);
  });
});
