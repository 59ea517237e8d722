/**
 * The settings table's Kafka and schema registry entries (broker, topics, TLS, SASL, registry), in the
 * order the README lists them; settings.ts places them first in TABLE.
 */
import { bool, brokers, int, nonEmpty, oneOf, topic, httpUrl } from './parsers.js';
import { entry } from './entry.js';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export const KAFKA_SIDE = {
  KAFKA_BROKERS: entry({
    default: '127.0.0.1:9092',
    description: 'Kafka bootstrap brokers, comma-separated host:port list',
    parse: brokers,
    at: 'kafka.brokers',
  }),
  KAFKA_TOPIC: entry({
    default: 'segment-events',
    description: 'Source topic of Avro-encoded Segment events',
    parse: topic,
    at: 'kafka.topic',
  }),
  KAFKA_GROUP_ID: entry({
    default: 'zendesk-destination',
    description: 'Consumer group id',
    parse: nonEmpty,
    at: 'kafka.groupId',
  }),
  KAFKA_DLQ_TOPIC: entry({
    default: null,
    description: 'Dead-letter topic (default: <KAFKA_TOPIC>.dlq)',
    parse: topic,
  }),
  KAFKA_RETRY_TOPIC: entry({
    default: null,
    description: 'A retry topic `run` consumes beside KAFKA_TOPIC, for `dlq replay --to` (default: none)',
    parse: topic,
    at: 'kafka.retryTopic',
  }),
  KAFKA_FROM_BEGINNING: entry({
    default: 'true',
    description: 'Where a new consumer group starts: true = earliest, false = latest',
    parse: bool,
    at: 'kafka.fromBeginning',
  }),
  KAFKA_SSL: entry({
    default: 'false',
    description: 'Connect to the brokers with TLS',
    parse: bool,
    at: 'kafka.ssl',
  }),
  KAFKA_SSL_CA_FILE: entry({
    default: null,
    description: "PEM file of the CA(s) that signed the brokers' certificates (default: the system's CAs)",
    parse: nonEmpty,
  }),
  KAFKA_SSL_CERT_FILE: entry({
    default: null,
    description: 'PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE)',
    parse: nonEmpty,
  }),
  KAFKA_SSL_KEY_FILE: entry({
    default: null,
    description: 'PEM private key of KAFKA_SSL_CERT_FILE (encrypted: with KAFKA_SSL_KEY_PASSWORD)',
    parse: nonEmpty,
  }),
  KAFKA_SSL_KEY_PASSWORD: entry({
    default: null,
    description: 'Passphrase of an encrypted KAFKA_SSL_KEY_FILE',
    secret: true,
    parse: nonEmpty,
  }),
  KAFKA_SASL_MECHANISM: entry({
    default: null,
    description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512 (default: no SASL)',
    parse: oneOf(SASL_MECHANISMS),
  }),
  KAFKA_SASL_USERNAME: entry({
    default: null,
    description: 'SASL user name (required with KAFKA_SASL_MECHANISM)',
    parse: nonEmpty,
  }),
  KAFKA_SASL_PASSWORD: entry({
    default: null,
    description: 'SASL password (required with KAFKA_SASL_MECHANISM)',
    secret: true,
    parse: nonEmpty,
  }),
  KAFKA_CREATE_TOPICS: entry({
    default: 'false',
    description:
      'Create the source and dead-letter topics at start-up when missing (otherwise start-up stops, naming them)',
    parse: bool,
    at: 'kafka.createTopics',
  }),
  KAFKA_PARTITIONS: entry({
    default: '6',
    description: 'Partitions of the topics when this service creates them',
    parse: int(1, 10_000),
    at: 'kafka.partitions',
  }),
  KAFKA_CLIENT_ID: entry({
    default: 'zendesk-destination',
    description: 'Kafka client id (shows in broker logs and quotas)',
    parse: nonEmpty,
    at: 'kafka.clientId',
  }),
  SCHEMA_REGISTRY_URL: entry({
    default: 'http://127.0.0.1:8081',
    description: 'Confluent-compatible schema registry URL',
    parse: httpUrl(true, 'use SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD'),
  }),
  SCHEMA_REGISTRY_USERNAME: entry({
    default: null,
    description: 'Schema registry basic-auth user name',
    parse: nonEmpty,
  }),
  SCHEMA_REGISTRY_PASSWORD: entry({
    default: null,
    description: 'Schema registry basic-auth password',
    secret: true,
    parse: nonEmpty,
  }),
  SCHEMA_REGISTRY_CA_FILE: entry({
    default: null,
    description: "PEM file of the CA that signed an https registry's certificate",
    parse: nonEmpty,
  }),
  SCHEMA_REGISTRY_TIMEOUT_MS: entry({
    default: '10000',
    description: 'Timeout of one schema registry request, milliseconds (then retried as an outage)',
    parse: int(100, 600_000),
  }),
};
