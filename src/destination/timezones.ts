import { ZONE_PLACES } from './timezone-places.js';

/**
 * IANA time-zone names → the names Zendesk accepts in `time_zone`.
 *
 * Zendesk's list (GET /api/v2/time_zones) is Rails' ActiveSupport::TimeZone::MAPPING; the table
 * below is that mapping written out (Rails 7.0 order), Zendesk name → IANA zone. Some IANA values
 * are old link names (Europe/Kiev, Asia/Rangoon, America/Godthab) that newer tzdata renamed, so
 * both spellings are accepted through IANA_ALIASES.
 *
 * An IANA zone that is not in the table (America/Detroit, Asia/Dubai, Europe/Oslo …) maps to a
 * table zone whose UTC offsets agree with it at a fixed set of instants spanning two years (so
 * DST rules agree too), in the same region, chosen in this order: a zone named for the whole
 * country or region it is in ("Eastern Time (US & Canada)" for America/Detroit), a zone of the
 * same country ("Abu Dhabi" for Asia/Dubai, "Hanoi" for Asia/Ho_Chi_Minh), else the nearest
 * (great-circle distance between the zones' principal cities: "Stockholm" for Europe/Oslo,
 * "Hong Kong" for Asia/Manila). No such zone: left out, and the caller notes it. The instants
 * are constants, not the clock: the answer is the same on every run with the same ICU data.
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
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
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

/**
 * Zendesk names that stand for a place other than their IANA zone's city: the country and
 * coordinates of the place itself ("Abu Dhabi" is Asia/Muscat's offsets, but in the Emirates).
 */
const NAME_PLACES: Readonly<Record<string, readonly [country: string, lat: number, lon: number]>> = {
  'Abu Dhabi': ['AE', 24.47, 54.37],
  Hanoi: ['VN', 21.03, 105.85],
  Astana: ['KZ', 51.17, 71.43],
  Quito: ['EC', -0.22, -78.5],
  Guadalajara: ['MX', 20.67, -103.35],
  Edinburgh: ['GB', 55.95, -3.19],
  Bern: ['CH', 46.95, 7.45],
  Islamabad: ['PK', 33.69, 73.06],
  Chennai: ['IN', 13.08, 80.27],
  Mumbai: ['IN', 19.08, 72.88],
  'New Delhi': ['IN', 28.61, 77.21],
  Osaka: ['JP', 34.69, 135.5],
  Sapporo: ['JP', 43.06, 141.35],
  Canberra: ['AU', -35.28, 149.13],
  Wellington: ['NZ', -41.29, 174.78],
  'St. Petersburg': ['RU', 59.94, 30.31],
};

/** Zendesk names for a whole country or region, preferred for any zone of those countries. */
const REGION_NAMES: Readonly<Record<string, readonly string[]>> = {
  'Pacific Time (US & Canada)': ['US', 'CA'],
  'Mountain Time (US & Canada)': ['US', 'CA'],
  'Central Time (US & Canada)': ['US', 'CA'],
  'Eastern Time (US & Canada)': ['US', 'CA'],
  'Atlantic Time (Canada)': ['CA'],
  'Central America': ['GT', 'BZ', 'SV', 'HN', 'NI', 'CR'],
};

/** Which IANA areas count as the same region as a zone's own area. */
const REGION_AREAS: Readonly<Record<string, readonly string[]>> = {
  Indian: ['Indian', 'Asia', 'Africa'],
  Atlantic: ['Atlantic', 'Europe', 'Africa', 'America'],
  Pacific: ['Pacific', 'Australia', 'Asia'],
  Australia: ['Australia', 'Pacific'],
};

const areaOf = (iana: string): string => iana.split('/')[0] ?? '';

function placeOf(iana: string): readonly [string, number, number] | undefined {
  return ZONE_PLACES[iana] ?? ZONE_PLACES[IANA_ALIASES[iana] ?? ''];
}

/** Great-circle distance in km. */
function distanceKm(a: readonly [string, number, number], b: readonly [string, number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[2] - a[2]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

interface Candidate {
  name: string;
  iana: string;
  place: readonly [string, number, number];
}

/** Every Zendesk name with where it is (table order), for the choice below. */
const CANDIDATES: readonly Candidate[] = ZENDESK_TIME_ZONES.flatMap(([name, iana]) => {
  const place = NAME_PLACES[name] ?? ZONE_PLACES[iana];
  return place ? [{ name, iana, place }] : [];
});

const equivalentCache = new Map<string, string | null>();

function equivalentZendeskName(iana: string): string | null {
  const cached = equivalentCache.get(iana);
  if (cached !== undefined) return cached;
  const found = chooseEquivalent(iana);
  equivalentCache.set(iana, found);
  return found;
}

function chooseEquivalent(iana: string): string | null {
  const wanted = offsetSignature(iana);
  const place = placeOf(iana);
  if (wanted === null || place === undefined) return null;
  const areas = REGION_AREAS[areaOf(iana)] ?? [areaOf(iana)];
  const same = CANDIDATES.filter((c) => areas.includes(areaOf(c.iana)) && offsetSignature(c.iana) === wanted);
  if (same.length === 0) return null;
  const country = place[0];
  const region = same.find((c) => REGION_NAMES[c.name]?.includes(country));
  if (region) return region.name;
  const national = same.filter((c) => c.place[0] === country);
  const pool = national.length > 0 ? national : same;
  let best = pool[0]!;
  for (const c of pool) if (distanceKm(place, c.place) < distanceKm(place, best.place)) best = c;
  return best.name;
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
