import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time on the command line: an ISO 8601 date or date-time (`2026-11-29`,
 * `2026-11-29T10:00:00Z`), or a span before now (`90s`, `30m`, `6h`, `7d`). A date-time without a zone
 * would silently depend on the machine's zone, so it is refused.
 */
export function parseWhen(text: string, now: number = Date.now()): Date {
  const span = /^(\d+)([smhd])$/.exec(text.trim());
  if (span) return new Date(now - Number(span[1]) * UNITS[span[2]!]!);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = Date.parse(date ? `${text}T00:00:00Z` : text);
  if (!(date || dateTime) || Number.isNaN(ms))
    throw new InvalidArgumentError(
      'expected an ISO 8601 date (2026-11-29, UTC) or date-time with a zone (2026-11-29T10:00:00Z), or a span before now (30m, 6h, 7d)',
    );
  return new Date(ms);
}
