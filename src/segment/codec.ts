import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { SegmentEvent } from './event.js';
import { DecodeError, RegistryUnavailableError } from './errors.js';
import { fromRecord, toRecord } from './record.js';

/** The current value schema of the topic, shipped in schemas/. */
export const SCHEMA_PATH = new URL('../../schemas/segment-event.avsc', import.meta.url);
export const loadCurrentSchema = (): avro.Schema =>
  JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as avro.Schema;

const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;
/** How long an id the registry said it does not know is remembered (the client does not cache failures). */
export const UNKNOWN_ID_TTL_MS = 60_000;

export interface RegistrySettings {
  url: string;
  username?: string;
  password?: string;
  /** PEM CA for an https registry behind a private CA (SCHEMA_REGISTRY_CA_FILE). */
  ca?: string;
  /** One registry request's timeout (SCHEMA_REGISTRY_TIMEOUT_MS); REGISTRY_TIMEOUT_MS unless set. */
  timeoutMs?: number;
}

export const REGISTRY_TIMEOUT_MS = 10_000;

type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/**
 * mappersmith, the registry client's HTTP layer, sets no timeout unless a request asks for one, and
 * the client never asks: a registry that takes the connection and never answers (a frozen process, a
 * proxy without its upstream) would hold a schema look-up, and with it a partition, forever. Every
 * request gets one; a look-up that times out is retried by the client, then reported as an outage.
 */
const requestTimeout =
  (ms: number): Middleware =>
  () => ({
    prepareRequest: (next) => next().then((request) => request.enhance({ timeout: ms })),
  });

export function createRegistry(s: RegistrySettings): SchemaRegistry {
  return new SchemaRegistry({
    host: s.url,
    clientId: 'zendesk-destination',
    ...(s.username ? { auth: { username: s.username, password: s.password ?? '' } } : {}),
    retry: { retries: 2, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 },
    middlewares: [requestTimeout(s.timeoutMs ?? REGISTRY_TIMEOUT_MS)],
    ...(s.ca ? { agent: new Agent({ ca: s.ca, keepAlive: true }) } : {}),
  });
}

/**
 * The registry's own answer for an id it does not hold: 404 with error_code 40403 and the message
 * "Schema 5 not found" (Confluent, Karapace, Redpanda; Apicurio's ccompat API adds a full stop; old
 * Confluent versions leave the id out). The client keeps only the status and the message of an error
 * answer, so the message is what tells this 404 from any other.
 */
const SCHEMA_NOT_FOUND = /\bschema (?:-?\d+ )?not found\b/i;

const statusOf = (e: unknown): number | undefined =>
  typeof e === 'object' &&
  e !== null &&
  'status' in e &&
  typeof (e as { status: unknown }).status === 'number'
    ? (e as { status: number }).status
    : undefined;

/**
 * Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro body) over a
 * Confluent-compatible registry. Encodes with the current schema (registered under `<topic>-value`,
 * BACKWARD), decodes any registered version of the Segment schema into the current one.
 */
export class SegmentCodec {
  private readonly reader: avro.Type;
  private readonly resolvers = new Map<number, avro.Type | { resolver: unknown }>();
  /** Look-ups in progress: a batch of thousands of messages with a new id asks the registry once. */
  private readonly resolving = new Map<number, Promise<avro.Type | { resolver: unknown }>>();
  private readonly unknownIds = new Map<number, number>();
  private writerId?: number;
  private registering?: Promise<number>;

  constructor(
    private readonly registry: SchemaRegistry,
    readonly subject: string,
    schema: avro.Schema = loadCurrentSchema(),
    private readonly now: () => number = Date.now,
  ) {
    this.reader = avro.Type.forSchema(schema);
  }

  static subjectFor(topic: string): string {
    return `${topic}-value`;
  }

  /** Register the current schema (idempotent) and remember its id for encoding. */
  async register(schema: avro.Schema = loadCurrentSchema()): Promise<number> {
    try {
      const { id } = await this.registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject: this.subject, compatibility: COMPATIBILITY.BACKWARD },
      );
      if (JSON.stringify(schema) === JSON.stringify(this.reader.schema()) || this.writerId === undefined)
        this.writerId = id;
      return id;
    } catch (e) {
      throw new RegistryUnavailableError(
        `cannot register the schema under ${this.subject}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }

  /** Encode with the schema `register()` registered. Throws InvalidInputError for a bad event. */
  async encode(event: unknown): Promise<{ value: Buffer; dropped: string[] }> {
    const { record, dropped } = toRecord(event);
    if (this.writerId === undefined) {
      // Concurrent first encodes share one registration (the registry answers 409 to racing config writes).
      this.registering ??= this.register().finally(() => (this.registering = undefined));
      await this.registering;
    }
    const body = this.reader.toBuffer(record);
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeInt32BE(this.writerId!, 1);
    return { value: Buffer.concat([header, body]), dropped };
  }

  /**
   * Bytes → SegmentEvent. Throws DecodeError (dead-letter as `undecodable`) for bytes that can never
   * decode, RegistryUnavailableError (pause and retry) when the registry cannot be asked.
   */
  async decode(buf: Buffer | null): Promise<SegmentEvent> {
    const id = this.schemaIdOf(buf);
    return this.body(buf!, id, this.resolvers.get(id) ?? (await this.resolverFor(id)));
  }

  /**
   * As `decode`, synchronously, when the message's schema id has been resolved before; null when the
   * registry must be asked first (then use `decode`). Throws DecodeError like `decode`.
   */
  decodeKnown(buf: Buffer | null): SegmentEvent | null {
    const id = this.schemaIdOf(buf);
    const resolved = this.resolvers.get(id);
    return resolved ? this.body(buf!, id, resolved) : null;
  }

  /**
   * Resolves, ahead of decoding, the schema ids these values name that are not resolved yet (one
   * registry look-up per id): once it has resolved, `decodeKnown` decodes each of them synchronously.
   * Rejects only with an outage (a retriable error: the registry unavailable); what concerns one value
   * (a bad header, an id the registry does not know) is left to its own decode.
   */
  async prepare(values: readonly (Buffer | null)[]): Promise<void> {
    let ids: Set<number> | undefined;
    for (const buf of values) {
      if (!buf || buf.length < HEADER_LENGTH || buf.readUInt8(0) !== MAGIC_BYTE) continue;
      const id = buf.readInt32BE(1);
      if (!this.resolvers.has(id)) (ids ??= new Set()).add(id);
    }
    if (!ids) return;
    const looked = await Promise.allSettled([...ids].map((id) => this.resolverFor(id)));
    const outage = looked.find(
      (r) => r.status === 'rejected' && (r.reason as { retriable?: unknown } | null)?.retriable === true,
    );
    if (outage) throw (outage as PromiseRejectedResult).reason;
  }

  private schemaIdOf(buf: Buffer | null): number {
    if (!buf || buf.length < HEADER_LENGTH)
      throw new DecodeError('wrong_magic_byte', 'value is shorter than the 5-byte wire header');
    if (buf.readUInt8(0) !== MAGIC_BYTE)
      throw new DecodeError(
        'wrong_magic_byte',
        `magic byte is ${buf.readUInt8(0)}, expected 0 (Confluent wire format)`,
      );
    return buf.readInt32BE(1);
  }

  private body(buf: Buffer, id: number, resolved: avro.Type | { resolver: unknown }): SegmentEvent {
    let record: unknown;
    try {
      // Read in place after the header (no Buffer view per message), checked as fromBuffer checks.
      const read =
        resolved instanceof avro.Type
          ? this.reader.decode(buf, HEADER_LENGTH)
          : this.reader.decode(buf, HEADER_LENGTH, resolved.resolver as never);
      if (read.offset < 0) throw new Error('truncated buffer');
      if (read.offset < buf.length) throw new Error('trailing data');
      record = read.value;
    } catch (e) {
      throw new DecodeError(
        'corrupt_body',
        `Avro body does not decode with schema ${id}: ${(e as Error).message}`,
        id,
      );
    }
    return fromRecord(record, id);
  }

  /** An id not resolved yet (callers look in `resolvers` first): one registry look-up however many ask. */
  private resolverFor(id: number): Promise<avro.Type | { resolver: unknown }> {
    let pending = this.resolving.get(id);
    if (!pending) {
      pending = this.lookUp(id).finally(() => this.resolving.delete(id));
      this.resolving.set(id, pending);
    }
    return pending;
  }

  private async lookUp(id: number): Promise<avro.Type | { resolver: unknown }> {
    const unknownAt = this.unknownIds.get(id);
    if (unknownAt !== undefined && this.now() - unknownAt < UNKNOWN_ID_TTL_MS)
      throw new DecodeError('unknown_schema_id', `schema id ${id} is not in the registry`, id);
    let writer: avro.Type;
    try {
      writer = (await this.registry.getSchema(id)) as unknown as avro.Type;
    } catch (e) {
      const status = statusOf(e);
      const message = String((e as Error | undefined)?.message ?? e);
      // Only the registry saying it does not know the id makes the record undecodable. Anything else
      // is an outage: refused (the client's 400 for an unreachable host,
      // kafkajs/confluent-schema-registry#306), 5xx whatever its message, and a 404 that is not the
      // registry's "schema not found" (a wrong base URL, a proxy with no route to the registry),
      // which would otherwise dead-letter every record.
      if (status === 404 && SCHEMA_NOT_FOUND.test(message)) {
        this.unknownIds.set(id, this.now());
        throw new DecodeError('unknown_schema_id', `schema id ${id} is not in the registry`, id);
      }
      throw new RegistryUnavailableError(
        status === 404
          ? `schema registry answered 404 without saying schema ${id} is unknown (is SCHEMA_REGISTRY_URL the registry's Confluent API, e.g. .../apis/ccompat/v7 for Apicurio?): ${message}`
          : `schema registry unavailable: ${message}`,
        { cause: e },
      );
    }
    if (!(writer instanceof avro.Type) || writer.name !== this.reader.name)
      throw new DecodeError('not_a_segment_event', `schema ${id} is not a Segment event schema`, id);
    let entry: avro.Type | { resolver: unknown };
    if (JSON.stringify(writer.schema()) === JSON.stringify(this.reader.schema())) entry = this.reader;
    else {
      try {
        entry = { resolver: this.reader.createResolver(writer) };
      } catch (e) {
        throw new DecodeError(
          'not_a_segment_event',
          `schema ${id} cannot be read as the current schema: ${(e as Error).message}`,
          id,
        );
      }
    }
    this.resolvers.set(id, entry);
    return entry;
  }
}
