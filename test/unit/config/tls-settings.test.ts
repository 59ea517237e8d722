/** The TLS file settings: read and checked at start-up, one problem per setting, contents never echoed. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadKafkaConfig } from '../../../src/config.js';
import { explainTlsError } from '../../../src/tls-settings.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nSECRETKEYBYTES\n-----END PRIVATE KEY-----\n';
const FILES: Record<string, string> = {
  '/ca.pem': CERT,
  '/client.pem': CERT,
  '/client.key': KEY,
  '/enc.key': '-----BEGIN ENCRYPTED PRIVATE KEY-----\nX\n-----END ENCRYPTED PRIVATE KEY-----\n',
  '/notes.txt': 'hello',
};
/** A real key encrypted with a passphrase (PKCS#8, AES-256-CBC), as `openssl pkcs8 -topk8 -v2 aes256` writes. */
const ENCRYPTED = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
FILES['/real-enc.key'] = ENCRYPTED;
const MTLS_ENC = {
  KAFKA_SSL: 'true',
  KAFKA_SSL_CERT_FILE: '/client.pem',
  KAFKA_SSL_KEY_FILE: '/real-enc.key',
};
const readFile = (path: string) => {
  const f = FILES[path];
  if (f === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return f;
};
const load = (env: Record<string, string>) => loadKafkaConfig(env, readFile);
const problemOf = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'no problem';
};

describe('KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE', () => {
  it('are read into the Kafka settings (PEM contents), paths kept for the log', () => {
    const c = load({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: '/ca.pem',
      KAFKA_SSL_CERT_FILE: '/client.pem',
      KAFKA_SSL_KEY_FILE: '/client.key',
    });
    expect(c.kafka.tls).toMatchObject({ ca: CERT, cert: CERT, key: KEY });
    expect(c.kafka.tls?.files).toEqual({ ca: '/ca.pem', cert: '/client.pem', key: '/client.key' });
  });

  it('none given: no tls block, KAFKA_SSL=true trusts the system CAs as before', () => {
    expect(load({ KAFKA_SSL: 'true' }).kafka.tls).toBeUndefined();
  });

  it.each([
    [{ KAFKA_SSL_CA_FILE: '/ca.pem' }, 'KAFKA_SSL_CA_FILE: requires KAFKA_SSL=true'],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/missing.pem' },
      'KAFKA_SSL_CA_FILE: cannot read the file (ENOENT)',
    ],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/notes.txt' }, 'KAFKA_SSL_CA_FILE: not a PEM certificate'],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/client.pem' },
      'KAFKA_SSL_KEY_FILE: required with KAFKA_SSL_CERT_FILE',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: '/client.key' },
      'KAFKA_SSL_CERT_FILE: required with KAFKA_SSL_KEY_FILE',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/client.pem', KAFKA_SSL_KEY_FILE: '/client.pem' },
      'KAFKA_SSL_KEY_FILE: not a PEM private key',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/client.pem', KAFKA_SSL_KEY_FILE: '/enc.key' },
      'KAFKA_SSL_KEY_FILE: the private key is encrypted; set KAFKA_SSL_KEY_PASSWORD',
    ],
    [
      { ...MTLS_ENC, KAFKA_SSL_KEY_PASSWORD: 'wrong' },
      'KAFKA_SSL_KEY_PASSWORD: does not decrypt KAFKA_SSL_KEY_FILE',
    ],
    [
      { ...MTLS_ENC, KAFKA_SSL_KEY_FILE: '/client.key', KAFKA_SSL_KEY_PASSWORD: 'open sesame' },
      'KAFKA_SSL_KEY_PASSWORD: set, but KAFKA_SSL_KEY_FILE is not encrypted',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_KEY_PASSWORD: 'open sesame' },
      'KAFKA_SSL_KEY_PASSWORD: requires KAFKA_SSL_KEY_FILE',
    ],
  ])('%j stops start-up: %s', (env, expected) => {
    const message = problemOf(env);
    expect(message).toContain(expected);
    expect(message).not.toContain('SECRETKEYBYTES');
    expect(message).not.toContain('open sesame');
    expect(message).not.toContain('ENCRYPTED PRIVATE KEY');
  });

  it('an encrypted key with its passphrase (KAFKA_SSL_KEY_PASSWORD): both go to TLS; the passphrase is masked when described', () => {
    const c = load({ ...MTLS_ENC, KAFKA_SSL_KEY_PASSWORD: 'open sesame' });
    expect(c.kafka.tls).toMatchObject({ key: ENCRYPTED, passphrase: 'open sesame' });
    const described = JSON.stringify(
      describeConfig({ ...c, zendesk: { auth: { kind: 'bearer', token: 't' } } } as never),
    );
    expect(described).not.toContain('open sesame');
  });

  it('the described config names the files, never the key', () => {
    const c = loadKafkaConfig(
      {
        KAFKA_SSL: 'true',
        KAFKA_SSL_CERT_FILE: '/client.pem',
        KAFKA_SSL_KEY_FILE: '/client.key',
        ZENDESK_URL: 'http://127.0.0.1:1',
      },
      readFile,
    );
    const described = JSON.stringify(
      describeConfig({ ...c, zendesk: { auth: { kind: 'bearer', token: 't' } } } as never),
    );
    expect(described).toContain('/client.key');
    expect(described).not.toContain('SECRETKEYBYTES');
  });
});

describe('SCHEMA_REGISTRY_CA_FILE', () => {
  it('is read for an https registry', () => {
    const c = load({ SCHEMA_REGISTRY_URL: 'https://registry.internal', SCHEMA_REGISTRY_CA_FILE: '/ca.pem' });
    expect(c.schemaRegistry).toMatchObject({ ca: CERT, caFile: '/ca.pem' });
  });

  it('with an http registry it stops start-up (it would do nothing)', () => {
    expect(
      problemOf({ SCHEMA_REGISTRY_URL: 'http://registry', SCHEMA_REGISTRY_CA_FILE: '/ca.pem' }),
    ).toContain('SCHEMA_REGISTRY_CA_FILE: requires an https:// SCHEMA_REGISTRY_URL');
  });
});

describe('explainTlsError', () => {
  it('names the setting that fixes an untrusted certificate', () => {
    expect(explainTlsError('SELF_SIGNED_CERT_IN_CHAIN', 'KAFKA_SSL_CA_FILE')).toMatch(
      /set KAFKA_SSL_CA_FILE/,
    );
    expect(explainTlsError('ECONNREFUSED', 'KAFKA_SSL_CA_FILE')).toBeUndefined();
  });
});
