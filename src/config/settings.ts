/**
 * The settings table: one declarative entry per environment variable (default, description,
 * secret, parser, and where its value lands in `Config`), in the order the README lists them.
 * Everything else follows from it: the README table (`scripts/settings-table.ts`), the
 * docker-compose and Dockerfile checks, `<NAME>_FILE` support, the unknown-variable warning, the
 * parsed values' types and the plain fields of `Config`. Settings without `at` feed the
 * cross-setting rules in `rules.ts` (credentials, SASL, URLs) instead.
 *
 * The Kafka and registry entries live in settings-kafka.ts (first in the table).
 *
 * A new setting: one entry here (or in settings-kafka.ts); if it is a plain value, `at` places it (e.g. 'kafka.retryTopic')
 * and its type joins `Config` by itself; if it combines with others, read it in a rule in `rules.ts`.
 */
import { z } from 'zod';
import { entry } from './entry.js';
import { KAFKA_SIDE } from './settings-kafka.js';
import {
  agentEmail,
  bool,
  commaList,
  httpUrl,
  int,
  nonEmpty,
  oneOf,
  positiveNumber,
  subdomain,
  type Parser,
} from './parsers.js';

export { SASL_MECHANISMS, type SaslMechanism } from './settings-kafka.js';
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export const PIPELINE_MODES = ['optimized', 'naive'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];

/** One setting as the README, the deployment checks and the redactor see it. */
export interface Setting {
  name: string;
  /** The default as it would be written in the environment; null when there is none. */
  default: string | null;
  description: string;
  /** Masked in logs (`secretsOf`) and never shown by `describeConfig`. */
  secret: boolean;
}

export const TABLE = {
  ...KAFKA_SIDE,
  ZENDESK_SUBDOMAIN: entry({
    default: null,
    description: 'Zendesk account, without .zendesk.com (required unless ZENDESK_URL)',
    parse: subdomain,
  }),
  ZENDESK_URL: entry({
    default: null,
    description: 'Base URL override, e.g. a local sandbox (default: https://<subdomain>.zendesk.com)',
    parse: httpUrl(false, 'use the ZENDESK_* authentication settings'),
  }),
  ZENDESK_OAUTH_TOKEN: entry({
    default: null,
    description: 'OAuth access token (preferred authentication)',
    secret: true,
    parse: nonEmpty,
  }),
  ZENDESK_OAUTH_CLIENT_ID: entry({
    default: null,
    description: 'OAuth client id for the client-credentials grant',
    parse: nonEmpty,
  }),
  ZENDESK_OAUTH_CLIENT_SECRET: entry({
    default: null,
    description: 'OAuth client secret for the client-credentials grant',
    secret: true,
    parse: nonEmpty,
  }),
  ZENDESK_EMAIL: entry({
    default: null,
    description:
      'Agent email for API-token or password authentication (agent@example.com/token, as Segment writes it, is accepted)',
    parse: agentEmail,
  }),
  ZENDESK_API_TOKEN: entry({
    default: null,
    description: 'API token (Zendesk retires API tokens on 2027-04-30)',
    secret: true,
    parse: nonEmpty,
  }),
  ZENDESK_PASSWORD: entry({
    default: null,
    description:
      'Agent password (switched off by Zendesk; last resort); with ZENDESK_EMAIL ending in /token it is an API token',
    secret: true,
    parse: nonEmpty,
  }),
  ZENDESK_TRACK_EVENTS: entry({
    default: '',
    description: 'Comma-separated allow-list of track event names sent to the Events API',
    parse: commaList,
    at: 'destination.trackEvents',
  }),
  ZENDESK_CREATE_USERS_AS_VERIFIED: entry({
    default: 'false',
    description:
      'Send verified: true on every user upsert; when off, verified is not sent at all (never false)',
    parse: bool,
    at: 'destination.createUsersAsVerified',
  }),
  ZENDESK_SEND_GROUP_CALLS_WITHOUT_USER_ID: entry({
    default: 'false',
    description: 'A group call without userId upserts only the organization',
    parse: bool,
    at: 'destination.sendGroupCallsWithoutUserId',
  }),
  ZENDESK_REMOVE_USERS_FROM_ORGANIZATION: entry({
    default: 'false',
    description: 'Honour traits.company.remove on identify',
    parse: bool,
    at: 'destination.removeUsersFromOrganization',
  }),
  ZENDESK_ALLOW_ORGANIZATION_DELETES: entry({
    default: 'false',
    description: 'Honour deleted: true on group calls',
    parse: bool,
    at: 'destination.allowOrganizationDeletes',
  }),
  ZENDESK_EVENT_SOURCE: entry({
    default: 'segment',
    description: 'source of user events sent to the Events API ("zendesk" is reserved)',
    parse: nonEmpty.refine((v) => v.toLowerCase() !== 'zendesk', '"zendesk" is reserved by Zendesk'),
    at: 'destination.eventSource',
  }),
  ZENDESK_EVENTS_MONTHLY_ALLOWANCE: entry({
    default: '750000',
    description:
      'Events API events per month the plan allows (150000 Team/Growth, 350000 Professional, 750000 Enterprise, 3000000 Enterprise Plus); a warning at 80%, 90% and 100% of it',
    parse: int(1, 1_000_000_000),
    at: 'destination.eventsMonthlyAllowance',
  }),
  ZENDESK_CONCURRENCY: entry({
    default: '8',
    description: 'Zendesk requests in flight at most',
    parse: int(1, 256),
    at: 'zendesk.concurrency',
  }),
  ZENDESK_REQUEST_TIMEOUT_MS: entry({
    default: '15000',
    description: 'Timeout of one Zendesk request, milliseconds',
    parse: int(100, 600_000),
    at: 'zendesk.requestTimeoutMs',
  }),
  ZENDESK_MAX_RETRY_TIME_MS: entry({
    default: '60000',
    description: 'Retry budget for one transient Zendesk failure, milliseconds',
    parse: int(0, 86_400_000),
    at: 'zendesk.maxRetryTimeMs',
  }),
  ZENDESK_RATE_LIMIT_PER_MINUTE: entry({
    default: '200',
    description: 'Assumed account requests per minute before Zendesk reports its limit',
    parse: int(1, 1_000_000),
    at: 'zendesk.ratePerMinute',
  }),
  ZENDESK_TIME_SCALE: entry({
    default: '1',
    description: 'Time-scaled sandbox only: rate windows and Retry-After are this many times shorter',
    parse: positiveNumber(10_000),
    at: 'zendesk.timeScale',
  }),
  HTTP_PORT: entry({
    default: '9464',
    description: 'Port of /healthz, /readyz and /metrics',
    parse: int(0, 65_535),
    at: 'http.port',
  }),
  HTTP_HOST: entry({
    default: '127.0.0.1',
    description:
      'Address the health and metrics server listens on (0.0.0.0 in a container, as the Dockerfile sets)',
    parse: nonEmpty,
    at: 'http.host',
  }),
  LOG_LEVEL: entry({
    default: 'info',
    description: 'winston level: error, warn, info, http, verbose, debug, silly',
    parse: oneOf(LOG_LEVELS),
    at: 'log.level',
  }),
  LOG_FORMAT: entry({
    default: 'json',
    description: 'json (one object per line) or pretty (human-readable)',
    parse: oneOf(LOG_FORMATS),
    at: 'log.format',
  }),
  PIPELINE_MODE: entry({
    default: 'optimized',
    description:
      'optimized (coalescing and bulk calls) or naive (one event and one request at a time: the benchmark baseline)',
    parse: oneOf(PIPELINE_MODES),
    at: 'pipeline.mode',
  }),
  PIPELINE_PARTITIONS_CONCURRENTLY: entry({
    default: '8',
    description:
      'Partitions this instance processes at once: each contributes its lanes to the bulk jobs, and 30 job slots of 100 users need about 3,000 users in flight',
    parse: int(1, 1000),
    at: 'pipeline.partitionsConcurrently',
  }),
  PIPELINE_LANES_PER_PARTITION: entry({
    default: '4000',
    description:
      "Distinct keys (users) in flight per partition: cheap waiting promises that fill bulk jobs; Zendesk requests are limited by the client. At least a partition's half of PIPELINE_MAX_IN_FLIGHT_EVENTS, or fetched events wait for a lane",
    parse: int(1, 100_000),
    at: 'pipeline.lanesPerPartition',
  }),
  KAFKA_FETCH_MAX_BYTES_PER_PARTITION: entry({
    default: '524288',
    description:
      'Largest fetch per partition (bytes): bounds what a backlog holds in memory, and how many users one batch can put in flight',
    parse: int(16_384, 64 * 1024 * 1024),
    at: 'pipeline.fetchMaxBytesPerPartition',
  }),
  PIPELINE_MAX_IN_FLIGHT_EVENTS: entry({
    default: '8000',
    description:
      'Events fetched ahead of Zendesk and not yet settled; fetching pauses there (half per partition)',
    parse: int(2, 10_000_000),
    at: 'pipeline.maxInFlightEvents',
  }),
  PIPELINE_MAX_IN_FLIGHT_BYTES: entry({
    default: '16777216',
    description: 'Bytes (Kafka keys and values) fetched ahead and not yet settled (half per partition)',
    parse: int(32_768, 2 ** 32),
    at: 'pipeline.maxInFlightBytes',
  }),
  SHUTDOWN_TIMEOUT_MS: entry({
    default: '30000',
    description: 'How long SIGTERM/SIGINT may drain in-flight work before exiting',
    parse: int(0, 3_600_000),
    at: 'shutdownTimeoutMs',
  }),
  STALL_EXIT_AFTER_MS: entry({
    default: '300000',
    description:
      'A partition with lag that makes no progress (and is not paused by an outage) for this long ends the process with exit 1, for the orchestrator to restart it',
    parse: int(10_000, 86_400_000),
    at: 'stallExitMs',
  }),
};

export type SettingName = keyof typeof TABLE;
type Table = typeof TABLE;
type Out<K extends SettingName> = z.output<Table[K]['parse']>;
/** A placed setting without a default may be unset: its field is then undefined. */
type Placed<K extends SettingName> = Table[K]['default'] extends null ? Out<K> | undefined : Out<K>;

/** Each setting's parsed value; absent when unset without a default, or when it failed to parse. */
export type Parsed = { [K in SettingName]?: Out<K> };

type At<K extends SettingName> = Exclude<Table[K]['at'], undefined>;
type FieldIn<A, S extends string> = A extends `${S}.${infer F}` ? F : never;
type TopField<A> = A extends `${string}.${string}` ? never : A extends string ? A : never;

/** The fields of one `Config` section that come straight from the table (`at: 'section.field'`). */
export type SectionOf<S extends string> = { -readonly [K in SettingName as FieldIn<At<K>, S>]: Placed<K> };

/** The top-level `Config` fields that come straight from the table (`at` without a dot). */
export type TopLevelFields = { -readonly [K in SettingName as TopField<At<K>>]: Placed<K> };

export const SETTINGS: readonly Setting[] = Object.freeze(
  Object.entries(TABLE).map(([name, e]) =>
    Object.freeze({ name, default: e.default, description: e.description, secret: e.secret ?? false }),
  ),
);

export const SETTING_NAMES = Object.keys(TABLE) as SettingName[];

export const parserOf = (name: SettingName): Parser<unknown> => TABLE[name].parse as Parser<unknown>;
