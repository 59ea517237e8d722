/**
 * The health-check commands of the Dockerfile and docker-compose.yml, run for real against local
 * servers on 127.0.0.1 (random ports): a check that cannot pass, or cannot fail, is caught here
 * rather than as a container stuck in "starting". Kafka's, Prometheus's and Grafana's checks use
 * those images' own tools and can only be verified with Docker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '../../../src/ops/metrics.js';
import { startHealthServer } from '../../../src/ops/health.js';
import { startSandbox } from '../../../src/sandbox/index.js';
import { healthTestOf, loadCompose, serviceOf } from './compose.js';
import { execForm, parseDockerfile, parseHealthcheck } from './dockerfile.js';
import { readRepoFile } from './repo.js';

const compose = loadCompose();

/** Runs argv (a health check's command) and resolves with its exit code; killed after 10 s. */
function exitCode(argv: string[], env: Record<string, string> = {}): Promise<number | null> {
  const [cmd, ...args] = argv;
  return new Promise((resolve) => {
    execFile(cmd ?? '', args, { env: { ...process.env, ...env }, timeout: 10_000 }, (err) => {
      if (!err) return resolve(0);
      const code = (err as { code?: unknown }).code;
      resolve(typeof code === 'number' ? code : null);
    });
  });
}

/** A compose test `["CMD", ...argv]` with Compose's `$$` unescaped, as the container runs it. */
function composeCheck(service: string): string[] {
  const test = healthTestOf(serviceOf(compose, service)) ?? [];
  expect(test[0]).toBe('CMD');
  return test.slice(1).map((a) => a.replace(/\$\$/g, '$'));
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** An HTTP server answering `status` on `path` and 404 elsewhere. */
async function answering(path: string, status: number): Promise<number> {
  const s = createServer((req, res) => {
    res.writeHead(req.url === path ? status : 404, { 'content-type': 'application/json' }).end('[]');
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

describe('Dockerfile HEALTHCHECK', () => {
  const ins = parseDockerfile(readRepoFile('Dockerfile')).find((i) => i.keyword === 'HEALTHCHECK');
  const argv = execForm(parseHealthcheck(ins?.args ?? '').command) ?? [];
  // The image's `node` is the test runner's node here (both Node.js 20).
  const run = (port: number) => exitCode([process.execPath, ...argv.slice(1)], { HTTP_PORT: String(port) });

  it('passes against the real health server on HTTP_PORT', async () => {
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics({ defaultMetrics: false }),
      // Liveness must not depend on readiness: an unready (paused) service is still alive.
      isReady: () => ({ ready: false, reason: 'outage' }),
    });
    try {
      expect(await run(server.port)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('fails when nothing listens, and when /healthz answers an error', async () => {
    expect(await run(await closedPort())).toBe(1);
    expect(await run(await answering('/healthz', 503))).toBe(1);
  });
});

describe('docker-compose.yml health checks', () => {
  it('sandbox: passes against a running sandbox, fails without one', async () => {
    const argv = composeCheck('sandbox');
    expect(argv.slice(0, 2)).toEqual(['node', '-e']);
    const withPort = (port: number) => [
      process.execPath,
      '-e',
      (argv[2] ?? '').replace('127.0.0.1:8080', `127.0.0.1:${port}`),
    ];
    const sandbox = await startSandbox({ port: 0 });
    try {
      expect(await exitCode(withPort(sandbox.port))).toBe(0);
    } finally {
      await sandbox.close();
    }
    expect(await exitCode(withPort(await closedPort()))).toBe(1);
  });

  it('registry: passes when the Confluent API answers 200, fails on 503 or with nothing listening', async () => {
    const argv = composeCheck('registry');
    expect(argv.slice(0, 2)).toEqual(['bash', '-c']);
    const script = argv[2] ?? '';
    expect(script).toContain('/dev/tcp/127.0.0.1/8080');
    const withPort = (port: number) => [
      'bash',
      '-c',
      script.replace('/dev/tcp/127.0.0.1/8080', `/dev/tcp/127.0.0.1/${port}`),
    ];
    expect(await exitCode(withPort(await answering('/apis/ccompat/v7/subjects', 200)))).toBe(0);
    expect(await exitCode(withPort(await answering('/apis/ccompat/v7/subjects', 503)))).not.toBe(0);
    expect(await exitCode(withPort(await answering('/elsewhere', 200)))).not.toBe(0);
    expect(await exitCode(withPort(await closedPort()))).not.toBe(0);
  });
});
