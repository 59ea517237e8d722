import { Kafka, logLevel, Partitioners, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** KafkaJS log levels → our logger; kafkajs's own console logging is replaced. */
export interface KafkaLogSink {
  (level: 'error' | 'warn' | 'info' | 'debug', message: string, meta: Record<string, unknown>): void;
}

export function createKafka(s: KafkaSettings, sink?: KafkaLogSink): Kafka {
  const config: KafkaConfig = {
    clientId: s.clientId,
    brokers: s.brokers,
    ssl: s.ssl,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
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
  return new Kafka(config);
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
