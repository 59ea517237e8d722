/**
 * A second, private Kafka broker + registry for the fault tests that stop and restart them, so the shared
 * stack other test files use is never disturbed. Same jars, own ports, own data under .stack/fault.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './cli.js';

const run = promisify(execFile);

// Ports of their own (overridable, so two checkouts on one machine can each run the fault suite).
const PORT_BASE = Number(process.env.FAULT_STACK_PORT_BASE ?? 39_000);
const port = (n: number) => String(PORT_BASE + n);

export const FAULT_STACK = {
  brokers: `127.0.0.1:${port(92)}`,
  registry: `http://127.0.0.1:${port(81)}/apis/ccompat/v7`,
};

const env = {
  ...process.env,
  STACK_DIR: `${ROOT}/.stack/fault`,
  STACK_KAFKA_PORT: port(92),
  STACK_KAFKA_CONTROLLER_PORT: port(93),
  STACK_KAFKA_SASL_PORT: port(94),
  STACK_KAFKA_SSL_PORT: port(95),
  STACK_KAFKA_MTLS_PORT: port(96),
  STACK_KAFKA_SASL_SSL_PORT: port(97),
  STACK_REGISTRY_PORT: port(81),
  KAFKA_BROKERS: FAULT_STACK.brokers,
  SCHEMA_REGISTRY_URL: FAULT_STACK.registry,
  KAFKA_TOPIC: 'fault-events',
  KAFKA_PARTITIONS: '3',
  // C1-only JVMs: a broker restart ~10 s sooner (scripts/stack.sh)
  STACK_JVM_FAST_START: '1',
  // stack.sh's own wait for readiness, within the start's 230 s
  STACK_TIMEOUT_SECONDS: '200',
};

/**
 * `more`: extra settings of scripts/stack.sh for this start (e.g. STACK_KAFKA_OFFSET_METADATA_MAX_BYTES);
 * the broker's configuration is written anew at each start, so the next start without them undoes them.
 */
export async function faultStack(
  action: 'up' | 'down',
  what: 'all' | 'kafka' | 'registry' = 'all',
  more: Record<string, string> = {},
): Promise<void> {
  await run('bash', [`${ROOT}/scripts/stack.sh`, action, what], {
    env: { ...env, ...more },
    // a first start on a busy 2-core machine (format, two JVMs, the registry's topic) can take minutes
    timeout: action === 'up' ? 230_000 : 120_000,
  });
}
