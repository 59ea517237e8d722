/**
 * Stage 1: messages → decoded events with their merge keys, in order. Only an outage of the registry
 * rejects (the partition pauses); whatever concerns one message (bytes that are not an event, a defect
 * of ours while decoding or keying it) becomes that message's outcome.
 */
import type { KafkaMessage } from 'kafkajs';
import type { SegmentCodec } from '../segment/codec.js';
import { DecodeError } from '../segment/errors.js';
import type { SegmentEvent } from '../segment/event.js';
import { isRetriable, type Decoded, type Log, type Outcome } from './types.js';

export interface DecodeStage {
  codec: Pick<SegmentCodec, 'decode' | 'decodeKnown'> & Partial<Pick<SegmentCodec, 'prepare'>>;
  /** The destination's merge key, or undefined when runs are not merged. */
  mergeKey?: (event: SegmentEvent) => string | null;
  /** The destination's outcome for an event that needs nothing from Zendesk (a skip), or null. */
  settled?: (event: SegmentEvent) => Outcome | null;
  log: Log;
}

const undecodable = (m: KafkaMessage, e: DecodeError): Decoded => ({
  message: m,
  outcome: { kind: 'rejected', reason: 'undecodable', message: `${e.kind}: ${e.message}` },
});

function defect(m: KafkaMessage, e: unknown, where: string, log: Log): Decoded {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  log.error(`internal error while ${where} a message`, {
    offset: m.offset,
    error: e instanceof Error ? e.stack : message,
  });
  return { message: m, outcome: { kind: 'rejected', reason: 'internal_error', message } };
}

export async function decodeAll(messages: KafkaMessage[], s: DecodeStage): Promise<Decoded[]> {
  const { codec, mergeKey, settled, log } = s;
  const ok = (m: KafkaMessage, event: SegmentEvent): Decoded => {
    if (!mergeKey && !settled) return { message: m, event, key: null };
    try {
      const outcome = settled?.(event);
      if (outcome) return { message: m, event, outcome, key: null };
      return { message: m, event, key: mergeKey ? mergeKey(event) : null };
    } catch (e) {
      return defect(m, e, 'keying', log);
    }
  };
  const failed = (m: KafkaMessage, e: unknown): Decoded => {
    if (e instanceof DecodeError) return undecodable(m, e);
    if (isRetriable(e)) throw e;
    return defect(m, e, 'decoding', log);
  };
  const out: Decoded[] = new Array<Decoded>(messages.length);
  let waiting: Promise<void>[] | undefined;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    try {
      const event = codec.decodeKnown(m.value);
      if (event) {
        out[i] = ok(m, event);
        continue;
      }
    } catch (e) {
      out[i] = failed(m, e);
      continue;
    }
    // A schema id not seen yet: ask the registry (one look-up per id, shared by the batch).
    (waiting ??= []).push(
      codec.decode(m.value).then(
        (event) => void (out[i] = ok(m, event)),
        (e: unknown) => void (out[i] = failed(m, e)),
      ),
    );
  }
  if (waiting) {
    // Every look-up settles before an outage is reported, so none is left running behind the pause.
    const outage = (await Promise.allSettled(waiting)).find((r) => r.status === 'rejected');
    if (outage) throw (outage as PromiseRejectedResult).reason;
  }
  return out;
}

/**
 * Asks the registry, before any of these messages is decoded, for the schema ids they name that are
 * new: then decoding them in parts (decodeAll on each) meets no outage half-way, after some of their
 * outcomes were reported. Rejects only with an outage.
 */
export async function prepareAll(
  messages: readonly KafkaMessage[],
  s: Pick<DecodeStage, 'codec'>,
): Promise<void> {
  await s.codec.prepare?.(messages.map((m) => m.value));
}
