/**
 * Mutual TLS with an encrypted client key (KAFKA_SSL_KEY_PASSWORD), against the stack broker's mTLS
 * listener: the stack's client key, encrypted here with a passphrase as `openssl pkcs8 -topk8` would.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadKafkaConfig } from '../../../src/config.js';
import { createKafka } from '../../../src/pipeline/kafka.js';
import { roundTrip } from '../../helpers/stack.js';

const TLS_DIR = process.env.STACK_TLS_DIR ?? `${process.cwd()}/.stack/lib/tls`;
const MTLS = process.env.STACK_MTLS_BROKERS ?? '127.0.0.1:9096';
const dir = mkdtempSync(join(tmpdir(), 'zd-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PASSPHRASE = 'correct horse battery staple';
const encryptedKey = join(dir, 'client-encrypted.key');
writeFileSync(
  encryptedKey,
  createPrivateKey(readFileSync(`${TLS_DIR}/client.key`, 'utf8')).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: PASSPHRASE,
  }),
);
const env = {
  KAFKA_SSL: 'true',
  KAFKA_BROKERS: MTLS,
  KAFKA_SSL_CA_FILE: `${TLS_DIR}/ca.pem`,
  KAFKA_SSL_CERT_FILE: `${TLS_DIR}/client.pem`,
  KAFKA_SSL_KEY_FILE: encryptedKey,
};

describe('mutual TLS with an encrypted client key', () => {
  it('with KAFKA_SSL_KEY_PASSWORD: a topic created and a record produced over the mTLS listener', async () => {
    const { kafka: settings } = loadKafkaConfig({ ...env, KAFKA_SSL_KEY_PASSWORD: PASSPHRASE });
    const kafka = createKafka({ ...settings, clientId: 'tls-key-test' });
    expect(await roundTrip(kafka, 'tlskey', { retry: { retries: 1 } })).toBe('1');
  });

  it('without it, or with a wrong one: start-up stops with one line naming the setting, the passphrase never quoted', () => {
    const problem = (extra: Record<string, string>) => {
      try {
        loadKafkaConfig({ ...env, ...extra });
      } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
      }
      return 'started';
    };
    expect(problem({})).toMatch(
      /^KAFKA_SSL_KEY_FILE: the private key is encrypted; set KAFKA_SSL_KEY_PASSWORD/,
    );
    const wrong = problem({ KAFKA_SSL_KEY_PASSWORD: 'wrong horse' });
    expect(wrong).toMatch(/^KAFKA_SSL_KEY_PASSWORD: does not decrypt KAFKA_SSL_KEY_FILE/);
    expect(wrong).not.toContain('wrong horse');
    expect(wrong.split('\n')).toHaveLength(1);
  });
});
