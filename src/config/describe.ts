/** What of the config may reach a log: the secrets to mask, and a summary with them masked. */
import type { Config } from './shape.js';
import { maskEmails } from '../ops/redact.js';
import { basicCredentials } from '../zendesk/auth.js';

const basic = basicCredentials;

/**
 * Every secret value of the config, for the log redactor. Also the Basic-auth encodings built from
 * them, so an `Authorization` value that slips into a log is masked even when not labelled as such.
 */
export function secretsOf(config: Config): string[] {
  const out: string[] = [];
  const a = config.zendesk.auth;
  if (a.kind === 'bearer') out.push(a.token);
  if (a.kind === 'oauth-client') out.push(a.clientSecret, basic(a.clientId, a.clientSecret));
  if (a.kind === 'api-token') out.push(a.token, basic(`${a.email}/token`, a.token));
  if (a.kind === 'password') out.push(a.password, basic(a.email, a.password));
  if (config.kafka.sasl) out.push(config.kafka.sasl.password);
  if (config.kafka.tls?.key) out.push(config.kafka.tls.key);
  const r = config.schemaRegistry;
  if (r.password) out.push(r.password, basic(r.username ?? '', r.password));
  return [...new Set(out.filter(Boolean))];
}

const MASK = '***';

/** A loggable summary: secrets shown as `***`, emails masked, everything else as configured. */
export function describeConfig(config: Config): Record<string, unknown> {
  const a = config.zendesk.auth;
  const auth =
    a.kind === 'bearer'
      ? { kind: a.kind, token: MASK }
      : a.kind === 'oauth-client'
        ? { kind: a.kind, clientId: maskEmails(a.clientId), clientSecret: MASK }
        : a.kind === 'api-token'
          ? { kind: a.kind, email: maskEmails(a.email), token: MASK }
          : { kind: a.kind, email: maskEmails(a.email), password: MASK };
  const { sasl, tls, ...kafka } = config.kafka;
  return {
    kafka: {
      ...kafka,
      // The paths only: the key file's content is a secret.
      ...(tls ? { tlsFiles: { ...tls.files } } : {}),
      ...(sasl
        ? { sasl: { mechanism: sasl.mechanism, username: maskEmails(sasl.username), password: MASK } }
        : {}),
    },
    schemaRegistry: {
      url: config.schemaRegistry.url,
      ...(config.schemaRegistry.caFile ? { caFile: config.schemaRegistry.caFile } : {}),
      ...(config.schemaRegistry.username
        ? { username: maskEmails(config.schemaRegistry.username), password: MASK }
        : {}),
    },
    zendesk: { ...config.zendesk, auth },
    destination: { ...config.destination },
    http: { ...config.http },
    log: { ...config.log },
    pipeline: { ...config.pipeline },
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    stallExitMs: config.stallExitMs,
  };
}
