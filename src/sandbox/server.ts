/**
 * The HTTP side: one request goes through auth → account limit → faults → strict check → handler,
 * in that order, so a fault or a 429 never changes state. `/__sandbox/*` is the unauthenticated
 * control surface for tests, the demo and benchmarks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Auth } from './auth.js';
import { deepMerge, defaultConfig, type DeepPartial, type SandboxConfig } from './config.js';
import type { Ctx, Reply, Route } from './context.js';
import { ApiError, badRequest, forbidden, invalidEndpoint, unauthenticated } from './errors.js';
import { Faults } from './faults.js';
import { Jobs } from './jobs.js';
import { Limits } from './limits.js';
import { Router } from './router.js';
import { strictCheck } from './strict.js';
import { renderField, renderJob, renderMembership, renderOrganization, renderUser, Store } from './store.js';
import type { RequestLogEntry, SandboxState } from './types.js';
import { duplicateEvents, type DuplicateReport } from './duplicates.js';
import { eventRoutes } from './resources/events.js';
import { fieldRoutes } from './resources/fields.js';
import { jobRoutes } from './resources/jobs.js';
import { membershipRoutes } from './resources/memberships.js';
import { oauthRoutes } from './resources/oauth.js';
import { organizationRoutes } from './resources/organizations.js';
import { userRoutes } from './resources/users.js';

const MAX_BODY = 10 * 1024 * 1024;

/** A reply whose body is plain text (some Zendesk errors are text/plain [REQ]). */
type Sent = Reply & { text?: boolean };

export interface EngineOptions {
  config?: DeepPartial<SandboxConfig>;
  /** Injected clock (ms since epoch) for deterministic limits and jobs. */
  now?: () => number;
}

export class Engine {
  baseUrl = '';
  private cfg: SandboxConfig;
  private store = new Store();
  private log: RequestLogEntry[] = [];
  private readonly router = new Router();
  readonly now: () => number;
  readonly limits: Limits;
  readonly faults: Faults;
  readonly auth: Auth;
  readonly jobs: Jobs;

  constructor(opts: EngineOptions = {}) {
    this.cfg = deepMerge(defaultConfig(), opts.config ?? {});
    this.now = opts.now ?? Date.now;
    this.limits = new Limits(() => this.cfg.limits, this.now);
    this.faults = new Faults(() => this.cfg.faults);
    this.auth = new Auth(() => this.cfg.auth, this.now);
    this.jobs = new Jobs(
      () => this.store,
      () => this.cfg,
      this.now,
    );
    this.router.add([
      ...userRoutes,
      ...eventRoutes,
      ...organizationRoutes,
      ...membershipRoutes,
      ...fieldRoutes,
      ...jobRoutes,
      ...oauthRoutes,
    ]);
  }

  config(): SandboxConfig {
    return structuredClone(this.cfg);
  }

  configure(patch: DeepPartial<SandboxConfig>): void {
    const seed = this.cfg.faults.seed;
    this.cfg = deepMerge(this.cfg, patch);
    if (this.cfg.faults.seed !== seed) this.faults.reseed();
  }

  state(): SandboxState {
    this.jobs.advance();
    const s = this.store;
    const b = this.baseUrl;
    return structuredClone({
      users: [...s.users.values()].map((u) => renderUser(s, u, b, true)),
      organizations: [...s.organizations.values()].map((o) => renderOrganization(s, o, b)),
      memberships: [...s.memberships.values()].map((m) => renderMembership(s, m, b)),
      userFields: s.fieldsOf('user').map((f) => renderField(f, b)),
      organizationFields: s.fieldsOf('organization').map((f) => renderField(f, b)),
      events: s.events,
      jobs: [...s.jobs.values()].map((j) => renderJob(j, b)),
    });
  }

  duplicates(): DuplicateReport {
    return duplicateEvents(this.store.events);
  }

  requests(): RequestLogEntry[] {
    return structuredClone(this.log);
  }

  clearRequests(): void {
    this.log = [];
  }

  reset(): void {
    this.store = new Store();
    this.log = [];
    this.limits.reset();
    this.jobs.reset();
    this.faults.reseed();
  }

  close(): void {
    this.jobs.close();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\.json$/, '');
    const method = (req.method ?? 'GET').toUpperCase();
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return send(res, {
        status: 413,
        body: { error: 'RequestTooLarge', description: `Body over ${MAX_BODY} bytes` },
        headers: path.startsWith('/__sandbox/') ? {} : this.limits.accountRequest(false),
      });
    }
    if (path.startsWith('/__sandbox/')) return send(res, this.admin(method, path, raw));

    const entry: RequestLogEntry = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      body: undefined,
      at: new Date(this.now()).toISOString(),
    };
    this.log.push(entry);
    const reply = await this.answer(req, method, path, url.searchParams, raw, entry);
    if (reply === 'drop') {
      res.socket?.destroy();
      return;
    }
    entry.status = reply.status;
    send(res, reply);
  }

  private async answer(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    raw: string,
    entry: RequestLogEntry,
  ): Promise<Sent | 'drop'> {
    let headers: Record<string, string> = {};
    try {
      const body = parseBody(raw, req.headers['content-type']);
      entry.body = redact(body);
      this.jobs.advance();
      const match = this.router.match(method, path);
      if (this.cfg.auth.revoked) throw unauthenticated();
      const authHeader = req.headers.authorization;
      const principal = match?.route.pattern === '/oauth/tokens' ? null : this.auth.authenticate(authHeader);
      // Wrong credentials are a 401 everywhere; missing ones only where the route needs them.
      if (authHeader && !principal && match?.route.pattern !== '/oauth/tokens') throw unauthenticated();
      if (!principal && !match?.route.public) throw unauthenticated();
      if (principal && !this.auth.allowed(principal, method)) throw forbidden();
      // Only an authenticated request spends a budget; any other answer just reads it. The Events
      // API has its own budget [RL]: it does not spend the account's.
      if (match?.route.events) {
        headers = this.limits.accountRequest(false);
        Object.assign(headers, this.limits.eventsRequest());
      } else headers = this.limits.accountRequest(principal !== null);
      if (match?.route.adminOnly && principal?.role !== 'admin') throw forbidden();

      const fault = this.faults.decide();
      if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.kind === 'drop') return 'drop';
      if (fault.kind === 'error') throw fault.error;

      if (!match) throw invalidEndpoint();
      if (this.cfg.strict) {
        const err = strictCheck(match.route, query, body);
        if (err) throw err;
      }
      const reply = match.route.handler(
        this.ctx(match.route, match.params, method, path, query, body, principal),
      );
      return { ...reply, headers: { ...headers, ...reply.headers } };
    } catch (e) {
      // Every answer carries the account's X-Rate-Limit headers, a 401 or 403 included (read, not spent).
      if (Object.keys(headers).length === 0) headers = this.limits.accountRequest(false);
      if (e instanceof ApiError)
        return {
          status: e.status,
          body: e.text ?? e.body,
          headers: { ...headers, ...e.headers },
          text: e.text !== undefined,
        };
      return {
        status: 500,
        body: { error: 'InternalServerError', description: e instanceof Error ? e.message : String(e) },
        headers,
      };
    }
  }

  private ctx(
    _route: Route,
    params: Record<string, string>,
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    principal: Ctx['principal'],
  ): Ctx {
    return {
      method,
      path,
      params,
      query,
      body,
      principal,
      store: this.store,
      config: this.cfg,
      limits: this.limits,
      jobs: this.jobs,
      auth: this.auth,
      baseUrl: this.baseUrl,
      now: this.now,
      nowIso: () => zendeskTime(this.now()),
    };
  }

  private admin(method: string, path: string, raw: string): Sent {
    const what = `${method} ${path.slice('/__sandbox/'.length)}`;
    switch (what) {
      case 'GET state':
        return { status: 200, body: this.state() };
      case 'GET duplicates':
        return { status: 200, body: this.duplicates() };
      case 'GET requests':
        return { status: 200, body: this.requests() };
      case 'GET config':
        return { status: 200, body: this.config() };
      case 'PATCH config': {
        let patch: unknown;
        try {
          patch = raw ? JSON.parse(raw) : {};
        } catch {
          return { status: 400, body: { error: 'InvalidJSON', description: 'Body is not JSON' } };
        }
        if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
          return { status: 400, body: { error: 'InvalidValue', description: 'A JSON object is required' } };
        this.configure(patch as DeepPartial<SandboxConfig>);
        return { status: 200, body: this.config() };
      }
      case 'POST reset':
        this.reset();
        return { status: 204 };
      default:
        return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
    }
  }
}

function send(res: ServerResponse, reply: Sent): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  if (reply.text) {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.writeHead(reply.status).end(String(reply.body));
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.writeHead(reply.status).end(JSON.stringify(reply.body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** JSON bodies, and form bodies (OAuth clients often post the token request as a form). */
function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw.trim() === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('InvalidJSON', 'The request body is not valid JSON');
  }
}

/** The request log is read by tests and printed by demos: it never holds a client secret. */
function redact(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('client_secret' in body)) return body;
  return { ...body, client_secret: '[redacted]' };
}

/** Zendesk timestamps have whole seconds: "2011-05-05T10:38:52Z". */
const zendeskTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
