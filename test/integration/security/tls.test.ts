/**
 * Broker and registry TLS as real clusters use it, against the stack broker's TLS listeners (a CA,
 * keystores and PEM files made with keytool by scripts/stack.sh): TLS with a private CA, mutual TLS
 * (Strimzi, MSK), SASL over TLS (Confluent Cloud), a client trusting the wrong CA refused with one line
 * naming the setting, and a schema registry behind a private CA (an HTTPS proxy in front of Apicurio).
 * Each case goes through the settings (loadKafkaConfig), as the service does.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKafkaConfig, type Env } from '../../../src/config.js';
import { createKafka } from '../../../src/pipeline/kafka.js';
import { brokerTlsProblem, ensureTopics, registryProblem } from '../../../src/pipeline/preflight.js';
import { createRegistry, SegmentCodec } from '../../../src/segment/codec.js';
import { REGISTRY_URL, roundTrip as roundTripWith, uniqueName } from '../../helpers/stack.js';

const TLS_DIR = process.env.STACK_TLS_DIR ?? `${process.cwd()}/.stack/lib/tls`;
const SSL = process.env.STACK_SSL_BROKERS ?? '127.0.0.1:9095';
const MTLS = process.env.STACK_MTLS_BROKERS ?? '127.0.0.1:9096';
const SASL_SSL = process.env.STACK_SASL_SSL_BROKERS ?? '127.0.0.1:9097';
const user = process.env.STACK_SASL_USER ?? 'zd-test';
const password = process.env.STACK_SASL_PASSWORD ?? 'zd-test-secret';
const file = (name: string) => `${TLS_DIR}/${name}`;

function kafkaFor(env: Env, retries?: number) {
  const { kafka } = loadKafkaConfig({ KAFKA_SSL: 'true', ...env });
  return createKafka({ ...kafka, clientId: 'tls-test', retries });
}

/** The whole round trip (create a topic, produce, read the high watermark) over TLS. */
const roundTrip = (env: Env): Promise<string> =>
  roundTripWith(kafkaFor(env), 'tls', { retry: { retries: 1 } });

/** The error the start-up check (ensureTopics, the first thing `run` does with Kafka) ends with. */
async function startupError(env: Env): Promise<Error> {
  // One retry, not KafkaJS's eight: the error a refusal ends with is the same, ~15 s sooner.
  const kafka = kafkaFor(env, 1);
  const started = Date.now();
  const error = await ensureTopics(kafka, {
    topics: { t: 'source topic' },
    create: false,
    partitions: 1,
  }).then(
    () => new Error('connected: expected a refusal'),
    (e: Error) => e,
  );
  expect(Date.now() - started).toBeLessThan(90_000);
  return error;
}

describe('Kafka over TLS (the stack broker TLS listeners)', () => {
  it('TLS with a private CA (KAFKA_SSL_CA_FILE): round trip', async () => {
    expect(await roundTrip({ KAFKA_BROKERS: SSL, KAFKA_SSL_CA_FILE: file('ca.pem') })).toBe('1');
  });

  it('mutual TLS (KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE): round trip', async () => {
    const env = {
      KAFKA_BROKERS: MTLS,
      KAFKA_SSL_CA_FILE: file('ca.pem'),
      KAFKA_SSL_CERT_FILE: file('client.pem'),
      KAFKA_SSL_KEY_FILE: file('client.key'),
    };
    expect(await roundTrip(env)).toBe('1');
  });

  it('the mutual TLS listener refuses a client without a certificate', async () => {
    const kafka = kafkaFor({ KAFKA_BROKERS: MTLS, KAFKA_SSL_CA_FILE: file('ca.pem') }, 0);
    const admin = kafka.admin({ retry: { retries: 0 } });
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);
  });

  it.each(['scram-sha-512', 'plain'])('SASL %s over TLS: round trip', async (mechanism) => {
    const env = {
      KAFKA_BROKERS: SASL_SSL,
      KAFKA_SSL_CA_FILE: file('ca.pem'),
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: user,
      KAFKA_SASL_PASSWORD: password,
    };
    // plain over TLS is the safe combination: no "unencrypted password" warning.
    expect(loadKafkaConfig({ KAFKA_SSL: 'true', ...env }).kafka.sasl?.mechanism).toBe(mechanism);
    expect(await roundTrip(env)).toBe('1');
  });

  it('a client trusting the wrong CA is refused with one line naming KAFKA_SSL_CA_FILE', async () => {
    const e = await startupError({ KAFKA_BROKERS: SSL, KAFKA_SSL_CA_FILE: file('other-ca.pem') });
    expect(e.message).not.toMatch(/\n/);
    expect(e.message).toMatch(/not signed by a trusted CA .*set KAFKA_SSL_CA_FILE/);
    expect(e.message).toContain(SSL);
  });

  it("run's start-up TLS check names KAFKA_SSL_CA_FILE at once (no KafkaJS retries), passes with the CA", async () => {
    const settings = (env: Env) => loadKafkaConfig({ KAFKA_SSL: 'true', ...env }).kafka;
    const started = Date.now();
    const wrong = await brokerTlsProblem(
      settings({ KAFKA_BROKERS: SSL, KAFKA_SSL_CA_FILE: file('other-ca.pem') }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(wrong).not.toMatch(/\n/);
    expect(wrong).toMatch(/not signed by a trusted CA .*set KAFKA_SSL_CA_FILE/);
    expect(wrong).toContain(SSL);
    expect(await brokerTlsProblem(settings({ KAFKA_BROKERS: SSL }))).toMatch(/set KAFKA_SSL_CA_FILE/);
    expect(
      await brokerTlsProblem(settings({ KAFKA_BROKERS: SSL, KAFKA_SSL_CA_FILE: file('ca.pem') })),
    ).toBeUndefined();
    // not a certificate problem (nothing listening): left to KafkaJS's retries, as an outage
    expect(await brokerTlsProblem(settings({ KAFKA_BROKERS: '127.0.0.1:1' }))).toBeUndefined();
  });

  it('KAFKA_SSL=true alone (the system CAs) is refused the same way', async () => {
    const e = await startupError({ KAFKA_BROKERS: SSL });
    expect(e.message).toMatch(/set KAFKA_SSL_CA_FILE/);
  });
});

describe('a schema registry behind a private CA (SCHEMA_REGISTRY_CA_FILE)', () => {
  let proxy: https.Server;
  let url: string;

  beforeAll(async () => {
    // TLS terminates here with the stack's broker certificate (127.0.0.1, signed by the stack CA);
    // every request goes on to Apicurio as it came.
    const upstream = new URL(REGISTRY_URL);
    proxy = https.createServer({
      cert: readFileSync(file('broker.pem')),
      key: readFileSync(file('broker.key')),
    });
    proxy.on('request', (req, res) => {
      const out = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.writeHead(502).end());
      req.pipe(out);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}${upstream.pathname}`;
  });

  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
  });

  it('with the CA: the preflight passes and the codec registers and round-trips an event', async () => {
    const { schemaRegistry } = loadKafkaConfig({
      SCHEMA_REGISTRY_URL: url,
      SCHEMA_REGISTRY_CA_FILE: file('ca.pem'),
    });
    expect(await registryProblem(schemaRegistry.url, schemaRegistry)).toBeUndefined();
    const codec = new SegmentCodec(
      createRegistry(schemaRegistry),
      SegmentCodec.subjectFor(uniqueName('tls')),
    );
    expect(await codec.register()).toBeGreaterThan(0);
    const event = {
      type: 'identify',
      messageId: 'm-tls-1',
      userId: 'u-1',
      timestamp: '2026-01-01T00:00:00.000Z',
    };
    const { value } = await codec.encode(event);
    expect(await codec.decode(value)).toMatchObject({
      type: 'identify',
      messageId: 'm-tls-1',
      userId: 'u-1',
    });
  });

  it('without it: the preflight names SCHEMA_REGISTRY_CA_FILE, and the client is refused', async () => {
    const { schemaRegistry } = loadKafkaConfig({ SCHEMA_REGISTRY_URL: url });
    expect(await registryProblem(schemaRegistry.url, schemaRegistry)).toMatch(
      /not signed by a trusted CA .*set SCHEMA_REGISTRY_CA_FILE/,
    );
    const codec = new SegmentCodec(
      createRegistry(schemaRegistry),
      SegmentCodec.subjectFor(uniqueName('tls')),
    );
    await expect(codec.register()).rejects.toThrow();
  });
});
