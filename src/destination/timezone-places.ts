/**
 * Where each IANA time zone is: its ISO 3166 country and the coordinates of its principal city,
 * from tzdata's zone.tab (version 2025b), plus the older spellings the Rails table and Segment
 * sources still use (Europe/Kiev, Asia/Rangoon, America/Godthab, Asia/Saigon …). Used only to pick,
 * among Zendesk zones with the same offsets all year, one in the same country or the nearest one in
 * the same region. Generated once from /usr/share/zoneinfo/zone.tab; data, not logic.
 */
import { AFRICA_AMERICA } from './timezone-places-africa-america.js';
import { REST_OF_WORLD } from './timezone-places-rest.js';

export type ZonePlace = readonly [country: string, lat: number, lon: number];

export const ZONE_PLACES: Readonly<Record<string, ZonePlace>> = { ...AFRICA_AMERICA, ...REST_OF_WORLD };
