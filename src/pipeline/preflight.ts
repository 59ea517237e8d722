/**
 * Start-up checks that name a problem in one line instead of a stall or a cryptic KafkaJS error later:
 * the source and dead-letter topics exist (created only when asked), the schema registry answers.
 */
import tls from 'node:tls';
import type { Kafka } from 'kafkajs';
import { Agent, fetch } from 'undici';
import { explainTlsError } from '../tls-settings.js';
import { tlsOptions, type KafkaSettings } from './kafka.js';

export class PreflightError extends Error {
  override readonly name = 'PreflightError';
}

export interface TopicCheck {
  /** topic → what it is, for the message ("source topic (KAFKA_TOPIC)"). */
  topics: Record<string, string>;
  create: boolean;
  partitions: number;
  onCreated?: (topic: string) => void;
}

/** Throws a PreflightError naming each missing topic, unless `create` (then creates them). */
export async function ensureTopics(kafka: Kafka, c: TopicCheck): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.keys(c.topics).filter((t) => !existing.has(t));
    if (!missing.length) return;
    if (!c.create)
      throw new PreflightError(
        missing
          .map(
            (t) => `${c.topics[t]} "${t}" does not exist: create it, or start with KAFKA_CREATE_TOPICS=true`,
          )
          .join('; '),
      );
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: c.partitions })),
    });
    for (const t of missing) c.onCreated?.(t);
  } finally {
    await admin.disconnect();
  }
}

/** Throws a PreflightError naming the topic when it does not exist (for `produce`). */
export async function requireTopic(kafka: Kafka, topic: string, what: string): Promise<void> {
  await ensureTopics(kafka, { topics: { [topic]: what }, create: false, partitions: 1 });
}

/** Whether the schema registry answers (any HTTP answer below 500); the reason when it does not. */
export async function registryProblem(
  url: string,
  auth?: { username?: string; password?: string; ca?: string },
  timeoutMs = 5000,
): Promise<string | undefined> {
  // undici's own fetch: a dispatcher from this undici may not fit the one bundled in Node's global fetch.
  const dispatcher = auth?.ca ? new Agent({ connect: { ca: auth.ca } }) : undefined;
  const headers: Record<string, string> = {};
  if (auth?.username && auth.password)
    headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/subjects`, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      ...(dispatcher ? { dispatcher } : {}),
    });
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403)
      return `schema registry at ${url} refused the credentials (${res.status})`;
    if (res.status >= 500) return `schema registry at ${url} answered ${res.status}`;
    return undefined;
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    const tls = explainTlsError(code, 'SCHEMA_REGISTRY_CA_FILE');
    if (tls) return `schema registry at ${url}: ${tls}`;
    return `schema registry at ${url} does not answer (${code ?? (e as Error).message})`;
  } finally {
    await dispatcher?.close();
  }
}

/**
 * A broker whose TLS certificate this client refuses (the wrong KAFKA_SSL_CA_FILE, a certificate for
 * another name or out of date), in one line naming the setting; undefined otherwise. KafkaJS takes a
 * refused certificate for a connection error and retries it like an outage (about 40 s of retries at
 * start-up, looking alive) though no retry can change the answer: one handshake per bootstrap broker,
 * before anything starts, tells it at once. A broker that does not answer is left to KafkaJS's retries.
 */
export async function brokerTlsProblem(
  s: Pick<KafkaSettings, 'brokers' | 'ssl' | 'tls'>,
  timeoutMs = 5000,
): Promise<string | undefined> {
  if (!s.ssl) return undefined;
  const problems = await Promise.all(
    s.brokers.map(
      (broker) =>
        new Promise<string | undefined>((resolve) => {
          const at = broker.lastIndexOf(':');
          const host = broker.slice(0, at);
          const socket = tls.connect(tlsOptions(host, Number(broker.slice(at + 1)), s.tls ?? true));
          const done = (problem?: string) => {
            socket.destroy();
            resolve(problem);
          };
          socket.setTimeout(timeoutMs, () => done());
          socket.once('secureConnect', () => done());
          socket.once('error', (e: NodeJS.ErrnoException) => {
            const why = explainTlsError(e.code, 'KAFKA_SSL_CA_FILE');
            done(why && `TLS to broker ${broker}: ${why}`);
          });
        }),
    ),
  );
  return problems.find((p) => p !== undefined);
}
