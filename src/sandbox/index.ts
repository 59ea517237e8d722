/**
 * The Zendesk sandbox: a local stand-in for the parts of the Zendesk API this product uses, built
 * fact by fact from ../shared/reference/zendesk-api.md. Usable in-process (`startSandbox`) and from
 * the command line (`zendesk-destination sandbox`, see cli.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeepPartial, SandboxConfig } from './config.js';
import { Engine } from './server.js';
import type { Sandbox } from './types.js';

export { ENTERPRISE_LIMITS, NO_LIMITS, defaultConfig } from './config.js';
export type { DeepPartial, SandboxConfig } from './config.js';
export type { DuplicateReport, RequestLogEntry, Sandbox, SandboxState } from './types.js';

export interface StartOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  config?: DeepPartial<SandboxConfig>;
  /** Injected clock for limits, jobs and timestamps (default Date.now). */
  now?: () => number;
}

export async function startSandbox(opts: StartOptions = {}): Promise<Sandbox> {
  const engine = new Engine({ config: opts.config, now: opts.now });
  const server = createServer((req, res) => {
    engine.handle(req, res).catch(() => res.destroy());
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  engine.baseUrl = url;
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    configure: (patch) => engine.configure(patch),
    config: () => engine.config(),
    state: () => engine.state(),
    duplicates: () => engine.duplicates(),
    requests: () => engine.requests(),
    clearRequests: () => engine.clearRequests(),
    jobDurations: () => engine.jobs.appliedDurations(),
    jobsInFlight: () => engine.jobs.inFlightCount(),
    reset: () => engine.reset(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        engine.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
