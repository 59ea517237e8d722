import net from 'node:net';
import tls from 'node:tls';
import {
  Kafka,
  logLevel,
  Partitioners,
  type ISocketFactory,
  type KafkaConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { explainTlsError, type TlsFiles } from '../tls-settings.js';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  /** With `ssl`: a private CA and, for mutual TLS, a client certificate and key (PEM). */
  tls?: TlsFiles;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** KafkaJS's retries of a failed request (8 unless set: tests that expect a refusal set fewer). */
  retries?: number;
}

/** KafkaJS log levels → our logger; kafkajs's own console logging is replaced. */
export interface KafkaLogSink {
  (level: 'error' | 'warn' | 'info' | 'debug', message: string, meta: Record<string, unknown>): void;
}

/** Every socket a Kafka client opened and that is not closed yet. */
const openSockets = new WeakMap<Kafka, Set<net.Socket>>();

/**
 * KafkaJS's own socket factory (same options, same keep-alive), except that it remembers each socket
 * until it closes. KafkaJS can leave a broker connection behind after a broker restart: when a
 * connection is closed under it, `BrokerPool.removeBroker` forgets the broker without disconnecting it,
 * a request still in flight through that broker reconnects it, and nothing will ever close that
 * connection (its request-timeout interval keeps the process alive after `disconnect()`). Tracking the
 * sockets lets `closeLeftoverConnections` end them after a disconnect.
 */
function trackingSocketFactory(sockets: Set<net.Socket>): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect(tlsOptions(host, port, ssl), onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    // KafkaJS reports a failed handshake as "Connection error: <Node's message>", which names no
    // setting; its listener comes after this one and wraps this same error, so the message is
    // amended here, before it is read.
    if (ssl)
      socket.once('error', (e: NodeJS.ErrnoException) => {
        const why = explainTlsError(e.code, 'KAFKA_SSL_CA_FILE');
        if (why) e.message = `TLS to broker ${host}:${port}: ${why}`;
      });
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };
}

/** KafkaJS's TLS connection options for one broker (`ssl`: true, or the CA and client certificate). */
export function tlsOptions(
  host: string,
  port: number,
  ssl: tls.ConnectionOptions | true,
): tls.ConnectionOptions {
  return Object.assign({ host, port }, !net.isIP(host) ? { servername: host } : {}, ssl === true ? {} : ssl);
}

/**
 * Ends the connections of a Kafka client that are still open, and says how many there were. Call it
 * after every consumer, producer and admin of that client is disconnected. A socket KafkaJS closed
 * itself (ended, waiting for the broker's side) is left to finish; any other is destroyed with an
 * error: KafkaJS listens for 'error' (not 'close'), so its connection rejects what it still holds,
 * marks itself disconnected and clears its request-timeout interval and throttle timer (a plain
 * `destroy()` leaves those running, and they alone keep the process alive).
 */
export function closeLeftoverConnections(kafka: Kafka): number {
  const sockets = openSockets.get(kafka);
  if (!sockets) return 0;
  let left = 0;
  for (const s of sockets) {
    if (s.writableEnded || s.destroyed) continue;
    left++;
    s.destroy(new Error('closed after disconnect: a connection KafkaJS left open'));
  }
  return left;
}

export function createKafka(s: KafkaSettings, sink?: KafkaLogSink): Kafka {
  const sockets = new Set<net.Socket>();
  const config: KafkaConfig = {
    socketFactory: trackingSocketFactory(sockets),
    clientId: s.clientId,
    brokers: s.brokers,
    ssl: s.ssl && s.tls ? { ...s.tls } : s.ssl,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 300, retries: s.retries ?? 8, maxRetryTime: 10_000 },
    logLevel: sink ? logLevel.INFO : logLevel.NOTHING,
  };
  if (s.sasl)
    config.sasl = {
      mechanism: s.sasl.mechanism,
      username: s.sasl.username,
      password: s.sasl.password,
    } as SASLOptions;
  if (sink) {
    config.logCreator = () => (entry) => {
      const { message, ...meta } = entry.log;
      const level =
        entry.level === logLevel.ERROR
          ? 'error'
          : entry.level === logLevel.WARN
            ? 'warn'
            : entry.level === logLevel.INFO
              ? 'info'
              : 'debug';
      // KafkaJS logs transient broker errors at ERROR while it retries; we report them as warnings
      // and let our own code decide what is an error.
      sink(level === 'error' ? 'warn' : level, `kafkajs: ${message}`, {
        namespace: entry.namespace,
        ...meta,
      });
    };
  }
  const kafka = new Kafka(config);
  openSockets.set(kafka, sockets);
  return kafka;
}

/**
 * The one way this service produces: the Java-compatible murmur2 partitioner (so keys land where Java
 * producers put them), acks from all in-sync replicas per send, at most one request in flight so a
 * retried batch cannot overtake the next one. Not idempotent: KafkaJS's idempotent producer insists on
 * unbounded retries, and a dead letter or replayed record written twice is harmless (at least once).
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    allowAutoTopicCreation: false,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
