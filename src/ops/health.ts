/**
 * The small HTTP server operators and orchestrators talk to:
 * - `/healthz`: the process is alive (200 while the event loop answers; 503 after a fatal error);
 * - `/readyz`: 200 when consuming normally, 503 with the reason otherwise (outage, rebalancing …);
 * - `/metrics`: Prometheus text format from the service's own registry.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type Readiness = boolean | { ready: boolean; reason?: string };

export interface HealthServerOptions {
  port: number;
  /** No default on purpose: a container needs 0.0.0.0, a laptop or test wants 127.0.0.1. */
  host: string;
  metrics: { registry: Registry };
  isReady: () => Readiness;
  /** `/healthz` answers 503 with this reason once the process has a fatal error (default: always alive). */
  fatal?: () => string | undefined;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function readiness(isReady: () => Readiness): { ready: boolean; reason?: string } {
  try {
    const r = isReady();
    return typeof r === 'boolean' ? { ready: r, ...(r ? {} : { reason: 'not ready' }) } : r;
  } catch {
    // The readiness check itself failing is "not ready"; its error text could hold anything, so it stays out.
    return { ready: false, reason: 'readiness check failed' };
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, o: HealthServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  switch (path) {
    case '/healthz': {
      const fatal = o.fatal?.();
      return fatal === undefined
        ? send(res, 200, 'ok\n')
        : send(res, 503, `${JSON.stringify({ alive: false, reason: fatal })}\n`, 'application/json');
    }
    case '/readyz': {
      const r = readiness(o.isReady);
      const body = JSON.stringify(
        r.ready ? { ready: true } : { ready: false, reason: r.reason ?? 'not ready' },
      );
      return send(res, r.ready ? 200 : 503, `${body}\n`, 'application/json');
    }
    case '/metrics': {
      try {
        const text = await o.metrics.registry.metrics();
        return send(res, 200, text, o.metrics.registry.contentType);
      } catch {
        return send(res, 500, 'metrics collection failed\n');
      }
    }
    default:
      return send(res, 404, 'not found\n');
  }
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Probes and scrapes are tiny; a stuck client must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive scrapers would otherwise hold close() open until their sockets time out.
        server.closeAllConnections();
      }),
  };
}
