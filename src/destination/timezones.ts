/**
 * IANA time-zone names → the names Zendesk accepts in `time_zone`.
 *
 * Zendesk's list (GET /api/v2/time_zones) is Rails' ActiveSupport::TimeZone::MAPPING; the table
 * below is that mapping written out (Rails 7.0 order), Zendesk name → IANA zone. Some IANA values
 * are old link names (Europe/Kiev, Asia/Rangoon, America/Godthab) that newer tzdata renamed, so
 * both spellings are accepted through IANA_ALIASES.
 *
 * An IANA zone that is not in the table (America/Detroit, Europe/Oslo …) is matched to the first
 * table zone whose UTC offsets agree with it at a fixed set of instants spanning two years, so
 * DST rules must agree too. The instants are constants, not the clock: the answer is the same on
 * every run with the same ICU data.
 */
export const ZENDESK_TIME_ZONES: ReadonlyArray<readonly [zendeskName: string, iana: string]> = [
  ['International Date Line West', 'Etc/GMT+12'],
  ['Midway Island', 'Pacific/Midway'],
  ['American Samoa', 'Pacific/Pago_Pago'],
  ['Hawaii', 'Pacific/Honolulu'],
  ['Alaska', 'America/Juneau'],
  ['Pacific Time (US & Canada)', 'America/Los_Angeles'],
  ['Tijuana', 'America/Tijuana'],
  ['Mountain Time (US & Canada)', 'America/Denver'],
  ['Arizona', 'America/Phoenix'],
  ['Chihuahua', 'America/Chihuahua'],
  ['Mazatlan', 'America/Mazatlan'],
  ['Central Time (US & Canada)', 'America/Chicago'],
  ['Saskatchewan', 'America/Regina'],
  ['Guadalajara', 'America/Mexico_City'],
  ['Mexico City', 'America/Mexico_City'],
  ['Monterrey', 'America/Monterrey'],
  ['Central America', 'America/Guatemala'],
  ['Eastern Time (US & Canada)', 'America/New_York'],
  ['Indiana (East)', 'America/Indiana/Indianapolis'],
  ['Bogota', 'America/Bogota'],
  ['Lima', 'America/Lima'],
  ['Quito', 'America/Lima'],
  ['Atlantic Time (Canada)', 'America/Halifax'],
  ['Caracas', 'America/Caracas'],
  ['La Paz', 'America/La_Paz'],
  ['Santiago', 'America/Santiago'],
  ['Newfoundland', 'America/St_Johns'],
  ['Brasilia', 'America/Sao_Paulo'],
  ['Buenos Aires', 'America/Argentina/Buenos_Aires'],
  ['Montevideo', 'America/Montevideo'],
  ['Georgetown', 'America/Guyana'],
  ['Puerto Rico', 'America/Puerto_Rico'],
  ['Greenland', 'America/Godthab'],
  ['Mid-Atlantic', 'Atlantic/South_Georgia'],
  ['Azores', 'Atlantic/Azores'],
  ['Cape Verde Is.', 'Atlantic/Cape_Verde'],
  ['Dublin', 'Europe/Dublin'],
  ['Edinburgh', 'Europe/London'],
  ['Lisbon', 'Europe/Lisbon'],
  ['London', 'Europe/London'],
  ['Casablanca', 'Africa/Casablanca'],
  ['Monrovia', 'Africa/Monrovia'],
  ['UTC', 'Etc/UTC'],
  ['Belgrade', 'Europe/Belgrade'],
  ['Bratislava', 'Europe/Bratislava'],
  ['Budapest', 'Europe/Budapest'],
  ['Ljubljana', 'Europe/Ljubljana'],
  ['Prague', 'Europe/Prague'],
  ['Sarajevo', 'Europe/Sarajevo'],
  ['Skopje', 'Europe/Skopje'],
  ['Warsaw', 'Europe/Warsaw'],
  ['Zagreb', 'Europe/Zagreb'],
  ['Brussels', 'Europe/Brussels'],
  ['Copenhagen', 'Europe/Copenhagen'],
  ['Madrid', 'Europe/Madrid'],
  ['Paris', 'Europe/Paris'],
  ['Amsterdam', 'Europe/Amsterdam'],
  ['Berlin', 'Europe/Berlin'],
  ['Bern', 'Europe/Zurich'],
  ['Zurich', 'Europe/Zurich'],
  ['Rome', 'Europe/Rome'],
  ['Stockholm', 'Europe/Stockholm'],
  ['Vienna', 'Europe/Vienna'],
  ['West Central Africa', 'Africa/Algiers'],
  ['Bucharest', 'Europe/Bucharest'],
  ['Cairo', 'Africa/Cairo'],
  ['Helsinki', 'Europe/Helsinki'],
  ['Kyiv', 'Europe/Kiev'],
  ['Riga', 'Europe/Riga'],
  ['Sofia', 'Europe/Sofia'],
  ['Tallinn', 'Europe/Tallinn'],
  ['Vilnius', 'Europe/Vilnius'],
  ['Athens', 'Europe/Athens'],
  ['Istanbul', 'Europe/Istanbul'],
  ['Minsk', 'Europe/Minsk'],
  ['Jerusalem', 'Asia/Jerusalem'],
  ['Harare', 'Africa/Harare'],
  ['Pretoria', 'Africa/Johannesburg'],
  ['Kaliningrad', 'Europe/Kaliningrad'],
  ['Moscow', 'Europe/Moscow'],
  ['St. Petersburg', 'Europe/Moscow'],
  ['Volgograd', 'Europe/Volgograd'],
  ['Samara', 'Europe/Samara'],
  ['Kuwait', 'Asia/Kuwait'],
  ['Riyadh', 'Asia/Riyadh'],
  ['Nairobi', 'Africa/Nairobi'],
  ['Baghdad', 'Asia/Baghdad'],
  ['Tehran', 'Asia/Tehran'],
  ['Abu Dhabi', 'Asia/Muscat'],
  ['Muscat', 'Asia/Muscat'],
  ['Baku', 'Asia/Baku'],
  ['Tbilisi', 'Asia/Tbilisi'],
  ['Yerevan', 'Asia/Yerevan'],
  ['Kabul', 'Asia/Kabul'],
  ['Ekaterinburg', 'Asia/Yekaterinburg'],
  ['Islamabad', 'Asia/Karachi'],
  ['Karachi', 'Asia/Karachi'],
  ['Tashkent', 'Asia/Tashkent'],
  ['Chennai', 'Asia/Kolkata'],
  ['Kolkata', 'Asia/Kolkata'],
  ['Mumbai', 'Asia/Kolkata'],
  ['New Delhi', 'Asia/Kolkata'],
  ['Kathmandu', 'Asia/Kathmandu'],
  ['Astana', 'Asia/Dhaka'],
  ['Dhaka', 'Asia/Dhaka'],
  ['Sri Jayawardenepura', 'Asia/Colombo'],
  ['Almaty', 'Asia/Almaty'],
  ['Novosibirsk', 'Asia/Novosibirsk'],
  ['Rangoon', 'Asia/Rangoon'],
  ['Bangkok', 'Asia/Bangkok'],
  ['Hanoi', 'Asia/Bangkok'],
  ['Jakarta', 'Asia/Jakarta'],
  ['Krasnoyarsk', 'Asia/Krasnoyarsk'],
  ['Beijing', 'Asia/Shanghai'],
  ['Chongqing', 'Asia/Chongqing'],
  ['Hong Kong', 'Asia/Hong_Kong'],
  ['Urumqi', 'Asia/Urumqi'],
  ['Kuala Lumpur', 'Asia/Kuala_Lumpur'],
  ['Singapore', 'Asia/Singapore'],
  ['Taipei', 'Asia/Taipei'],
  ['Perth', 'Australia/Perth'],
  ['Irkutsk', 'Asia/Irkutsk'],
  ['Ulaanbaatar', 'Asia/Ulaanbaatar'],
  ['Seoul', 'Asia/Seoul'],
  ['Osaka', 'Asia/Tokyo'],
  ['Sapporo', 'Asia/Tokyo'],
  ['Tokyo', 'Asia/Tokyo'],
  ['Yakutsk', 'Asia/Yakutsk'],
  ['Darwin', 'Australia/Darwin'],
  ['Adelaide', 'Australia/Adelaide'],
  ['Canberra', 'Australia/Melbourne'],
  ['Melbourne', 'Australia/Melbourne'],
  ['Sydney', 'Australia/Sydney'],
  ['Brisbane', 'Australia/Brisbane'],
  ['Hobart', 'Australia/Hobart'],
  ['Vladivostok', 'Asia/Vladivostok'],
  ['Guam', 'Pacific/Guam'],
  ['Port Moresby', 'Pacific/Port_Moresby'],
  ['Magadan', 'Asia/Magadan'],
  ['Srednekolymsk', 'Asia/Srednekolymsk'],
  ['Solomon Is.', 'Pacific/Guadalcanal'],
  ['New Caledonia', 'Pacific/Noumea'],
  ['Fiji', 'Pacific/Fiji'],
  ['Kamchatka', 'Asia/Kamchatka'],
  ['Marshall Is.', 'Pacific/Majuro'],
  ['Auckland', 'Pacific/Auckland'],
  ['Wellington', 'Pacific/Auckland'],
  ["Nuku'alofa", 'Pacific/Tongatapu'],
  ['Tokelau Is.', 'Pacific/Fakaofo'],
  ['Chatham Is.', 'Pacific/Chatham'],
  ['Samoa', 'Pacific/Apia'],
];

/** Renamed or linked IANA names → the spelling used in the table above. */
const IANA_ALIASES: Readonly<Record<string, string>> = {
  'Europe/Kyiv': 'Europe/Kiev',
  'Asia/Yangon': 'Asia/Rangoon',
  'America/Nuuk': 'America/Godthab',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Fort_Wayne': 'America/Indiana/Indianapolis',
  'US/Pacific': 'America/Los_Angeles',
  'US/Mountain': 'America/Denver',
  'US/Central': 'America/Chicago',
  'US/Eastern': 'America/New_York',
  'US/Alaska': 'America/Juneau',
  'US/Hawaii': 'Pacific/Honolulu',
  'US/Arizona': 'America/Phoenix',
  'Canada/Atlantic': 'America/Halifax',
  'Canada/Newfoundland': 'America/St_Johns',
  UTC: 'Etc/UTC',
  'Etc/UCT': 'Etc/UTC',
  'Etc/GMT': 'Etc/UTC',
  'Etc/Universal': 'Etc/UTC',
  'Etc/Zulu': 'Etc/UTC',
  GMT: 'Etc/UTC',
  Universal: 'Etc/UTC',
  Zulu: 'Etc/UTC',
};

const zendeskNames = new Set(ZENDESK_TIME_ZONES.map(([name]) => name));

/** First Zendesk name per IANA zone: "London" for Europe/London, "Mexico City" for Mexico_City … */
const PREFERRED: Readonly<Record<string, string>> = {
  'Europe/London': 'London',
  'America/Mexico_City': 'Mexico City',
  'America/Lima': 'Lima',
  'Europe/Zurich': 'Zurich',
  'Europe/Moscow': 'Moscow',
  'Asia/Muscat': 'Muscat',
  'Asia/Karachi': 'Karachi',
  'Asia/Kolkata': 'Kolkata',
  'Asia/Dhaka': 'Dhaka',
  'Asia/Bangkok': 'Bangkok',
  'Asia/Tokyo': 'Tokyo',
  'Pacific/Auckland': 'Auckland',
};

const byIana = new Map<string, string>();
for (const [name, iana] of ZENDESK_TIME_ZONES) {
  if (!byIana.has(iana)) byIana.set(iana, PREFERRED[iana] ?? name);
}

// Two instants per month over two years: enough to see both sides of every DST rule in use.
const SAMPLE_INSTANTS: readonly number[] = (() => {
  const out: number[] = [];
  for (const year of [2025, 2026]) {
    for (let month = 0; month < 12; month++) {
      out.push(Date.UTC(year, month, 1, 12), Date.UTC(year, month, 16, 12));
    }
  }
  return out;
})();

const signatureCache = new Map<string, string | null>();

/** The zone's UTC offsets at the sample instants, or null when ICU does not know the zone. */
function offsetSignature(iana: string): string | null {
  const cached = signatureCache.get(iana);
  if (cached !== undefined) return cached;
  let signature: string | null;
  try {
    const format = new Intl.DateTimeFormat('en-US', { timeZone: iana, timeZoneName: 'longOffset' });
    signature = SAMPLE_INSTANTS.map(
      (t) => format.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? '?',
    ).join(',');
  } catch {
    signature = null;
  }
  signatureCache.set(iana, signature);
  return signature;
}

const equivalentCache = new Map<string, string | null>();

function equivalentZendeskName(iana: string): string | null {
  const cached = equivalentCache.get(iana);
  if (cached !== undefined) return cached;
  const wanted = offsetSignature(iana);
  let found: string | null = null;
  if (wanted !== null) {
    for (const [tableIana, name] of byIana) {
      if (offsetSignature(tableIana) === wanted) {
        found = name;
        break;
      }
    }
  }
  equivalentCache.set(iana, found);
  return found;
}

export type TimeZoneResult =
  { ok: true; zendesk: string; how: 'zendesk_name' | 'mapped' | 'equivalent' } | { ok: false };

/**
 * Translates a Segment `timezone` trait. A value that already is a Zendesk name passes through;
 * an IANA name is mapped; anything else is reported by the caller, never sent (Zendesk would
 * reject the whole user update for one bad zone).
 */
export function toZendeskTimeZone(input: string): TimeZoneResult {
  const value = input.trim();
  if (value === '') return { ok: false };
  if (zendeskNames.has(value)) return { ok: true, zendesk: value, how: 'zendesk_name' };
  const canonical = IANA_ALIASES[value] ?? value;
  const direct = byIana.get(canonical);
  if (direct !== undefined) return { ok: true, zendesk: direct, how: 'mapped' };
  // Only things shaped like IANA names go to the offset comparison: "EST" or "+02:00" are too vague.
  if (!/^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+$/.test(value)) return { ok: false };
  const equivalent = equivalentZendeskName(value);
  return equivalent === null ? { ok: false } : { ok: true, zendesk: equivalent, how: 'equivalent' };
}
