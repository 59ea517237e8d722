/**
 * The real service as a child process (`zendesk-destination run`, from source through tsx) against the
 * real broker, the real registry and an in-process sandbox; plus accounting helpers that read what
 * Zendesk (the sandbox) and the dead-letter topic hold.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Sandbox } from '../../src/sandbox/index.js';
import { H, headerText } from '../../src/pipeline/dlq.js';
import { BROKERS, REGISTRY_URL, readAll } from './stack.js';
import { CLI, ROOT } from './cli.js';
import { codecFor } from './pipeline.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Service {
  child: ChildProcess;
  port: number;
  logs: () => string;
  exited: Promise<number | null>;
  metrics(): Promise<string>;
  ready(): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startService(opts: {
  topic: string;
  groupId: string;
  sandbox: Sandbox;
  env?: Record<string, string>;
}): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, [...CLI, 'run'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      KAFKA_BROKERS: BROKERS.join(','),
      SCHEMA_REGISTRY_URL: REGISTRY_URL,
      KAFKA_TOPIC: opts.topic,
      KAFKA_GROUP_ID: opts.groupId,
      ZENDESK_URL: opts.sandbox.url,
      ZENDESK_OAUTH_TOKEN: 'sandbox-token',
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '10000',
      ZENDESK_MAX_RETRY_TIME_MS: '2000',
      // The sandbox runs without limits here; the client's own pacing of Zendesk's limits (1 user
      // upsert/s for the account) is scaled down to match. Limits are proven in the client's tests.
      ZENDESK_TIME_SCALE: '1000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const svc: Service = {
    child,
    port,
    logs: () => out,
    exited,
    metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
    ready: async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  return svc;
}

/** What a service said while it ran: /readyz answers and the paused/stalled gauges, sampled twice a second. */
export interface ServiceWatch {
  /** /readyz reasons seen with a 503 (each once), in the order first seen. */
  notReady: string[];
  /** /readyz answered 200 at least once. */
  sawReady: boolean;
  maxPaused: number;
  maxStalled: number;
  samples: number;
  stop(): Promise<void>;
}

export function watchService(svc: Service, everyMs = 500): ServiceWatch {
  let running = true;
  const w: ServiceWatch = {
    notReady: [],
    sawReady: false,
    maxPaused: 0,
    maxStalled: 0,
    samples: 0,
    stop: async () => {
      running = false;
      await loop;
    },
  };
  const sample = async () => {
    const r = await fetch(`http://127.0.0.1:${svc.port}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await r.json()) as { reason?: string };
    if (r.status === 200) w.sawReady = true;
    else if (body.reason && !w.notReady.includes(body.reason)) w.notReady.push(body.reason);
    const m = await svc.metrics();
    w.maxPaused = Math.max(w.maxPaused, metricSum(m, 'zendesk_destination_paused_partitions'));
    w.maxStalled = Math.max(w.maxStalled, metricSum(m, 'zendesk_destination_stalled_partitions'));
    w.samples++;
  };
  const loop = (async () => {
    while (running && svc.child.exitCode === null && svc.child.signalCode === null) {
      await sample().catch(() => undefined);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return w;
}

/** Sum of a counter (all label sets) in a Prometheus text page. */
export function metricSum(
  text: string,
  name: string,
  filter: (labels: string) => boolean = () => true,
): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => filter(l.slice(name.length, l.lastIndexOf(' '))))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** messageIds Zendesk accepted: from successful upserts/events in the sandbox's request log. */
export function deliveredMessageIds(sandbox: Sandbox, field = 'last_message_id'): Set<string> {
  return deliveredMessageIdsOf(sandbox.requests(), field);
}

/** messageIds accepted in these entries of a sandbox request log (e.g. those after some instant). */
export function deliveredMessageIdsOf(
  requests: ReturnType<Sandbox['requests']>,
  field = 'last_message_id',
): Set<string> {
  const out = new Set<string>();
  for (const r of requests) {
    if (r.status >= 300) continue;
    const b = r.body as {
      user?: { user_fields?: Record<string, unknown> };
      users?: { user_fields?: Record<string, unknown> }[];
      event?: { properties?: Record<string, unknown> };
    } | null;
    const id = b?.user?.user_fields?.[field] ?? b?.event?.properties?.messageId;
    if (typeof id === 'string') out.add(id);
    for (const u of b?.users ?? [])
      if (typeof u.user_fields?.[field] === 'string') out.add(u.user_fields[field] as string);
  }
  return out;
}

/** Dead letters of a DLQ topic: messageId → reason. */
export async function deadLetters(
  topic: string,
  dlqTopic: string,
  expected: number,
): Promise<Map<string, string>> {
  const codec = codecFor(topic);
  const msgs = await readAll(dlqTopic, expected);
  const out = new Map<string, string>();
  for (const m of msgs) {
    const id =
      headerText(m.headers, H.messageId) ??
      (await codec.decode(m.value).then(
        (e) => e.messageId ?? '',
        () => `offset:${m.offset}`,
      ));
    out.set(id, headerText(m.headers, H.reason) ?? '?');
  }
  return out;
}
