/**
 * Demo orchestration (called by scripts/demo.sh once the stack is up): a fresh topic, the sandbox, the
 * real `zendesk-destination run` process, `produce examples/events.jsonl`, wait until every event has an
 * outcome (read from the service's own /metrics), SIGTERM, then a summary of the sandbox and the DLQ.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { startSandbox } from '../src/sandbox/index.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topic = `demo-${Date.now()}`;
const file = process.argv[2] ?? 'examples/events.jsonl';
const events = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim()).length;
const metricsPort = 19464;
const say = (s: string) => process.stdout.write(`${s}\n`);

const kafka = new Kafka({ brokers, clientId: 'demo', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  topics: [topic, `${topic}.dlq`].map((t) => ({ topic: t, numPartitions: 3, replicationFactor: 1 })),
  waitForLeaders: true,
});
await admin.disconnect();

const sandbox = await startSandbox({ config: { strict: true } });
say(`sandbox (Zendesk stand-in) at ${sandbox.url}; topic ${topic}`);
const env = {
  ...process.env,
  KAFKA_TOPIC: topic,
  KAFKA_GROUP_ID: `${topic}-group`,
  ZENDESK_URL: sandbox.url,
  ZENDESK_OAUTH_TOKEN: 'sandbox-token',
  ZENDESK_TRACK_EVENTS: 'Order Completed,Subscription Started',
  ZENDESK_REMOVE_USERS_FROM_ORGANIZATION: 'true',
  HTTP_PORT: String(metricsPort),
  HTTP_HOST: '127.0.0.1',
  LOG_FORMAT: 'pretty',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};
const cli = (args: string[], opts: { inherit?: boolean } = {}): ChildProcess =>
  spawn(process.execPath, ['bin/zendesk-destination.js', ...args], {
    env,
    stdio: ['ignore', opts.inherit ? 'inherit' : 'pipe', 'inherit'],
  });
const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.on('exit', (code) => r(code)));

const produce = cli(['produce', file], { inherit: true });
await exited(produce);
const run = cli(['run'], { inherit: true });
const runExit = exited(run);

async function outcomes(): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('zendesk_destination_event_outcomes_total{'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  } catch {
    return 0;
  }
}
const deadline = Date.now() + 120_000;
let done = 0;
while ((done = await outcomes()) < events && Date.now() < deadline)
  await new Promise((r) => setTimeout(r, 500));
run.kill('SIGTERM');
const code = await runExit;
say(`\n${done}/${events} events have an outcome; the destination exited with code ${code} after SIGTERM\n`);

const state = sandbox.state() as unknown as {
  users: {
    id: number;
    name: string;
    external_id: string | null;
    user_fields: Record<string, unknown>;
    time_zone: string | null;
  }[];
  organizations: { id: number; name: string; external_id: string | null; domain_names: string[] }[];
  memberships: { user_id: number; organization_id: number }[];
  events: unknown[];
};
const orgName = new Map(state.organizations.map((o) => [o.id, o.name]));
say(`Zendesk sandbox now holds:`);
say(`  ${state.users.length} users`);
for (const u of state.users) {
  const orgs = state.memberships.filter((m) => m.user_id === u.id).map((m) => orgName.get(m.organization_id));
  const fields = Object.entries(u.user_fields ?? {})
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  say(
    `    ${u.external_id ?? '-'}  ${u.name}  tz=${u.time_zone ?? '-'}  orgs=[${orgs.join(', ')}]  ${fields.join(' ')}`,
  );
}
say(
  `  ${state.organizations.length} organizations: ${state.organizations.map((o) => `${o.name} (${o.external_id})`).join(', ')}`,
);
say(`  ${state.memberships.length} memberships`);
say(`  ${state.events.length} user events`);
const dlq = spawn(process.execPath, ['bin/zendesk-destination.js', 'dlq', 'list'], {
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});
await exited(dlq);
await sandbox.close();
const admin2 = kafka.admin();
await admin2.connect();
await admin2.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
await admin2.disconnect();
process.exit(code === 0 && done >= events ? 0 : 1);
