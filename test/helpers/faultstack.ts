/**
 * A second, private Kafka broker + registry for the fault tests that stop and restart them, so the shared
 * stack other test files use is never disturbed. Same jars, own ports, own data under .stack/fault.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './cli.js';

const run = promisify(execFile);

export const FAULT_STACK = {
  brokers: '127.0.0.1:19092',
  registry: 'http://127.0.0.1:18081/apis/ccompat/v7',
};

const env = {
  ...process.env,
  STACK_DIR: `${ROOT}/.stack/fault`,
  STACK_KAFKA_PORT: '19092',
  STACK_KAFKA_CONTROLLER_PORT: '19093',
  STACK_KAFKA_SASL_PORT: '19094',
  STACK_REGISTRY_PORT: '18081',
  KAFKA_BROKERS: FAULT_STACK.brokers,
  SCHEMA_REGISTRY_URL: FAULT_STACK.registry,
  KAFKA_TOPIC: 'fault-events',
  KAFKA_PARTITIONS: '3',
};

export async function faultStack(
  action: 'up' | 'down',
  what: 'all' | 'kafka' | 'registry' = 'all',
): Promise<void> {
  await run('bash', [`${ROOT}/scripts/stack.sh`, action, what], { env, timeout: 120_000 });
}
