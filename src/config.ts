/**
 * Every setting of the service (SPEC section 6 plus tuning knobs), read from the environment once,
 * validated with zod, and turned into one nested, frozen `Config`.
 *
 * Rules that matter in production:
 * - every variable may come from `<NAME>_FILE` instead (Docker/Kubernetes secrets); setting both is
 *   an error, because silently preferring one hides a deployment mistake;
 * - a problem stops start-up with ONE line naming the variable(s); values are never echoed, because
 *   an operator who pastes a token into the wrong variable must not find it in the crash log;
 * - `SETTINGS` is the single machine-readable list of variables, which the README and
 *   docker-compose are tested against.
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { maskEmails } from './ops/redact.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';
export type LogFormat = 'json' | 'pretty';

export type ZendeskAuth =
  | { kind: 'bearer'; token: string }
  | { kind: 'oauth-client'; clientId: string; clientSecret: string }
  | { kind: 'api-token'; email: string; token: string }
  | { kind: 'password'; email: string; password: string };

export interface Config {
  kafka: {
    brokers: string[];
    topic: string;
    groupId: string;
    dlqTopic: string;
    fromBeginning: boolean;
    ssl: boolean;
    sasl?: { mechanism: SaslMechanism; username: string; password: string };
    /** Partitions used when this service creates the topics itself. */
    partitions: number;
    /** Create the source and dead-letter topics at start-up when they are missing (otherwise: stop, naming them). */
    createTopics: boolean;
    clientId: string;
  };
  schemaRegistry: { url: string; username?: string; password?: string };
  zendesk: {
    /** `https://<subdomain>.zendesk.com` or ZENDESK_URL, without a trailing slash. */
    baseUrl: string;
    auth: ZendeskAuth;
    concurrency: number;
    requestTimeoutMs: number;
    maxRetryTimeMs: number;
    /** Assumed account budget until Zendesk's X-Rate-Limit headers tell the real one. */
    ratePerMinute: number;
    /** A time-scaled sandbox: windows and Retry-After are this many times shorter. */
    timeScale: number;
  };
  destination: {
    trackEvents: string[];
    createUsersAsVerified: boolean;
    sendGroupCallsWithoutUserId: boolean;
    removeUsersFromOrganization: boolean;
    allowOrganizationDeletes: boolean;
    eventSource: string;
    eventsMonthlyAllowance: number;
  };
  http: { port: number; host: string };
  log: { level: LogLevel; format: LogFormat };
  /** `naive`: one event at a time per partition, one request per operation; only the benchmark's baseline. */
  pipeline: {
    mode: 'optimized' | 'naive';
    partitionsConcurrently: number;
    lanesPerPartition: number;
    fetchMaxBytesPerPartition: number;
  };
  shutdownTimeoutMs: number;
  /** A partition stalled (lag, no progress, no outage) this long ends the process (exit 1) for a restart. */
  stallExitMs: number;
  /** Start-up warnings (deprecated credentials, ignored settings …), to be logged once; no secrets. */
  warnings: string[];
}

export interface Setting {
  name: string;
  /** The default as it would be written in the environment; null when there is none. */
  default: string | null;
  description: string;
  /** Masked in logs (`secretsOf`) and never shown by `describeConfig`. */
  secret: boolean;
}

const s = (name: string, def: string | null, description: string, secret = false): Setting => ({
  name,
  default: def,
  description,
  secret,
});

export const SETTINGS: readonly Setting[] = Object.freeze([
  s('KAFKA_BROKERS', '127.0.0.1:9092', 'Kafka bootstrap brokers, comma-separated host:port list'),
  s('KAFKA_TOPIC', 'segment-events', 'Source topic of Avro-encoded Segment events'),
  s('KAFKA_GROUP_ID', 'zendesk-destination', 'Consumer group id'),
  s('KAFKA_DLQ_TOPIC', null, 'Dead-letter topic (default: <KAFKA_TOPIC>.dlq)'),
  s('KAFKA_FROM_BEGINNING', 'true', 'Where a new consumer group starts: true = earliest, false = latest'),
  s('KAFKA_SSL', 'false', 'Connect to the brokers with TLS'),
  s('KAFKA_SASL_MECHANISM', null, 'SASL mechanism: plain, scram-sha-256 or scram-sha-512 (default: no SASL)'),
  s('KAFKA_SASL_USERNAME', null, 'SASL user name (required with KAFKA_SASL_MECHANISM)'),
  s('KAFKA_SASL_PASSWORD', null, 'SASL password (required with KAFKA_SASL_MECHANISM)', true),
  s(
    'KAFKA_CREATE_TOPICS',
    'false',
    'Create the source and dead-letter topics at start-up when missing (otherwise start-up stops, naming them)',
  ),
  s('KAFKA_PARTITIONS', '6', 'Partitions of the topics when this service creates them'),
  s('KAFKA_CLIENT_ID', 'zendesk-destination', 'Kafka client id (shows in broker logs and quotas)'),
  s('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081', 'Confluent-compatible schema registry URL'),
  s('SCHEMA_REGISTRY_USERNAME', null, 'Schema registry basic-auth user name'),
  s('SCHEMA_REGISTRY_PASSWORD', null, 'Schema registry basic-auth password', true),
  s('ZENDESK_SUBDOMAIN', null, 'Zendesk account, without .zendesk.com (required unless ZENDESK_URL)'),
  s(
    'ZENDESK_URL',
    null,
    'Base URL override, e.g. a local sandbox (default: https://<subdomain>.zendesk.com)',
  ),
  s('ZENDESK_OAUTH_TOKEN', null, 'OAuth access token (preferred authentication)', true),
  s('ZENDESK_OAUTH_CLIENT_ID', null, 'OAuth client id for the client-credentials grant'),
  s('ZENDESK_OAUTH_CLIENT_SECRET', null, 'OAuth client secret for the client-credentials grant', true),
  s(
    'ZENDESK_EMAIL',
    null,
    'Agent email for API-token or password authentication (agent@example.com/token, as Segment writes it, is accepted)',
  ),
  s('ZENDESK_API_TOKEN', null, 'API token (Zendesk retires API tokens on 2027-04-30)', true),
  s(
    'ZENDESK_PASSWORD',
    null,
    'Agent password (switched off by Zendesk; last resort); with ZENDESK_EMAIL ending in /token it is an API token',
    true,
  ),
  s('ZENDESK_TRACK_EVENTS', '', 'Comma-separated allow-list of track event names sent to the Events API'),
  s(
    'ZENDESK_CREATE_USERS_AS_VERIFIED',
    'false',
    'Send verified: true on every user upsert; when off, verified is not sent at all (never false)',
  ),
  s(
    'ZENDESK_SEND_GROUP_CALLS_WITHOUT_USER_ID',
    'false',
    'A group call without userId upserts only the organization',
  ),
  s('ZENDESK_REMOVE_USERS_FROM_ORGANIZATION', 'false', 'Honour traits.company.remove on identify'),
  s('ZENDESK_ALLOW_ORGANIZATION_DELETES', 'false', 'Honour deleted: true on group calls'),
  s(
    'ZENDESK_EVENT_SOURCE',
    'segment',
    'source of user events sent to the Events API ("zendesk" is reserved)',
  ),
  s(
    'ZENDESK_EVENTS_MONTHLY_ALLOWANCE',
    '750000',
    'Events API events per month the plan allows (150000 Team/Growth, 350000 Professional, 750000 Enterprise, 3000000 Enterprise Plus); a warning at 80%, 90% and 100% of it',
  ),
  s('ZENDESK_CONCURRENCY', '8', 'Zendesk requests in flight at most'),
  s('ZENDESK_REQUEST_TIMEOUT_MS', '15000', 'Timeout of one Zendesk request, milliseconds'),
  s('ZENDESK_MAX_RETRY_TIME_MS', '60000', 'Retry budget for one transient Zendesk failure, milliseconds'),
  s(
    'ZENDESK_RATE_LIMIT_PER_MINUTE',
    '200',
    'Assumed account requests per minute before Zendesk reports its limit',
  ),
  s(
    'ZENDESK_TIME_SCALE',
    '1',
    'Time-scaled sandbox only: rate windows and Retry-After are this many times shorter',
  ),
  s('HTTP_PORT', '9464', 'Port of /healthz, /readyz and /metrics'),
  s(
    'HTTP_HOST',
    '127.0.0.1',
    'Address the health and metrics server listens on (0.0.0.0 in a container, as the Dockerfile sets)',
  ),
  s('LOG_LEVEL', 'info', 'winston level: error, warn, info, http, verbose, debug, silly'),
  s('LOG_FORMAT', 'json', 'json (one object per line) or pretty (human-readable)'),
  s(
    'PIPELINE_MODE',
    'optimized',
    'optimized (coalescing and bulk calls) or naive (one event and one request at a time: the benchmark baseline)',
  ),
  s(
    'PIPELINE_PARTITIONS_CONCURRENTLY',
    '8',
    'Partitions this instance processes at once: each contributes its lanes to the bulk jobs, and 30 job slots of 100 users need about 3,000 users in flight',
  ),
  s(
    'PIPELINE_LANES_PER_PARTITION',
    '1024',
    'Distinct keys (users) in flight per partition: cheap waiting promises that fill bulk jobs; Zendesk requests are limited by the client',
  ),
  s(
    'KAFKA_FETCH_MAX_BYTES_PER_PARTITION',
    '524288',
    'Largest fetch per partition (bytes): bounds what a backlog holds in memory, and how many users one batch can put in flight',
  ),
  s('SHUTDOWN_TIMEOUT_MS', '30000', 'How long SIGTERM/SIGINT may drain in-flight work before exiting'),
  s(
    'STALL_EXIT_AFTER_MS',
    '300000',
    'A partition with lag that makes no progress (and is not paused by an outage) for this long ends the process with exit 1, for the orchestrator to restart it',
  ),
]);

const SETTING_BY_NAME = new Map(SETTINGS.map((x) => [x.name, x]));

/** Prefixes of our variables: an unknown variable with one of them is most likely a typo. */
const OWN_PREFIXES = ['ZENDESK_', 'KAFKA_', 'SCHEMA_REGISTRY_'];

export interface ConfigProblem {
  variable: string;
  problem: string;
}

/** A setting is missing or malformed. `message` is one line and never contains a setting's value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.variable}: ${p.problem}`.replace(/[\r\n]+/g, ' ')).join('; '));
    this.problems = problems;
  }

  /** The first variable at fault. */
  get variable(): string {
    return this.problems[0]?.variable ?? '';
  }
}

export type Env = Record<string, string | undefined>;
export type ReadFile = (path: string, encoding: 'utf8') => string;

/**
 * Problems found so far. A setting that is already reported as unreadable or malformed is "broken":
 * rules about missing settings stay quiet about it, so one mistake gives one message, not three.
 */
class Problems {
  readonly list: ConfigProblem[] = [];
  private readonly broken = new Set<string>();

  /** `setting` is the base name; `variable` the one to name (the `_FILE` variant for file errors). */
  add(setting: string, problem: string, variable = setting): void {
    this.broken.add(setting);
    this.list.push({ variable, problem });
  }

  /** Reports a missing or inconsistent setting, unless one of the settings involved is already broken. */
  rule(variable: string, problem: string, involved: readonly string[] = []): void {
    if ([variable, ...involved].some((n) => this.broken.has(n))) return;
    this.add(variable, problem);
  }

  anyBroken(names: readonly string[]): boolean {
    return names.some((n) => this.broken.has(n));
  }
}

// ---------------------------------------------------------------------------------------------
// Raw values: variable or <variable>_FILE, trimmed; empty means unset (compose writes `X=` a lot).

function readRaw(env: Env, readFile: ReadFile, problems: Problems): Record<string, string | undefined> {
  const raw: Record<string, string | undefined> = {};
  for (const { name } of SETTINGS) {
    const direct = env[name]?.trim();
    const filePath = env[`${name}_FILE`]?.trim();
    if (direct && filePath) {
      problems.add(name, `both ${name} and ${name}_FILE are set; use one`);
      continue;
    }
    if (filePath) {
      let content: string;
      try {
        content = String(readFile(filePath, 'utf8')).trim();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException | undefined)?.code ?? 'read error';
        problems.add(name, `cannot read the file (${code})`, `${name}_FILE`);
        continue;
      }
      if (!content) problems.add(name, 'the file is empty', `${name}_FILE`);
      else raw[name] = content;
      continue;
    }
    raw[name] = direct || undefined;
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// Value parsers. Each takes the raw string; messages describe what is expected, never the value.

const BOOLEANS: Record<string, boolean> = {
  true: true,
  false: false,
  1: true,
  0: false,
  yes: true,
  no: false,
};

const bool = z.string().transform((v, ctx) => {
  const b = BOOLEANS[v.toLowerCase()];
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected true/false, 1/0 or yes/no' });
    return z.NEVER;
  }
  return b;
});

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `expected a whole number from ${min} to ${max}`)
        .max(max, `expected a whole number from ${min} to ${max}`),
    );

const positiveNumber = (max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `expected a number above 0 and at most ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .gt(0, `expected a number above 0 and at most ${max}`)
        .max(max, `expected a number above 0 and at most ${max}`),
    );

const nonEmpty = z.string().min(1, 'must not be empty');

/** Kafka's own rule (Topic.java): 1-249 of [a-zA-Z0-9._-], not "." or "..". */
const topic = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a topic name is 1-249 characters of letters, digits, ".", "_" and "-"')
  .refine((t) => t !== '.' && t !== '..', 'a topic name cannot be "." or ".."');

const brokers = z.string().transform((v, ctx) => {
  const list = v
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one host:port' });
  for (const b of list) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/.exec(b);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a comma-separated list of host:port (port 1-65535)',
      });
      return z.NEVER;
    }
  }
  return list;
});

const commaList = z.string().transform((v) => [
  ...new Set(
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
]);

/** A DNS label: the account name only, so nothing can steer requests (and credentials) to another host. */
const subdomain = z.string().transform((v, ctx) => {
  if (/\.zendesk\.com\.?$/i.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'give the account name only, without .zendesk.com (like acme)' });
    return z.NEVER;
  }
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(v)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'expected an account name of letters, digits and inner hyphens (like acme or acme-eu), not a host, URL or path',
    });
    return z.NEVER;
  }
  return v.toLowerCase();
});

/** An http(s) URL without credentials; `allowPath` false also refuses any path, query or fragment. */
const httpUrl = (allowPath: boolean, credentialsHint: string) =>
  z.string().transform((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' });
      return z.NEVER;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' });
      return z.NEVER;
    }
    if (u.username || u.password) {
      ctx.addIssue({ code: 'custom', message: `must not contain credentials; ${credentialsHint}` });
      return z.NEVER;
    }
    if (!allowPath && (u.pathname !== '/' || u.search || u.hash)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a base URL with no path, query or fragment (like https://host:port)',
      });
      return z.NEVER;
    }
    if (u.search || u.hash) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a query or fragment' });
      return z.NEVER;
    }
    return allowPath ? u.href.replace(/\/+$/, '') : u.origin;
  });

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Each setting's parser; the input is the raw string (defaults applied), never undefined. */
const PARSERS = {
  KAFKA_BROKERS: brokers,
  KAFKA_TOPIC: topic,
  KAFKA_GROUP_ID: nonEmpty,
  KAFKA_DLQ_TOPIC: topic,
  KAFKA_FROM_BEGINNING: bool,
  KAFKA_SSL: bool,
  KAFKA_SASL_MECHANISM: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(
      z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], 'expected plain, scram-sha-256 or scram-sha-512'),
    ),
  KAFKA_SASL_USERNAME: nonEmpty,
  KAFKA_SASL_PASSWORD: nonEmpty,
  KAFKA_CREATE_TOPICS: bool,
  KAFKA_PARTITIONS: int(1, 10_000),
  KAFKA_CLIENT_ID: nonEmpty,
  SCHEMA_REGISTRY_URL: httpUrl(true, 'use SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD'),
  SCHEMA_REGISTRY_USERNAME: nonEmpty,
  SCHEMA_REGISTRY_PASSWORD: nonEmpty,
  ZENDESK_SUBDOMAIN: subdomain,
  ZENDESK_URL: httpUrl(false, 'use the ZENDESK_* authentication settings'),
  ZENDESK_OAUTH_TOKEN: nonEmpty,
  ZENDESK_OAUTH_CLIENT_ID: nonEmpty,
  ZENDESK_OAUTH_CLIENT_SECRET: nonEmpty,
  // Segment's page asks for `agent@example.com/token`: the suffix says "API token", it is not part
  // of the address (the client adds it itself), so it is taken off and remembered.
  ZENDESK_EMAIL: z
    .string()
    .transform((v) => {
      const m = /^(.*?)\s*\/\s*token$/i.exec(v);
      return m ? { address: m[1]!, tokenSuffix: true } : { address: v, tokenSuffix: false };
    })
    .refine((e) => EMAIL.test(e.address), 'expected an email address (optionally followed by /token)'),
  ZENDESK_API_TOKEN: nonEmpty,
  ZENDESK_PASSWORD: nonEmpty,
  ZENDESK_TRACK_EVENTS: commaList,
  ZENDESK_CREATE_USERS_AS_VERIFIED: bool,
  ZENDESK_SEND_GROUP_CALLS_WITHOUT_USER_ID: bool,
  ZENDESK_REMOVE_USERS_FROM_ORGANIZATION: bool,
  ZENDESK_ALLOW_ORGANIZATION_DELETES: bool,
  ZENDESK_EVENT_SOURCE: nonEmpty.refine(
    (v) => v.toLowerCase() !== 'zendesk',
    '"zendesk" is reserved by Zendesk',
  ),
  ZENDESK_EVENTS_MONTHLY_ALLOWANCE: int(1, 1_000_000_000),
  ZENDESK_CONCURRENCY: int(1, 256),
  ZENDESK_REQUEST_TIMEOUT_MS: int(100, 600_000),
  ZENDESK_MAX_RETRY_TIME_MS: int(0, 86_400_000),
  ZENDESK_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000),
  ZENDESK_TIME_SCALE: positiveNumber(10_000),
  HTTP_PORT: int(0, 65_535),
  HTTP_HOST: nonEmpty,
  LOG_LEVEL: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(
      z.enum(
        ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
        'expected error, warn, info, http, verbose, debug or silly',
      ),
    ),
  LOG_FORMAT: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['json', 'pretty'], 'expected json or pretty')),
  SHUTDOWN_TIMEOUT_MS: int(0, 3_600_000),
  STALL_EXIT_AFTER_MS: int(10_000, 86_400_000),
  PIPELINE_PARTITIONS_CONCURRENTLY: int(1, 1000),
  PIPELINE_LANES_PER_PARTITION: int(1, 100_000),
  KAFKA_FETCH_MAX_BYTES_PER_PARTITION: int(16_384, 64 * 1024 * 1024),
  PIPELINE_MODE: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['optimized', 'naive'], 'expected optimized or naive')),
} satisfies Record<string, z.ZodType<unknown, string>>;

type Parsed = { [K in keyof typeof PARSERS]?: z.output<(typeof PARSERS)[K]> };

function parseAll(raw: Record<string, string | undefined>, problems: Problems): Parsed {
  const out: Record<string, unknown> = {};
  for (const [name, parser] of Object.entries(PARSERS) as [string, z.ZodType<unknown, string>][]) {
    const value = raw[name] ?? SETTING_BY_NAME.get(name)?.default ?? undefined;
    if (value === undefined) continue;
    const r = parser.safeParse(value);
    if (r.success) out[name] = r.data;
    // zod may report several issues for one value; the first says enough for one line.
    else problems.add(name, r.error.issues[0]?.message ?? 'invalid value');
  }
  return out as Parsed;
}

// ---------------------------------------------------------------------------------------------
// Cross-setting rules.

const AUTH_SETTINGS = [
  'ZENDESK_OAUTH_TOKEN',
  'ZENDESK_OAUTH_CLIENT_ID',
  'ZENDESK_OAUTH_CLIENT_SECRET',
  'ZENDESK_EMAIL',
  'ZENDESK_API_TOKEN',
  'ZENDESK_PASSWORD',
] as const;

function pickAuth(p: Parsed, problems: Problems, warnings: string[]): ZendeskAuth | undefined {
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
      warnings.push(
        'ZENDESK_API_TOKEN: Zendesk retires API tokens on 2027-04-30; move to ZENDESK_OAUTH_TOKEN or ZENDESK_OAUTH_CLIENT_ID/SECRET',
      );
      return { kind: 'api-token', email, token };
    }
    if (p.ZENDESK_EMAIL?.tokenSuffix) {
      // `email/token` + a secret is API-token authentication, whatever variable holds the secret.
      warnings.push(
        'ZENDESK_PASSWORD holds an API token (ZENDESK_EMAIL ends in /token): Zendesk retires API tokens on 2027-04-30; move it to ZENDESK_API_TOKEN now and to ZENDESK_OAUTH_TOKEN or ZENDESK_OAUTH_CLIENT_ID/SECRET before then',
      );
      return { kind: 'api-token', email, token: password! };
    }
    warnings.push(
      'ZENDESK_PASSWORD: Zendesk has switched password authentication off, expect 401; use ZENDESK_OAUTH_TOKEN or ZENDESK_OAUTH_CLIENT_ID/SECRET',
    );
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

function pickBaseUrl(p: Parsed, problems: Problems, warnings: string[]): string | undefined {
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

function pickSasl(p: Parsed, problems: Problems, warnings: string[]): Config['kafka']['sasl'] {
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

function pickRegistry(p: Parsed, problems: Problems): Config['schemaRegistry'] {
  const { SCHEMA_REGISTRY_USERNAME: username, SCHEMA_REGISTRY_PASSWORD: password } = p;
  const reg: Config['schemaRegistry'] = { url: p.SCHEMA_REGISTRY_URL ?? '' };
  if (username && !password)
    problems.rule('SCHEMA_REGISTRY_PASSWORD', 'required with SCHEMA_REGISTRY_USERNAME');
  if (password && !username)
    problems.rule('SCHEMA_REGISTRY_USERNAME', 'required with SCHEMA_REGISTRY_PASSWORD');
  if (username && password) Object.assign(reg, { username, password });
  return reg;
}

function unknownVariables(env: Env): string[] {
  return Object.keys(env)
    .filter((k) => OWN_PREFIXES.some((pre) => k.startsWith(pre)))
    .filter((k) => !SETTING_BY_NAME.has(k) && !(k.endsWith('_FILE') && SETTING_BY_NAME.has(k.slice(0, -5))))
    .sort()
    .map((k) => `${k} is not a setting of this service (a typo?); it is ignored`);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Reads, validates and returns every setting, or throws one `ConfigError` listing every problem. */
export function loadConfig(env: Env = process.env, readFile: ReadFile = fs.readFileSync): Config {
  return build(env, readFile, true);
}

/** The settings of the commands that only talk to Kafka and the registry (`produce`, `dlq`): no Zendesk needed. */
export type KafkaSideConfig = Pick<Config, 'kafka' | 'schemaRegistry'>;

export function loadKafkaConfig(
  env: Env = process.env,
  readFile: ReadFile = fs.readFileSync,
): KafkaSideConfig {
  const { kafka, schemaRegistry } = build(env, readFile, false);
  return { kafka, schemaRegistry };
}

/** With `withZendesk` false the Zendesk URL and credentials are neither required nor checked (and left unset). */
function build(env: Env, readFile: ReadFile, withZendesk: boolean): Config {
  const problems = new Problems();
  const warnings: string[] = [];
  const raw = readRaw(env, readFile, problems);
  const p = parseAll(raw, problems);

  const dlqTopic = p.KAFKA_DLQ_TOPIC ?? (p.KAFKA_TOPIC ? `${p.KAFKA_TOPIC}.dlq` : undefined);
  if (dlqTopic !== undefined && dlqTopic === p.KAFKA_TOPIC) {
    // Dead letters produced to the source topic would be consumed and dead-lettered again, forever.
    problems.rule('KAFKA_DLQ_TOPIC', 'must differ from KAFKA_TOPIC', ['KAFKA_TOPIC']);
  }
  const sasl = pickSasl(p, problems, warnings);
  const schemaRegistry = pickRegistry(p, problems);
  const baseUrl = withZendesk ? pickBaseUrl(p, problems, warnings) : undefined;
  const auth = withZendesk ? pickAuth(p, problems, warnings) : undefined;
  warnings.push(...unknownVariables(env));

  if (problems.list.length) throw new ConfigError(problems.list);

  // Every value below is defined: each has a default or was checked above.
  const config: Config = {
    kafka: {
      brokers: p.KAFKA_BROKERS!,
      topic: p.KAFKA_TOPIC!,
      groupId: p.KAFKA_GROUP_ID!,
      dlqTopic: dlqTopic!,
      fromBeginning: p.KAFKA_FROM_BEGINNING!,
      ssl: p.KAFKA_SSL!,
      ...(sasl ? { sasl } : {}),
      partitions: p.KAFKA_PARTITIONS!,
      createTopics: p.KAFKA_CREATE_TOPICS!,
      clientId: p.KAFKA_CLIENT_ID!,
    },
    schemaRegistry,
    zendesk: {
      baseUrl: baseUrl!,
      auth: auth!,
      concurrency: p.ZENDESK_CONCURRENCY!,
      requestTimeoutMs: p.ZENDESK_REQUEST_TIMEOUT_MS!,
      maxRetryTimeMs: p.ZENDESK_MAX_RETRY_TIME_MS!,
      ratePerMinute: p.ZENDESK_RATE_LIMIT_PER_MINUTE!,
      timeScale: p.ZENDESK_TIME_SCALE!,
    },
    destination: {
      trackEvents: p.ZENDESK_TRACK_EVENTS!,
      createUsersAsVerified: p.ZENDESK_CREATE_USERS_AS_VERIFIED!,
      sendGroupCallsWithoutUserId: p.ZENDESK_SEND_GROUP_CALLS_WITHOUT_USER_ID!,
      removeUsersFromOrganization: p.ZENDESK_REMOVE_USERS_FROM_ORGANIZATION!,
      allowOrganizationDeletes: p.ZENDESK_ALLOW_ORGANIZATION_DELETES!,
      eventSource: p.ZENDESK_EVENT_SOURCE!,
      eventsMonthlyAllowance: p.ZENDESK_EVENTS_MONTHLY_ALLOWANCE!,
    },
    http: { port: p.HTTP_PORT!, host: p.HTTP_HOST! },
    log: { level: p.LOG_LEVEL!, format: p.LOG_FORMAT! },
    pipeline: {
      mode: p.PIPELINE_MODE!,
      partitionsConcurrently: p.PIPELINE_PARTITIONS_CONCURRENTLY!,
      lanesPerPartition: p.PIPELINE_LANES_PER_PARTITION!,
      fetchMaxBytesPerPartition: p.KAFKA_FETCH_MAX_BYTES_PER_PARTITION!,
    },
    shutdownTimeoutMs: p.SHUTDOWN_TIMEOUT_MS!,
    stallExitMs: p.STALL_EXIT_AFTER_MS!,
    warnings,
  };
  return deepFreeze(config);
}

const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

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
  const { sasl, ...kafka } = config.kafka;
  return {
    kafka: {
      ...kafka,
      ...(sasl
        ? { sasl: { mechanism: sasl.mechanism, username: maskEmails(sasl.username), password: MASK } }
        : {}),
    },
    schemaRegistry: {
      url: config.schemaRegistry.url,
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
