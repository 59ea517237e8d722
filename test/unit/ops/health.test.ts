import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { Gauge } from 'prom-client';
import { createMetrics, countConsumed, METRIC_NAMES } from '../../../src/ops/metrics.js';
import { startHealthServer, type HealthServer, type Readiness } from '../../../src/ops/health.js';

const metrics = createMetrics({ defaultMetrics: false });
let server: HealthServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(isReady: () => Readiness = () => true): Promise<HealthServer> {
  server = await startHealthServer({ port: 0, host: '127.0.0.1', metrics, isReady });
  return server;
}

async function get(path: string, method = 'GET') {
  const res = await fetch(`http://127.0.0.1:${server!.port}${path}`, {
    method,
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('health server', () => {
  it('listens on a random port and answers /healthz', async () => {
    const s = await start();
    expect(s.port).toBeGreaterThan(0);
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('answers /healthz 503 with the reason once the process has a fatal error', async () => {
    let fatal: string | undefined = undefined;
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics,
      isReady: () => true,
      fatal: () => fatal,
    });
    expect((await get('/healthz')).status).toBe(200);
    fatal = 'fatal: the consumer crashed and KafkaJS will not restart it';
    const r = await get('/healthz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ alive: false, reason: fatal });
  });

  it('answers /readyz 200 when ready and 503 with the reason otherwise', async () => {
    let state: Readiness = true;
    await start(() => state);
    expect(await get('/readyz')).toMatchObject({ status: 200, type: 'application/json' });
    expect(JSON.parse((await get('/readyz')).body)).toEqual({ ready: true });

    state = { ready: false, reason: 'zendesk outage: 503 for 40s' };
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ ready: false, reason: 'zendesk outage: 503 for 40s' });

    state = false;
    expect(await get('/readyz')).toMatchObject({ status: 503 });
    expect(JSON.parse((await get('/readyz')).body)).toEqual({ ready: false, reason: 'not ready' });

    state = { ready: true };
    expect((await get('/readyz')).status).toBe(200);
  });

  it('answers 503 without the error text when the readiness check throws', async () => {
    await start(() => {
      throw new Error('secret-ish internals');
    });
    const r = await get('/readyz');
    expect(r.status).toBe(503);
    expect(r.body).not.toContain('secret-ish');
  });

  it('serves /metrics in Prometheus text format', async () => {
    countConsumed(metrics, 'health-test-topic', 3);
    await start();
    const r = await get('/metrics?x=1');
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/plain');
    expect(r.body).toContain(`# TYPE ${METRIC_NAMES.eventsConsumed} counter`);
    expect(r.body).toContain(`${METRIC_NAMES.eventsConsumed}{topic="health-test-topic"} 3`);
  });

  it('answers HEAD without a body, 404 for unknown paths and 405 for other methods', async () => {
    await start();
    expect(await get('/healthz', 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect((await get('/nope')).status).toBe(404);
    const post = await get('/healthz', 'POST');
    expect(post.status).toBe(405);
  });

  it('closes promptly even with a keep-alive connection open', async () => {
    const s = await start();
    // A raw HTTP/1.1 connection that stays open and idle after its answer, like a keep-alive scraper.
    const socket = connect(s.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('data', (d) => {
        if (d.toString().includes('ok')) resolve();
      });
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    });
    const closedByServer = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const started = Date.now();
    await s.close();
    server = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
    await closedByServer;
  });

  it('closes promptly even while a scrape is stuck', async () => {
    let arrived!: () => void;
    const scrapeStarted = new Promise<void>((resolve) => (arrived = resolve));
    const stuck = createMetrics({ defaultMetrics: false });
    new Gauge({
      name: 'stuck_gauge',
      help: 'a collector that never finishes',
      registers: [stuck.registry],
      collect: () => {
        arrived();
        return new Promise<void>(() => {});
      },
    });
    const s = await startHealthServer({ port: 0, host: '127.0.0.1', metrics: stuck, isReady: () => true });
    const scrape = fetch(`http://127.0.0.1:${s.port}/metrics`, { signal: AbortSignal.timeout(10_000) }).then(
      () => 'answered',
      () => 'failed',
    );
    await scrapeStarted;
    const started = Date.now();
    await s.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await scrape).toBe('failed');
  });

  it('rejects when the port is taken', async () => {
    const s = await start();
    await expect(
      startHealthServer({ port: s.port, host: '127.0.0.1', metrics, isReady: () => true }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
