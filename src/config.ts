/**
 * Every setting of the service (SPEC section 6 plus tuning knobs), read from the environment once,
 * validated, and turned into one nested, frozen `Config`. The parts, one job each:
 * - `config/settings.ts`: the table, one declarative entry per variable (the README, the deployment
 *   checks and the plain `Config` fields follow from it);
 * - `config/parsers.ts`: the value parsers; `config/read.ts`: the environment, `_FILE` variants and
 *   the one-line `ConfigError`;
 * - `config/rules.ts`: what several settings decide together (credentials, SASL, URLs);
 * - `config/shape.ts`: the `Config` type; `config/describe.ts`: the secrets for the redactor and
 *   the loggable summary.
 */
import * as fs from 'node:fs';
import type { Config, KafkaSideConfig } from './config/shape.js';
import {
  ConfigError,
  parseAll,
  Problems,
  readRaw,
  unknownVariables,
  type Env,
  type ReadFile,
} from './config/read.js';
import { pickAuth, pickBaseUrl, pickDlqTopic, pickKafkaTls, pickRegistry, pickSasl } from './config/rules.js';
import {
  TABLE,
  type Parsed,
  type SectionOf,
  type SettingName,
  type TopLevelFields,
} from './config/settings.js';

export { ConfigError, type ConfigProblem, type Env, type ReadFile } from './config/read.js';
export {
  SETTINGS,
  type LogFormat,
  type LogLevel,
  type SaslMechanism,
  type Setting,
} from './config/settings.js';
export { describeConfig, secretsOf } from './config/describe.js';
export type { ZendeskAuth } from './zendesk/auth.js';
export type { Config, KafkaSideConfig } from './config/shape.js';

/** Reads, validates and returns every setting, or throws one `ConfigError` listing every problem. */
export function loadConfig(env: Env = process.env, readFile: ReadFile = fs.readFileSync): Config {
  return build(env, readFile, true);
}

export function loadKafkaConfig(
  env: Env = process.env,
  readFile: ReadFile = fs.readFileSync,
): KafkaSideConfig {
  const { kafka, schemaRegistry } = build(env, readFile, false);
  return { kafka, schemaRegistry };
}

/** Every setting but Zendesk's URL and credentials (`explain --offline`: plans need no Zendesk). */
export function loadConfigWithoutZendesk(
  env: Env = process.env,
  readFile: ReadFile = fs.readFileSync,
): Omit<Config, 'zendesk'> {
  return build(env, readFile, false);
}

/** With `withZendesk` false the Zendesk URL and credentials are neither required nor checked (and left unset). */
function build(env: Env, readFile: ReadFile, withZendesk: boolean): Config {
  const problems = new Problems();
  const warnings: string[] = [];
  const p = parseAll(readRaw(env, readFile, problems), problems);

  const dlqTopic = pickDlqTopic(p, problems);
  const sasl = pickSasl(p, problems, warnings);
  const tls = pickKafkaTls(p, readFile, problems);
  const schemaRegistry = pickRegistry(p, readFile, problems);
  const baseUrl = withZendesk ? pickBaseUrl(p, problems, warnings) : undefined;
  const auth = withZendesk ? pickAuth(p, problems, warnings) : undefined;
  warnings.push(...unknownVariables(env));

  if (problems.list.length) throw new ConfigError(problems.list);

  // Plain values come from the table (a default, or typed optional); the others were checked above.
  const plain = placed(p);
  const config = {
    ...plain.top,
    kafka: { ...plain.kafka, dlqTopic: dlqTopic!, ...(sasl ? { sasl } : {}), ...(tls ? { tls } : {}) },
    schemaRegistry,
    zendesk: { baseUrl: baseUrl!, auth: auth!, ...plain.zendesk },
    destination: plain.destination,
    http: plain.http,
    log: plain.log,
    pipeline: plain.pipeline,
    warnings,
  };
  return deepFreeze(config);
}

interface Placed {
  top: TopLevelFields;
  kafka: SectionOf<'kafka'>;
  zendesk: SectionOf<'zendesk'>;
  destination: SectionOf<'destination'>;
  http: SectionOf<'http'>;
  log: SectionOf<'log'>;
  pipeline: SectionOf<'pipeline'>;
}

/**
 * The parsed values that go into `Config` as they are, placed by their table entry's `at`: the
 * same `at` that gives `SectionOf` its fields, so the cast only restates what the table says.
 */
function placed(p: Parsed): Placed {
  const out: Record<string, Record<string, unknown>> = { top: {} };
  for (const [name, { at }] of Object.entries(TABLE) as [SettingName, { at?: string }][]) {
    if (at === undefined) continue;
    const [section, field] = at.includes('.') ? at.split('.', 2) : ['top', at];
    (out[section!] ??= {})[field!] = p[name];
  }
  return out as unknown as Placed;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
