import type { JsonObject, SegmentEvent } from './event.js';
import { DecodeError, InvalidInputError } from './errors.js';
import { isObject } from '../ops/json.js';

/**
 * The mapping between a Segment event (JSON) and its Avro record (schemas/segment-event.avsc):
 * envelope fields are typed, free-form parts travel as JSON text. Pure: no registry, no I/O.
 */
export const ENVELOPE_STRING_FIELDS = [
  'messageId',
  'userId',
  'anonymousId',
  'groupId',
  'event',
  'name',
  'previousId',
  'timestamp',
  'originalTimestamp',
  'sentAt',
  'receivedAt',
] as const;
export const JSON_FIELDS = ['traits', 'properties', 'context', 'integrations'] as const;
/** Ids that upstream systems often send as numbers; they are carried as strings. */
const ID_FIELDS = new Set(['userId', 'anonymousId', 'groupId', 'previousId', 'messageId']);
const KNOWN = new Set<string>(['type', 'version', ...ENVELOPE_STRING_FIELDS, ...JSON_FIELDS]);

export type AvroRecord = Record<string, string | number | null>;

/** JSON event → Avro record. Throws InvalidInputError naming the field. Returns the keys it could not carry. */
export function toRecord(input: unknown): { record: AvroRecord; dropped: string[] } {
  if (!isObject(input)) throw new InvalidInputError('not a JSON object');
  if (typeof input.type !== 'string' || input.type === '')
    throw new InvalidInputError('"type" must be a non-empty string');
  const record: AvroRecord = { type: input.type };
  for (const f of ENVELOPE_STRING_FIELDS) {
    const v = input[f];
    if (v === undefined || v === null) record[f] = null;
    else if (typeof v === 'string') record[f] = v;
    else if (ID_FIELDS.has(f) && typeof v === 'number' && Number.isFinite(v)) record[f] = String(v);
    else throw new InvalidInputError(`"${f}" must be a string`);
  }
  const version = input.version;
  if (version === undefined || version === null) record.version = null;
  else if (Number.isInteger(version) && (version as number) >= -(2 ** 31) && (version as number) < 2 ** 31)
    record.version = version as number;
  else throw new InvalidInputError('"version" must be an integer');
  for (const f of JSON_FIELDS) {
    const v = input[f];
    if (v === undefined || v === null) record[f] = null;
    else if (isObject(v)) record[f] = JSON.stringify(v);
    else throw new InvalidInputError(`"${f}" must be a JSON object`);
  }
  const dropped = Object.keys(input).filter((k) => !KNOWN.has(k));
  return { record, dropped };
}

/** Avro record (as decoded with the current reader schema) → Segment event. Absent/null fields are omitted. */
export function fromRecord(record: unknown, schemaId?: number): SegmentEvent {
  if (!isObject(record))
    throw new DecodeError('not_a_segment_event', 'decoded value is not a record', schemaId);
  if (typeof record.type !== 'string' || record.type === '')
    throw new DecodeError('not_a_segment_event', 'decoded record has no "type"', schemaId);
  const event: SegmentEvent = { type: record.type };
  const out = event as unknown as Record<string, unknown>;
  for (const f of ENVELOPE_STRING_FIELDS) {
    const v = record[f];
    if (typeof v === 'string') out[f] = v;
  }
  if (typeof record.version === 'number') event.version = record.version;
  for (const f of JSON_FIELDS) {
    const v = record[f];
    if (typeof v !== 'string') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw new DecodeError('not_a_segment_event', `"${f}" is not valid JSON`, schemaId);
    }
    if (parsed === null) continue;
    if (!isObject(parsed))
      throw new DecodeError('not_a_segment_event', `"${f}" is not a JSON object`, schemaId);
    out[f] = parsed as JsonObject;
  }
  return event;
}
