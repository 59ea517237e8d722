import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  SETTINGS,
  describeConfig,
  loadConfig,
  secretsOf,
  type Env,
  type ReadFile,
} from '../../../src/config.js';

/** The least a valid environment needs. */
const MIN: Env = { ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN: 'oauth-token-123' };

const noFiles: ReadFile = () => {
  throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
};
const load = (env: Env, readFile: ReadFile = noFiles) => loadConfig(env, readFile);

function configError(env: Env, readFile: ReadFile = noFiles): ConfigError {
  try {
    load(env, readFile);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('defaults (SPEC section 6)', () => {
  it('fills every default from a minimal environment', () => {
    const c = load(MIN);
    expect(c.kafka).toEqual({
      brokers: ['127.0.0.1:9092'],
      topic: 'segment-events',
      groupId: 'zendesk-destination',
      dlqTopic: 'segment-events.dlq',
      fromBeginning: true,
      ssl: false,
      partitions: 6,
      createTopics: false,
      clientId: 'zendesk-destination',
    });
    expect(c.schemaRegistry).toEqual({ url: 'http://127.0.0.1:8081', timeoutMs: 10_000 });
    expect(c.zendesk).toEqual({
      baseUrl: 'https://acme.zendesk.com',
      auth: { kind: 'bearer', token: 'oauth-token-123' },
      concurrency: 8,
      requestTimeoutMs: 15000,
      maxRetryTimeMs: 60000,
      ratePerMinute: 200,
      timeScale: 1,
    });
    expect(c.destination).toEqual({
      trackEvents: [],
      createUsersAsVerified: false,
      sendGroupCallsWithoutUserId: false,
      removeUsersFromOrganization: false,
      allowOrganizationDeletes: false,
      eventSource: 'segment',
      eventsMonthlyAllowance: 750000,
    });
    expect(c.http).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(c.log).toEqual({ level: 'info', format: 'json' });
    expect(c.shutdownTimeoutMs).toBe(30000);
    expect(c.stallExitMs).toBe(300_000);
    expect(c.warnings).toEqual([]);
  });

  it('lists every SPEC variable and the tuning ones in SETTINGS, each described, secrets flagged', () => {
    const names = SETTINGS.map((s) => s.name);
    for (const n of [
      'KAFKA_BROKERS',
      'KAFKA_TOPIC',
      'KAFKA_GROUP_ID',
      'KAFKA_DLQ_TOPIC',
      'KAFKA_FROM_BEGINNING',
      'KAFKA_CREATE_TOPICS',
      'STALL_EXIT_AFTER_MS',
      'KAFKA_SSL',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'SCHEMA_REGISTRY_URL',
      'SCHEMA_REGISTRY_USERNAME',
      'SCHEMA_REGISTRY_PASSWORD',
      'ZENDESK_SUBDOMAIN',
      'ZENDESK_URL',
      'ZENDESK_OAUTH_TOKEN',
      'ZENDESK_OAUTH_CLIENT_ID',
      'ZENDESK_OAUTH_CLIENT_SECRET',
      'ZENDESK_EMAIL',
      'ZENDESK_API_TOKEN',
      'ZENDESK_PASSWORD',
      'ZENDESK_TRACK_EVENTS',
      'ZENDESK_CREATE_USERS_AS_VERIFIED',
      'ZENDESK_SEND_GROUP_CALLS_WITHOUT_USER_ID',
      'ZENDESK_REMOVE_USERS_FROM_ORGANIZATION',
      'ZENDESK_ALLOW_ORGANIZATION_DELETES',
      'ZENDESK_EVENT_SOURCE',
      'HTTP_PORT',
      'LOG_LEVEL',
      'KAFKA_PARTITIONS',
      'KAFKA_CLIENT_ID',
      'ZENDESK_CONCURRENCY',
      'ZENDESK_REQUEST_TIMEOUT_MS',
      'ZENDESK_MAX_RETRY_TIME_MS',
      'ZENDESK_RATE_LIMIT_PER_MINUTE',
      'ZENDESK_TIME_SCALE',
      'SHUTDOWN_TIMEOUT_MS',
      'LOG_FORMAT',
    ]) {
      expect(names).toContain(n);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const s of SETTINGS) expect(s.description.length).toBeGreaterThan(10);
    expect(SETTINGS.filter((s) => s.secret).map((s) => s.name)).toEqual([
      'KAFKA_SSL_KEY_PASSWORD',
      'KAFKA_SASL_PASSWORD',
      'SCHEMA_REGISTRY_PASSWORD',
      'ZENDESK_OAUTH_TOKEN',
      'ZENDESK_OAUTH_CLIENT_SECRET',
      'ZENDESK_API_TOKEN',
      'ZENDESK_PASSWORD',
    ]);
  });

  it('reads every documented default as if it had been set explicitly', () => {
    const explicit: Env = { ...MIN };
    for (const s of SETTINGS) if (s.default !== null) explicit[s.name] = s.default;
    expect(load(explicit)).toEqual(load(MIN));
  });

  it('returns a frozen config', () => {
    const c = load(MIN);
    expect(Object.isFrozen(c.kafka.brokers)).toBe(true);
    expect(Object.isFrozen(c.zendesk.auth)).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(load({ ...MIN, KAFKA_TOPIC: '', LOG_LEVEL: '  ' }).kafka.topic).toBe('segment-events');
  });
});

describe('parsing values', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['Yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('boolean %s → %s', (raw, value) => {
    expect(
      load({ ...MIN, ZENDESK_ALLOW_ORGANIZATION_DELETES: raw }).destination.allowOrganizationDeletes,
    ).toBe(value);
  });

  it.each(['maybe', 'on', '2', 'tru'])('refuses boolean %s naming the variable', (raw) => {
    const e = configError({ ...MIN, KAFKA_SSL: raw });
    expect(e.variable).toBe('KAFKA_SSL');
    expect(e.message).toMatch(/^KAFKA_SSL: expected true\/false/);
  });

  it('splits comma lists, trimming and dropping empties and duplicates', () => {
    const c = load({
      ...MIN,
      KAFKA_BROKERS: ' b1:9092, b2:9093 ,,',
      ZENDESK_TRACK_EVENTS: 'Order Completed, Signed Up,,Order Completed',
    });
    expect(c.kafka.brokers).toEqual(['b1:9092', 'b2:9093']);
    expect(c.destination.trackEvents).toEqual(['Order Completed', 'Signed Up']);
  });

  it('ZENDESK_EVENTS_MONTHLY_ALLOWANCE: a plan figure is taken; 0, negative or fractional is refused', () => {
    expect(
      load({ ...MIN, ZENDESK_EVENTS_MONTHLY_ALLOWANCE: '3000000' }).destination.eventsMonthlyAllowance,
    ).toBe(3_000_000);
    for (const raw of ['0', '-5', '1.5', 'lots'])
      expect(configError({ ...MIN, ZENDESK_EVENTS_MONTHLY_ALLOWANCE: raw }).variable).toBe(
        'ZENDESK_EVENTS_MONTHLY_ALLOWANCE',
      );
  });

  it.each(['localhost', 'b1:0', 'b1:99999', 'http://b1:9092', ',,'])('refuses broker list %j', (raw) => {
    expect(configError({ ...MIN, KAFKA_BROKERS: raw }).variable).toBe('KAFKA_BROKERS');
  });

  it.each([
    ['KAFKA_PARTITIONS', '0'],
    ['KAFKA_PARTITIONS', '1.5'],
    ['KAFKA_PARTITIONS', 'six'],
    ['ZENDESK_CONCURRENCY', '-1'],
    ['HTTP_PORT', '70000'],
    ['ZENDESK_TIME_SCALE', '0'],
    ['ZENDESK_TIME_SCALE', 'fast'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['KAFKA_SASL_MECHANISM', 'gssapi'],
    ['KAFKA_TOPIC', 'has space'],
    ['KAFKA_DLQ_TOPIC', '..'],
    ['ZENDESK_EVENT_SOURCE', 'Zendesk'],
    ['ZENDESK_EMAIL', 'not-an-email'],
  ])('refuses %s=%j naming it', (name, raw) => {
    const env: Env = { ...MIN, [name]: raw };
    if (name === 'ZENDESK_EMAIL')
      Object.assign(env, { ZENDESK_OAUTH_TOKEN: undefined, ZENDESK_API_TOKEN: 'tok-12345' });
    const e = configError(env);
    expect(e.variable).toBe(name);
    expect(e.message.startsWith(`${name}: `)).toBe(true);
  });

  it('accepts tuning values', () => {
    const c = load({
      ...MIN,
      ZENDESK_TIME_SCALE: '60',
      ZENDESK_CONCURRENCY: '32',
      LOG_FORMAT: 'pretty',
      LOG_LEVEL: 'DEBUG',
      HTTP_PORT: '0',
    });
    expect([c.zendesk.timeScale, c.zendesk.concurrency, c.log.format, c.log.level, c.http.port]).toEqual([
      60,
      32,
      'pretty',
      'debug',
      0,
    ]);
  });

  it('refuses a dead-letter topic equal to the source topic (it would loop)', () => {
    expect(configError({ ...MIN, KAFKA_TOPIC: 't', KAFKA_DLQ_TOPIC: 't' }).variable).toBe('KAFKA_DLQ_TOPIC');
    expect(load({ ...MIN, KAFKA_TOPIC: 't' }).kafka.dlqTopic).toBe('t.dlq');
  });
});

describe('ZENDESK_SUBDOMAIN and ZENDESK_URL', () => {
  it.each([
    ['acme', 'https://acme.zendesk.com'],
    ['acme-eu', 'https://acme-eu.zendesk.com'],
    ['ACME2', 'https://acme2.zendesk.com'],
    ['a', 'https://a.zendesk.com'],
  ])('accepts %s', (sub, url) => {
    expect(load({ ...MIN, ZENDESK_SUBDOMAIN: sub }).zendesk.baseUrl).toBe(url);
  });

  it.each([
    'evil.com/',
    'a@b',
    'x:1',
    'a.b',
    'acme.zendesk.com',
    '-acme',
    'acme-',
    'a/b',
    'a b',
    'https://acme',
    'a#b',
    'a?b',
    'é',
  ])('refuses %j', (sub) => {
    const e = configError({ ...MIN, ZENDESK_SUBDOMAIN: sub });
    expect(e.problems).toHaveLength(1);
    expect(e.variable).toBe('ZENDESK_SUBDOMAIN');
  });

  it('never yields a base URL whose host is not <label>.zendesk.com', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (sub) => {
        let baseUrl: string;
        try {
          baseUrl = load({ ...MIN, ZENDESK_SUBDOMAIN: sub }).zendesk.baseUrl;
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          return;
        }
        const u = new URL(baseUrl);
        expect(u.protocol).toBe('https:');
        expect(u.host).toMatch(/^[a-z0-9-]+\.zendesk\.com$/);
        expect(u.pathname).toBe('/');
        expect(u.username + u.password).toBe('');
      }),
      { numRuns: 500 },
    );
  });

  it('requires the subdomain unless ZENDESK_URL is set', () => {
    const e = configError({ ZENDESK_OAUTH_TOKEN: 't-1234' });
    expect(e.variable).toBe('ZENDESK_SUBDOMAIN');
    expect(e.message).toMatch(/required/);
    const c = load({ ZENDESK_OAUTH_TOKEN: 't-1234', ZENDESK_URL: 'http://127.0.0.1:4010/' });
    expect(c.zendesk.baseUrl).toBe('http://127.0.0.1:4010');
    expect(c.warnings).toEqual([]);
  });

  it('lets ZENDESK_URL override the subdomain', () => {
    expect(load({ ...MIN, ZENDESK_URL: 'https://sandbox.example:8443' }).zendesk.baseUrl).toBe(
      'https://sandbox.example:8443',
    );
  });

  it('warns about plain http to a non-loopback host', () => {
    expect(load({ ...MIN, ZENDESK_URL: 'http://sandbox.internal' }).warnings.join('\n')).toMatch(
      /ZENDESK_URL uses plain http/,
    );
  });

  it.each([
    'https://user:pw@acme.zendesk.com',
    'https://acme.zendesk.com/api/v2',
    'https://acme.zendesk.com/?x=1',
    'ftp://acme.zendesk.com',
    'acme.zendesk.com',
    'not a url',
  ])('refuses ZENDESK_URL %j without echoing it', (url) => {
    const e = configError({ ...MIN, ZENDESK_URL: url });
    expect(e.variable).toBe('ZENDESK_URL');
    expect(e.message).not.toContain(url);
    expect(e.message).not.toContain('pw');
  });

  it('keeps a schema registry path (Apicurio ccompat) and refuses credentials in its URL', () => {
    expect(
      load({ ...MIN, SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7/' }).schemaRegistry.url,
    ).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(configError({ ...MIN, SCHEMA_REGISTRY_URL: 'http://u:secretpw@reg:8081' }).message).not.toContain(
      'secretpw',
    );
  });
});

describe('authentication (SPEC order of preference)', () => {
  const base: Env = { ZENDESK_SUBDOMAIN: 'acme' };
  const all: Env = {
    ...base,
    ZENDESK_OAUTH_TOKEN: 'bearer-tok',
    ZENDESK_OAUTH_CLIENT_ID: 'client-1',
    ZENDESK_OAUTH_CLIENT_SECRET: 'client-secret',
    ZENDESK_EMAIL: 'agent@example.com',
    ZENDESK_API_TOKEN: 'api-tok',
    ZENDESK_PASSWORD: 'pass-word',
  };

  it('prefers the OAuth token, then client credentials, then API token, then password', () => {
    expect(load(all).zendesk.auth).toEqual({ kind: 'bearer', token: 'bearer-tok' });
    expect(load({ ...all, ZENDESK_OAUTH_TOKEN: undefined }).zendesk.auth).toEqual({
      kind: 'oauth-client',
      clientId: 'client-1',
      clientSecret: 'client-secret',
    });
    const noOauth = {
      ...all,
      ZENDESK_OAUTH_TOKEN: undefined,
      ZENDESK_OAUTH_CLIENT_ID: undefined,
      ZENDESK_OAUTH_CLIENT_SECRET: undefined,
    };
    expect(load(noOauth).zendesk.auth).toEqual({
      kind: 'api-token',
      email: 'agent@example.com',
      token: 'api-tok',
    });
    expect(load({ ...noOauth, ZENDESK_API_TOKEN: undefined }).zendesk.auth).toEqual({
      kind: 'password',
      email: 'agent@example.com',
      password: 'pass-word',
    });
  });

  it('says which lower-preference credentials it ignores', () => {
    expect(load(all).warnings[0]).toMatch(
      /ZENDESK_OAUTH_CLIENT_ID, ZENDESK_OAUTH_CLIENT_SECRET, ZENDESK_API_TOKEN, ZENDESK_PASSWORD ignored/,
    );
  });

  it('warns that API tokens retire on 2027-04-30 and that passwords are switched off', () => {
    const api = load({ ...base, ZENDESK_EMAIL: 'a@example.com', ZENDESK_API_TOKEN: 'tok-1' });
    expect(api.warnings.some((w) => w.includes('2027-04-30'))).toBe(true);
    const pw = load({ ...base, ZENDESK_EMAIL: 'a@example.com', ZENDESK_PASSWORD: 'pw-1' });
    expect(pw.warnings.some((w) => /password authentication off/.test(w))).toBe(true);
    expect(load(MIN).warnings).toEqual([]);
  });

  it('ZENDESK_EMAIL written as Segment users write it (agent@example.com/token) with an API token: no doubled /token', () => {
    const c = load({ ...base, ZENDESK_EMAIL: 'agent@example.com/token', ZENDESK_API_TOKEN: 'tok-1' });
    expect(c.zendesk.auth).toEqual({ kind: 'api-token', email: 'agent@example.com', token: 'tok-1' });
    expect(secretsOf(c)).toContain(Buffer.from('agent@example.com/token:tok-1').toString('base64'));
    expect(
      load({ ...base, ZENDESK_EMAIL: 'agent@example.com/TOKEN', ZENDESK_API_TOKEN: 't' }).zendesk.auth,
    ).toMatchObject({
      email: 'agent@example.com',
    });
  });

  it('ZENDESK_EMAIL ending in /token with ZENDESK_PASSWORD is token authentication, warned as such', () => {
    const c = load({ ...base, ZENDESK_EMAIL: 'agent@example.com/token', ZENDESK_PASSWORD: 'tok-2' });
    expect(c.zendesk.auth).toEqual({ kind: 'api-token', email: 'agent@example.com', token: 'tok-2' });
    expect(c.warnings.some((w) => w.includes('2027-04-30'))).toBe(true);
    expect(
      c.warnings.some((w) => /password/i.test(w) && /switched.*off|off/i.test(w) && !/token/i.test(w)),
    ).toBe(false);
    expect(c.warnings.join(' ')).not.toMatch(/tok-2|agent@example\.com/);
  });

  it('an email that is not an address once /token is taken off is refused', () => {
    expect(configError({ ...base, ZENDESK_EMAIL: 'nobody/token', ZENDESK_API_TOKEN: 't' }).variable).toBe(
      'ZENDESK_EMAIL',
    );
  });

  it.each<[Env, string]>([
    [{}, 'ZENDESK_OAUTH_TOKEN'],
    [{ ZENDESK_OAUTH_CLIENT_ID: 'c' }, 'ZENDESK_OAUTH_CLIENT_SECRET'],
    [{ ZENDESK_OAUTH_CLIENT_SECRET: 's' }, 'ZENDESK_OAUTH_CLIENT_ID'],
    [{ ZENDESK_API_TOKEN: 't' }, 'ZENDESK_EMAIL'],
    [{ ZENDESK_PASSWORD: 'p' }, 'ZENDESK_EMAIL'],
    [{ ZENDESK_EMAIL: 'a@example.com' }, 'ZENDESK_API_TOKEN'],
  ])('refuses incomplete credentials %j naming %s', (env, variable) => {
    expect(configError({ ...base, ...env }).variable).toBe(variable);
  });
});

describe('Kafka SASL and schema registry credentials', () => {
  it('builds SASL from all three settings and warns about plain without TLS', () => {
    const c = load({
      ...MIN,
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 'kpw-123',
    });
    expect(c.kafka.sasl).toEqual({ mechanism: 'plain', username: 'svc', password: 'kpw-123' });
    expect(c.warnings.join()).toMatch(/unencrypted/);
    const tls = load({
      ...MIN,
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 'kpw',
    });
    expect(tls.warnings).toEqual([]);
  });

  it('refuses a partial SASL setup, naming every missing piece', () => {
    const e = configError({ ...MIN, KAFKA_SASL_USERNAME: 'svc' });
    expect(e.problems.map((p) => p.variable)).toEqual(['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_PASSWORD']);
  });

  it('needs registry user name and password together', () => {
    expect(configError({ ...MIN, SCHEMA_REGISTRY_USERNAME: 'u' }).variable).toBe('SCHEMA_REGISTRY_PASSWORD');
    expect(configError({ ...MIN, SCHEMA_REGISTRY_PASSWORD: 'p' }).variable).toBe('SCHEMA_REGISTRY_USERNAME');
    expect(
      load({ ...MIN, SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'regpw' }).schemaRegistry,
    ).toEqual({
      url: 'http://127.0.0.1:8081',
      timeoutMs: 10_000,
      username: 'u',
      password: 'regpw',
    });
  });
});

describe('<NAME>_FILE', () => {
  const files = (map: Record<string, string>): ReadFile => {
    return (path) => {
      const content = map[path];
      if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return content;
    };
  };

  it('reads any variable from a file, trimmed', () => {
    const c = load(
      {
        ZENDESK_SUBDOMAIN_FILE: '/s/sub',
        ZENDESK_OAUTH_TOKEN_FILE: '/s/token',
        KAFKA_PARTITIONS_FILE: '/s/parts',
      },
      files({ '/s/sub': 'acme\n', '/s/token': '  tok-from-file\n', '/s/parts': '12\n' }),
    );
    expect(c.zendesk.baseUrl).toBe('https://acme.zendesk.com');
    expect(c.zendesk.auth).toEqual({ kind: 'bearer', token: 'tok-from-file' });
    expect(c.kafka.partitions).toBe(12);
  });

  it('refuses both the variable and its file', () => {
    const e = configError({ ...MIN, ZENDESK_OAUTH_TOKEN_FILE: '/s/token' }, files({ '/s/token': 'x' }));
    expect(e.variable).toBe('ZENDESK_OAUTH_TOKEN');
    expect(e.message).toMatch(/both ZENDESK_OAUTH_TOKEN and ZENDESK_OAUTH_TOKEN_FILE/);
  });

  it('names the _FILE variable when the file is missing or empty', () => {
    const missing = configError({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN_FILE: '/nope' }, files({}));
    expect(missing.variable).toBe('ZENDESK_OAUTH_TOKEN_FILE');
    expect(missing.message).toMatch(/ENOENT/);
    const empty = configError(
      { ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN_FILE: '/e' },
      files({ '/e': ' \n' }),
    );
    expect(empty.message).toBe('ZENDESK_OAUTH_TOKEN_FILE: the file is empty');
  });

  it('uses the real file system by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
    try {
      writeFileSync(join(dir, 'port'), '12345\n');
      expect(loadConfig({ ...MIN, HTTP_PORT_FILE: join(dir, 'port') }).http.port).toBe(12345);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('errors and warnings', () => {
  it('gives one message per mistake, not follow-up complaints about what it implies', () => {
    const email = configError({
      ZENDESK_SUBDOMAIN: 'acme',
      ZENDESK_EMAIL: 'nope',
      ZENDESK_API_TOKEN: 'tok-1',
    });
    expect(email.problems).toEqual([
      { variable: 'ZENDESK_EMAIL', problem: 'expected an email address (optionally followed by /token)' },
    ]);
    const url = configError({ ZENDESK_OAUTH_TOKEN: 'tok-1', ZENDESK_URL: 'ftp://x' });
    expect(url.problems.map((p) => p.variable)).toEqual(['ZENDESK_URL']);
    const sasl = configError({
      ...MIN,
      KAFKA_SASL_MECHANISM: 'gssapi',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(sasl.problems.map((p) => p.variable)).toEqual(['KAFKA_SASL_MECHANISM']);
  });

  it('reports every problem on one line', () => {
    const e = configError({ KAFKA_PARTITIONS: 'x', LOG_FORMAT: 'xml\nINJECTED' });
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.problems.map((p) => p.variable)).toEqual([
      'KAFKA_PARTITIONS',
      'LOG_FORMAT',
      'ZENDESK_SUBDOMAIN',
      'ZENDESK_OAUTH_TOKEN',
    ]);
    expect(e.message.split('; ')).toHaveLength(4);
  });

  it('never echoes a value, whatever variable it was put in', () => {
    const names = SETTINGS.map((s) => s.name);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.string({ minLength: 6, maxLength: 40 }).map((s) => `Zq${s}.@/:`),
        (name, value) => {
          let message = '';
          try {
            // The value is malformed for most settings; where it is accepted, another error is forced.
            load({ ...MIN, [name]: value, KAFKA_PARTITIONS: name === 'KAFKA_PARTITIONS' ? value : 'bad' });
          } catch (e) {
            message = (e as Error).message;
          }
          expect(message).not.toBe('');
          expect(message).not.toContain(value);
          expect(message).not.toContain(value.trim());
          expect(message).not.toMatch(/[\r\n]/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('warns about unknown variables with our prefixes (typos), not about others', () => {
    const c = load({ ...MIN, ZENDESK_OAUTH_TOKNE: 'x', KAFKA_TOPIC_FILE: '', PATH: '/bin' });
    expect(c.warnings).toEqual([
      'ZENDESK_OAUTH_TOKNE is not a setting of this service (a typo?); it is ignored',
    ]);
  });
});

describe('secretsOf and describeConfig', () => {
  const full: Env = {
    ZENDESK_SUBDOMAIN: 'acme',
    ZENDESK_EMAIL: 'agent@example.com',
    ZENDESK_API_TOKEN: 'api-token-value',
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: 'svc',
    KAFKA_SASL_PASSWORD: 'kafka-pass-value',
    KAFKA_SSL: 'yes',
    SCHEMA_REGISTRY_USERNAME: 'reg',
    SCHEMA_REGISTRY_PASSWORD: 'registry-pass-value',
  };

  it('lists every secret, and the Basic encodings made from them', () => {
    const secrets = secretsOf(load(full));
    expect(secrets).toEqual(
      expect.arrayContaining([
        'api-token-value',
        'kafka-pass-value',
        'registry-pass-value',
        Buffer.from('agent@example.com/token:api-token-value').toString('base64'),
        Buffer.from('reg:registry-pass-value').toString('base64'),
      ]),
    );
    expect(secretsOf(load({ ...MIN, ZENDESK_OAUTH_TOKEN: 'only-token' }))).toEqual(['only-token']);
    expect(
      secretsOf(
        load({
          ZENDESK_SUBDOMAIN: 'a',
          ZENDESK_OAUTH_CLIENT_ID: 'cid',
          ZENDESK_OAUTH_CLIENT_SECRET: 'csecret',
        }),
      ),
    ).toContain('csecret');
    expect(
      secretsOf(
        load({ ZENDESK_SUBDOMAIN: 'a', ZENDESK_EMAIL: 'a@example.com', ZENDESK_PASSWORD: 'pw-value' }),
      ),
    ).toContain('pw-value');
  });

  it('masks user names that are email addresses (Confluent Cloud, some registries)', () => {
    const c = load({
      ...full,
      KAFKA_SASL_USERNAME: 'svc@corp.example',
      SCHEMA_REGISTRY_USERNAME: 'reg@corp.example',
    });
    expect(JSON.stringify(describeConfig(c))).not.toContain('corp.example');
  });

  it('describes the config with no secret and no email in it', () => {
    const c = load(full);
    const text = JSON.stringify(describeConfig(c));
    for (const s of secretsOf(c)) expect(text).not.toContain(s);
    expect(text).not.toContain('agent@example.com');
    expect(text).not.toContain('example.com');
    expect(describeConfig(c)).toMatchObject({
      kafka: {
        topic: 'segment-events',
        sasl: { mechanism: 'scram-sha-256', username: 'svc', password: '***' },
      },
      zendesk: {
        baseUrl: 'https://acme.zendesk.com',
        auth: { kind: 'api-token', email: '***@***', token: '***' },
      },
      schemaRegistry: { username: 'reg', password: '***' },
    });
  });
});

describe('lanes and the in-flight bound', () => {
  it('by default a partition runs every event it may hold in flight: none waits for a lane', () => {
    // Distinct users each take a lane: with fewer lanes than a partition's share of the bound, events
    // fetched wait behind the lanes while Zendesk has free job slots (the ceiling run's tail).
    const c = load(MIN);
    expect(c.pipeline.lanesPerPartition).toBeGreaterThanOrEqual(Math.floor(c.pipeline.maxInFlightEvents / 2));
  });
});
