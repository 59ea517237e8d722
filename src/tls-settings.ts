import { createPrivateKey } from 'node:crypto';

/**
 * The TLS settings whose values are file paths (KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE,
 * KAFKA_SSL_KEY_FILE with KAFKA_SSL_KEY_PASSWORD, SCHEMA_REGISTRY_CA_FILE): the files are read and checked at start-up, so a
 * wrong path or a file of the wrong kind stops the service with one line naming the setting, instead
 * of a TLS handshake failing later (and retrying) with a message that names nothing.
 * Kept apart from config.ts so the reading rules can be tested without the whole settings schema.
 */

export interface TlsFiles {
  /** PEM CA certificate(s) to trust instead of the system's CAs. */
  ca?: string;
  /** PEM client certificate (chain) and its private key, for mutual TLS. */
  cert?: string;
  key?: string;
  /** The key's passphrase (KAFKA_SSL_KEY_PASSWORD) when it is encrypted; Node's TLS option of that name. */
  passphrase?: string;
}

export interface TlsProblem {
  variable: string;
  problem: string;
}

type Kind = 'certificate' | 'key';

const CERT = /-----BEGIN CERTIFICATE-----/;
const KEY = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/;
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

function readText(
  variable: string,
  path: string,
  readFile: (path: string, encoding: 'utf8') => string,
): { text: string } | TlsProblem {
  try {
    return { text: String(readFile(path, 'utf8')) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | undefined)?.code ?? 'read error';
    return { variable, problem: `cannot read the file (${code})` };
  }
}

/** Reads one PEM file; the problem never quotes the file's content (a key must not reach a log). */
export function readPem(
  variable: string,
  path: string,
  kind: Kind,
  readFile: (path: string, encoding: 'utf8') => string,
): { pem: string } | TlsProblem {
  const read = readText(variable, path, readFile);
  if ('problem' in read) return read;
  const pem = read.text;
  if (kind === 'key' && ENCRYPTED_KEY.test(pem))
    return { variable, problem: 'the private key is encrypted; set KAFKA_SSL_KEY_PASSWORD' };
  if (!(kind === 'key' ? KEY : CERT).test(pem))
    return {
      variable,
      problem:
        kind === 'key'
          ? 'not a PEM private key (expected -----BEGIN PRIVATE KEY-----)'
          : 'not a PEM certificate (expected -----BEGIN CERTIFICATE-----)',
    };
  return { pem };
}

export interface KafkaTlsPaths {
  ssl: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  keyPassword?: string;
}

/**
 * An encrypted client key is opened once at start-up with its passphrase, so a wrong passphrase (or a
 * passphrase for a key that has none) is one line naming the setting rather than a handshake failure.
 */
function readKey(
  path: string,
  password: string | undefined,
  readFile: (path: string, encoding: 'utf8') => string,
): { pem: string } | TlsProblem {
  if (password === undefined) return readPem('KAFKA_SSL_KEY_FILE', path, 'key', readFile);
  const read = readText('KAFKA_SSL_KEY_FILE', path, readFile);
  if ('problem' in read) return read;
  const pem = read.text;
  if (!ENCRYPTED_KEY.test(pem))
    return KEY.test(pem)
      ? { variable: 'KAFKA_SSL_KEY_PASSWORD', problem: 'set, but KAFKA_SSL_KEY_FILE is not encrypted' }
      : {
          variable: 'KAFKA_SSL_KEY_FILE',
          problem: 'not a PEM private key (expected -----BEGIN PRIVATE KEY-----)',
        };
  try {
    createPrivateKey({ key: pem, format: 'pem', passphrase: password });
  } catch {
    return { variable: 'KAFKA_SSL_KEY_PASSWORD', problem: 'does not decrypt KAFKA_SSL_KEY_FILE' };
  }
  return { pem };
}

/**
 * The broker TLS files. Rules: each needs KAFKA_SSL=true (a CA or client certificate on a plaintext
 * connection would silently do nothing); a client certificate and its key come together.
 */
export function readKafkaTls(
  s: KafkaTlsPaths,
  readFile: (path: string, encoding: 'utf8') => string,
): { tls?: TlsFiles; problems: TlsProblem[] } {
  const problems: TlsProblem[] = [];
  const all: [string, string | undefined, Kind][] = [
    ['KAFKA_SSL_CA_FILE', s.caFile, 'certificate'],
    ['KAFKA_SSL_CERT_FILE', s.certFile, 'certificate'],
    ['KAFKA_SSL_KEY_FILE', s.keyFile, 'key'],
  ];
  const given = all.filter((g): g is [string, string, Kind] => g[1] !== undefined);
  if (s.keyPassword !== undefined && s.keyFile === undefined)
    problems.push({ variable: 'KAFKA_SSL_KEY_PASSWORD', problem: 'requires KAFKA_SSL_KEY_FILE' });
  if (!given.length) return { problems };
  if (!s.ssl) {
    for (const [variable] of given) problems.push({ variable, problem: 'requires KAFKA_SSL=true' });
    return { problems };
  }
  if (Boolean(s.certFile) !== Boolean(s.keyFile))
    problems.push(
      s.certFile
        ? { variable: 'KAFKA_SSL_KEY_FILE', problem: 'required with KAFKA_SSL_CERT_FILE (mutual TLS)' }
        : { variable: 'KAFKA_SSL_CERT_FILE', problem: 'required with KAFKA_SSL_KEY_FILE (mutual TLS)' },
    );
  const tls: TlsFiles = {};
  for (const [variable, path, kind] of given) {
    const r =
      kind === 'key' ? readKey(path, s.keyPassword, readFile) : readPem(variable, path, kind, readFile);
    if ('problem' in r) problems.push(r);
    else if (variable === 'KAFKA_SSL_CA_FILE') tls.ca = r.pem;
    else if (variable === 'KAFKA_SSL_CERT_FILE') tls.cert = r.pem;
    else {
      tls.key = r.pem;
      if (s.keyPassword !== undefined) tls.passphrase = s.keyPassword;
    }
  }
  return problems.length ? { problems } : { tls, problems };
}

/** The registry's CA: only meaningful for an https:// registry URL. */
export function readRegistryCa(
  url: string | undefined,
  caFile: string | undefined,
  readFile: (path: string, encoding: 'utf8') => string,
): { ca?: string; problems: TlsProblem[] } {
  if (caFile === undefined) return { problems: [] };
  if (url && !url.startsWith('https:'))
    return {
      problems: [
        { variable: 'SCHEMA_REGISTRY_CA_FILE', problem: 'requires an https:// SCHEMA_REGISTRY_URL' },
      ],
    };
  const r = readPem('SCHEMA_REGISTRY_CA_FILE', caFile, 'certificate', readFile);
  return 'problem' in r ? { problems: [r] } : { ca: r.pem, problems: [] };
}

/**
 * A TLS failure told in terms of the setting that fixes it. Node's own messages ("self-signed
 * certificate in certificate chain") name no setting; the error codes are Node's (OpenSSL's) own.
 */
export function explainTlsError(code: string | undefined, caSetting: string): string | undefined {
  switch (code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_SIGNATURE_FAILURE':
      return `the server's TLS certificate is not signed by a trusted CA (${code}): set ${caSetting} to the CA that signed it`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the server's TLS certificate does not name the host connected to (${code})`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `the server's TLS certificate is not valid now (${code})`;
    default:
      return undefined;
  }
}
