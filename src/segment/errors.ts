/**
 * Decoding failures. A `DecodeError` is about the bytes of one record: it can never succeed, so the
 * record is dead-lettered as `undecodable` with its original bytes. A `RegistryUnavailableError` is an
 * outage of the schema registry: the consumer pauses and tries again, nothing is dead-lettered.
 */
export type DecodeErrorKind =
  'wrong_magic_byte' | 'unknown_schema_id' | 'corrupt_body' | 'not_a_segment_event';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly retriable = false;
  constructor(
    readonly kind: DecodeErrorKind,
    message: string,
    readonly schemaId?: number,
  ) {
    super(message);
  }
}

export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A line of `produce` input that cannot become a record. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}
