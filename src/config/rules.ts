/**
 * Cross-setting rules: the values that several settings decide together (the Zendesk credentials
 * and URL, Kafka SASL, the registry's basic auth, the dead-letter topic), with the warnings an
 * operator should see once at start-up. Never a value in a message or warning.
 */
import type { RegistrySettings as RegistryClientSettings } from '../segment/codec.js';
import { credentialWarnings, type ZendeskAuth } from '../zendesk/auth.js';
import { readKafkaTls, readRegistryCa, type TlsFiles } from '../tls-settings.js';
import type { Problems, ReadFile } from './read.js';
import type { Parsed, SaslMechanism } from './settings.js';

export type Sasl = { mechanism: SaslMechanism; username: string; password: string };
/** The registry client's settings, and the path of SCHEMA_REGISTRY_CA_FILE (`ca` holds its PEM content). */
export type RegistrySettings = RegistryClientSettings & { caFile?: string };
/** PEM contents of KAFKA_SSL_CA_FILE / _CERT_FILE / _KEY_FILE (never logged), and their paths. */
export type KafkaTls = TlsFiles & { files: { ca?: string; cert?: string; key?: string } };

const AUTH_SETTINGS = [
  'ZENDESK_OAUTH_TOKEN',
  'ZENDESK_OAUTH_CLIENT_ID',
  'ZENDESK_OAUTH_CLIENT_SECRET',
  'ZENDESK_EMAIL',
  'ZENDESK_API_TOKEN',
  'ZENDESK_PASSWORD',
] as const;

export function pickAuth(p: Parsed, problems: Problems, warnings: string[]): ZendeskAuth | undefined {
  const auth = chooseAuth(p, problems, warnings);
  if (auth) warnings.push(...credentialWarnings(auth));
  return auth;
}

function chooseAuth(p: Parsed, problems: Problems, warnings: string[]): ZendeskAuth | undefined {
  const ignored = (names: (keyof Parsed)[], chosen: string) => {
    const set = names.filter((n) => p[n] !== undefined);
    if (set.length) warnings.push(`${set.join(', ')} ignored: ${chosen} takes precedence`);
  };
  if (p.ZENDESK_OAUTH_TOKEN) {
    ignored(
      AUTH_SETTINGS.filter((n) => n !== 'ZENDESK_OAUTH_TOKEN' && n !== 'ZENDESK_EMAIL'),
      'ZENDESK_OAUTH_TOKEN',
    );
    return { kind: 'bearer', token: p.ZENDESK_OAUTH_TOKEN };
  }
  // A credential that failed to read or parse was reported already; guessing another method would mislead.
  if (problems.anyBroken(AUTH_SETTINGS)) return undefined;
  const { ZENDESK_OAUTH_CLIENT_ID: clientId, ZENDESK_OAUTH_CLIENT_SECRET: clientSecret } = p;
  if (clientId || clientSecret) {
    if (!clientId) problems.rule('ZENDESK_OAUTH_CLIENT_ID', 'required with ZENDESK_OAUTH_CLIENT_SECRET');
    if (!clientSecret) problems.rule('ZENDESK_OAUTH_CLIENT_SECRET', 'required with ZENDESK_OAUTH_CLIENT_ID');
    if (!clientId || !clientSecret) return undefined;
    ignored(['ZENDESK_API_TOKEN', 'ZENDESK_PASSWORD'], 'ZENDESK_OAUTH_CLIENT_ID/SECRET');
    return { kind: 'oauth-client', clientId, clientSecret };
  }
  const { ZENDESK_API_TOKEN: token, ZENDESK_PASSWORD: password } = p;
  const email = p.ZENDESK_EMAIL?.address;
  if (token || password) {
    if (!email) {
      problems.rule('ZENDESK_EMAIL', `required with ${token ? 'ZENDESK_API_TOKEN' : 'ZENDESK_PASSWORD'}`);
      return undefined;
    }
    if (token) {
      ignored(['ZENDESK_PASSWORD'], 'ZENDESK_API_TOKEN');
      return { kind: 'api-token', email, token };
    }
    if (p.ZENDESK_EMAIL?.tokenSuffix) {
      // `email/token` + a secret is API-token authentication, whatever variable holds the secret.
      warnings.push(
        'ZENDESK_PASSWORD holds an API token (ZENDESK_EMAIL ends in /token): move it to ZENDESK_API_TOKEN',
      );
      return { kind: 'api-token', email, token: password! };
    }
    return { kind: 'password', email, password: password! };
  }
  if (email) {
    problems.rule(
      'ZENDESK_API_TOKEN',
      'ZENDESK_EMAIL is set but neither ZENDESK_API_TOKEN nor ZENDESK_PASSWORD',
    );
    return undefined;
  }
  problems.rule(
    'ZENDESK_OAUTH_TOKEN',
    'no Zendesk credentials: set ZENDESK_OAUTH_TOKEN, or ZENDESK_OAUTH_CLIENT_ID + ZENDESK_OAUTH_CLIENT_SECRET, or ZENDESK_EMAIL + ZENDESK_API_TOKEN',
  );
  return undefined;
}

export function pickBaseUrl(p: Parsed, problems: Problems, warnings: string[]): string | undefined {
  if (p.ZENDESK_URL) {
    const u = new URL(p.ZENDESK_URL);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    if (u.protocol === 'http:' && !loopback) {
      warnings.push('ZENDESK_URL uses plain http to a non-loopback host: credentials travel unencrypted');
    }
    return p.ZENDESK_URL;
  }
  if (p.ZENDESK_SUBDOMAIN) return `https://${p.ZENDESK_SUBDOMAIN}.zendesk.com`;
  problems.rule('ZENDESK_SUBDOMAIN', 'required (the account name, like acme), unless ZENDESK_URL is set', [
    'ZENDESK_URL',
  ]);
  return undefined;
}

const SASL_SETTINGS = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const;

export function pickSasl(p: Parsed, problems: Problems, warnings: string[]): Sasl | undefined {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = p;
  if (!mechanism && !username && !password) return undefined;
  for (const n of SASL_SETTINGS) {
    if (!p[n]) problems.rule(n, 'required when any KAFKA_SASL_* setting is set');
  }
  if (!mechanism || !username || !password) return undefined;
  if (mechanism === 'plain' && !p.KAFKA_SSL) {
    warnings.push('KAFKA_SASL_MECHANISM=plain without KAFKA_SSL sends the Kafka password unencrypted');
  }
  return { mechanism, username, password };
}

export function pickKafkaTls(p: Parsed, readFile: ReadFile, problems: Problems): KafkaTls | undefined {
  const files = { ca: p.KAFKA_SSL_CA_FILE, cert: p.KAFKA_SSL_CERT_FILE, key: p.KAFKA_SSL_KEY_FILE };
  if (p.KAFKA_SSL === undefined) return undefined;
  const r = readKafkaTls(
    {
      ssl: p.KAFKA_SSL,
      caFile: files.ca,
      certFile: files.cert,
      keyFile: files.key,
      keyPassword: p.KAFKA_SSL_KEY_PASSWORD,
    },
    readFile,
  );
  for (const x of r.problems) problems.rule(x.variable, x.problem);
  if (!r.tls) return undefined;
  const named = Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
  return { ...r.tls, files: named };
}

export function pickRegistry(p: Parsed, readFile: ReadFile, problems: Problems): RegistrySettings {
  const { SCHEMA_REGISTRY_USERNAME: username, SCHEMA_REGISTRY_PASSWORD: password } = p;
  const reg: RegistrySettings = { url: p.SCHEMA_REGISTRY_URL ?? '', timeoutMs: p.SCHEMA_REGISTRY_TIMEOUT_MS };
  if (username && !password)
    problems.rule('SCHEMA_REGISTRY_PASSWORD', 'required with SCHEMA_REGISTRY_USERNAME');
  if (password && !username)
    problems.rule('SCHEMA_REGISTRY_USERNAME', 'required with SCHEMA_REGISTRY_PASSWORD');
  if (username && password) Object.assign(reg, { username, password });
  const registryCa = readRegistryCa(p.SCHEMA_REGISTRY_URL, p.SCHEMA_REGISTRY_CA_FILE, readFile);
  for (const r of registryCa.problems) problems.rule(r.variable, r.problem);
  if (registryCa.ca) Object.assign(reg, { ca: registryCa.ca, caFile: p.SCHEMA_REGISTRY_CA_FILE });
  return reg;
}

/** `<KAFKA_TOPIC>.dlq` unless set; never the source topic itself; the retry topic neither. */
export function pickDlqTopic(p: Parsed, problems: Problems): string | undefined {
  const dlqTopic = p.KAFKA_DLQ_TOPIC ?? (p.KAFKA_TOPIC ? `${p.KAFKA_TOPIC}.dlq` : undefined);
  if (dlqTopic !== undefined && dlqTopic === p.KAFKA_TOPIC) {
    // Dead letters produced to the source topic would be consumed and dead-lettered again, forever.
    problems.rule('KAFKA_DLQ_TOPIC', 'must differ from KAFKA_TOPIC', ['KAFKA_TOPIC']);
  }
  const retryTopic = p.KAFKA_RETRY_TOPIC;
  if (retryTopic !== undefined && (retryTopic === p.KAFKA_TOPIC || retryTopic === dlqTopic)) {
    // Consumed twice, or dead letters consumed as events: both loop.
    problems.rule('KAFKA_RETRY_TOPIC', 'must differ from KAFKA_TOPIC and the dead-letter topic', [
      'KAFKA_TOPIC',
    ]);
  }
  return dlqTopic;
}
