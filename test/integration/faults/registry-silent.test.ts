/**
 * A schema registry that stops answering and never comes back (a frozen process, a proxy that lost its
 * upstream, a black-holed route): connections are taken, requests never answered. The registry sits
 * behind a proxy here that forwards until told to swallow. The service must not look alive while one
 * schema look-up holds its partitions: it pauses them as an outage (/readyz 503 with the reason),
 * loses and commits nothing, stops in time on SIGTERM with the look-up still unanswered, and a new
 * instance delivers everything once the registry answers again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { NO_LIMITS } from '../../../src/sandbox/config.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { codecFor, connectedProducer, produceEvents, waitUntil } from '../../helpers/pipeline.js';
import { metricSum, startService, type Service } from '../../helpers/service.js';
import { REGISTRY_URL, createTopics, deleteTopics, testKafka, uniqueName } from '../../helpers/stack.js';

const topics: string[] = [];
const services: Service[] = [];
const sandboxes: Sandbox[] = [];
let proxy: { server: Server; sockets: Set<Socket>; url: string; mode: 'forward' | 'swallow' } | undefined;
afterAll(async () => {
  for (const s of services) await s.stop('SIGKILL');
  for (const s of sandboxes) await s.close();
  for (const s of proxy?.sockets ?? []) s.destroy();
  if (proxy) await new Promise((r) => proxy!.server.close(r));
  await deleteTopics(topics);
});

/** A TCP proxy to the registry that forwards, or takes every byte and answers nothing. */
async function registryProxy() {
  const target = new URL(REGISTRY_URL);
  const sockets = new Set<Socket>();
  const p = { server: createServer(), sockets, url: '', mode: 'forward' as 'forward' | 'swallow' };
  p.server.on('connection', (client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => void (p.mode === 'forward' && upstream.write(d)));
    upstream.on('data', (d) => void (p.mode === 'forward' && client.write(d)));
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
  });
  await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
  p.url = `http://127.0.0.1:${(p.server.address() as { port: number }).port}${target.pathname}`;
  return p;
}

async function committed(topic: string, groupId: string): Promise<number> {
  const admin = testKafka('registry-silent').admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('schema registry that never answers', () => {
  it('partitions paused as an outage with /readyz saying why, nothing lost or committed, SIGTERM in time; delivered once it answers', async () => {
    const topic = uniqueName('regsilent');
    topics.push(topic, `${topic}.dlq`);
    await createTopics([topic, `${topic}.dlq`], 2);
    proxy = await registryProxy();
    const sandbox = await startSandbox({ config: { limits: NO_LIMITS } });
    sandboxes.push(sandbox);
    const groupId = uniqueName('g');
    const env = {
      SCHEMA_REGISTRY_URL: proxy.url,
      SCHEMA_REGISTRY_TIMEOUT_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };

    const first = await startService({ topic, groupId, sandbox, env });
    services.push(first);
    await waitUntil(async () => (await first.ready().catch(() => 0)) === 200, 60_000, 'the service ready');
    proxy.mode = 'swallow';
    // Encoded against the registry directly: the service has no schema cached, so its first look-up
    // goes through the proxy and is never answered.
    const events: SegmentEvent[] = Array.from({ length: 20 }, (_, i) => ({
      type: 'identify',
      userId: `rs-${i}`,
      messageId: `rs-${i}`,
      traits: { name: `User ${i}` },
    }));
    const producer = await connectedProducer();
    await produceEvents(producer, codecFor(topic), topic, events);
    await producer.disconnect();

    // What an operator sees while it lasts, sampled every 200 ms: the pause (a gauge, a log line) and
    // /readyz 503 naming it. Between pauses a partition is resumed to try again, so both come and go;
    // the paused-long alert reads the gauge through max_over_time for that reason.
    const seen = { notReady: [] as string[], paused: 0 };
    const sample = async () => {
      const r = await fetch(`http://127.0.0.1:${first.port}/readyz`);
      const body = (await r.json()) as { reason?: string };
      if (r.status === 503 && body.reason) seen.notReady.push(body.reason);
      seen.paused = Math.max(
        seen.paused,
        metricSum(await first.metrics(), 'zendesk_destination_paused_partitions'),
      );
    };
    await waitUntil(
      async () => (await sample(), seen.paused > 0 && seen.notReady.length > 0),
      30_000,
      'a partition paused as an outage while the registry is silent',
    );
    expect(first.logs()).toMatch(/partition paused: outage/);
    expect(first.logs()).toMatch(/schema registry unavailable: .*[Tt]imeout/);
    expect(seen.notReady.some((r) => /paused by an outage/.test(r))).toBe(true);
    // Never heals: paused again and again, nothing delivered, nothing committed past it.
    // /readyz through a resume and the next pause: while the look-up is tried again it stays 503
    // ("retrying after an outage"), never 200 between the pauses of an outage that never heals.
    const pausesBefore = first.logs().split('partition paused: outage').length;
    const between: string[] = [];
    await waitUntil(
      async () => {
        const r = await fetch(`http://127.0.0.1:${first.port}/readyz`);
        const body = (await r.json()) as { reason?: string };
        between.push(r.status === 200 ? 'ready' : (body.reason ?? `${r.status}`));
        return first.logs().split('partition paused: outage').length > pausesBefore;
      },
      15_000,
      'paused again after the backoff (the look-up tried again and unanswered again)',
    );
    expect(between.some((r) => /retrying after an outage/.test(r))).toBe(true);
    expect(between).not.toContain('ready');
    expect(sandbox.state().users).toHaveLength(0);
    expect(await committed(topic, groupId)).toBe(0);

    const stopped = Date.now();
    const code = await first.stop('SIGTERM');
    expect(code).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(5000 + 4000);

    proxy.mode = 'forward';
    const second = await startService({ topic, groupId, sandbox, env });
    services.push(second);
    await waitUntil(() => sandbox.state().users.length === events.length, 60_000, 'every user in Zendesk');
    await waitUntil(
      async () => (await committed(topic, groupId)) === events.length,
      30_000,
      'commits at the end',
    );
    expect(second.logs()).not.toMatch(/dead-lettered/);
    await second.stop('SIGTERM');
  }, 180_000);
});
