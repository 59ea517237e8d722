/**
 * Broker security: the KAFKA_SASL_* settings reach kafkajs, proven against the stack broker's
 * SASL_PLAINTEXT listener (PLAIN and SCRAM users created by scripts/stack.sh).
 */
import { describe, expect, it } from 'vitest';
import { loadKafkaConfig } from '../../../src/config.js';
import { createKafka } from '../../../src/pipeline/kafka.js';
import { roundTrip } from '../../helpers/stack.js';

const brokers = process.env.STACK_SASL_BROKERS ?? '127.0.0.1:9094';
const user = process.env.STACK_SASL_USER ?? 'zd-test';
const password = process.env.STACK_SASL_PASSWORD ?? 'zd-test-secret';

function kafkaFor(mechanism: string, pass = password) {
  const config = loadKafkaConfig({
    KAFKA_BROKERS: brokers,
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD: pass,
  });
  return createKafka({ ...config.kafka, clientId: 'sasl-test' });
}

describe('SASL against a broker listener that requires it', () => {
  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])(
    '%s: authenticates, creates a topic, produces and reads back',
    async (mechanism) => {
      expect(await roundTrip(kafkaFor(mechanism), `sasl-${mechanism}`)).toBe('1');
    },
  );

  it('a wrong password is refused by the broker', async () => {
    const kafka = createKafka({
      brokers: [brokers],
      clientId: 'sasl-bad',
      ssl: false,
      sasl: { mechanism: 'scram-sha-256', username: user, password: 'wrong' },
    });
    const admin = kafka.admin({ retry: { retries: 0 } });
    await expect(admin.connect()).rejects.toThrow(/SASL|authentication|Authentication/i);
    await admin.disconnect().catch(() => undefined);
  });

  it('without SASL the SASL listener does not let a client in', async () => {
    const kafka = createKafka({ brokers: [brokers], clientId: 'sasl-none', ssl: false });
    const admin = kafka.admin({ retry: { retries: 0 } });
    await expect(
      Promise.race([
        admin.connect().then(() => admin.listTopics()),
        new Promise((_, r) => setTimeout(() => r(new Error('timeout: no answer')), 8000)),
      ]),
    ).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);
  });
});
