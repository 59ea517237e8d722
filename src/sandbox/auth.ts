/**
 * Authentication [§7]: Bearer (static tokens and client-credentials tokens), Basic
 * `email/token:TOKEN`, Basic `email:password`. Credentials never leave this module except as a
 * Principal without secrets.
 */
import { randomBytes } from 'node:crypto';
import type { Role, SandboxConfig } from './config.js';

export interface Principal {
  /** The role of the user behind the credential (admin unless configured otherwise). */
  role: Role;
  method: 'bearer' | 'oauth' | 'api-token' | 'password';
  /** The email of Basic auth, when there was one (only ever echoed by users/me). */
  email: string | null;
  /** OAuth scopes; null for credentials that are not scoped. */
  scopes: string[] | null;
}

interface IssuedToken {
  clientId: string;
  scopes: string[];
  /** ms since epoch on the sandbox clock; null: never. */
  expiresAt: number | null;
}

// Scopes Zendesk knows. Anything else is the [CSA §7] trap: a token is issued, every call is 403.
const RESOURCES = [
  'tickets',
  'users',
  'auditlogs',
  'organizations',
  'hc',
  'apps',
  'triggers',
  'automations',
  'targets',
  'webhooks',
  'macros',
  'requests',
  'satisfaction_ratings',
  'dynamic_content',
  'any_channel',
  'web_widget',
  'zis',
];
const KNOWN_SCOPES = new Set([
  'read',
  'write',
  'impersonate',
  ...RESOURCES.flatMap((r) => [`${r}:read`, `${r}:write`]),
]);

export class Auth {
  private issued = new Map<string, IssuedToken>();

  constructor(
    private readonly config: () => SandboxConfig['auth'],
    private readonly now: () => number = Date.now,
  ) {}

  /** The configured role of one credential (a token, a password email or an OAuth client id). */
  private roleOf(credential: string): Role {
    const cfg = this.config();
    return cfg.roles.find((r) => r.credential === credential)?.role ?? cfg.role;
  }

  authenticate(header: string | undefined): Principal | null {
    if (!header) return null;
    const cfg = this.config();
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    if (bearer?.[1]) {
      const token = bearer[1].trim();
      if (cfg.tokens.includes(token))
        return { method: 'bearer', email: null, scopes: null, role: this.roleOf(token) };
      const issued = this.issued.get(token);
      if (!issued) return null;
      // An expired access token is a wrong credential: 401, and the client fetches a new one.
      if (issued.expiresAt !== null && this.now() >= issued.expiresAt) {
        this.issued.delete(token);
        return null;
      }
      return { method: 'oauth', email: null, scopes: issued.scopes, role: this.roleOf(issued.clientId) };
    }
    const basic = /^Basic\s+(.+)$/i.exec(header);
    if (!basic?.[1]) return null;
    const decoded = Buffer.from(basic[1].trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const user = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    if (user.endsWith('/token')) {
      const email = user.slice(0, -'/token'.length);
      return email && cfg.tokens.includes(secret)
        ? { method: 'api-token', email, scopes: null, role: this.roleOf(secret) }
        : null;
    }
    const pair = cfg.passwords.find(
      (p) => p.email.toLowerCase() === user.toLowerCase() && p.password === secret,
    );
    return pair ? { method: 'password', email: user, scopes: null, role: this.roleOf(pair.email) } : null;
  }

  /** Whether a scoped token may make this call: unknown scopes forbid everything, read-only forbids writes. */
  allowed(p: Principal, method: string): boolean {
    if (!p.scopes) return true;
    if (p.scopes.some((s) => !KNOWN_SCOPES.has(s))) return false;
    if (method === 'GET' || method === 'HEAD') return true;
    return p.scopes.some((s) => s === 'write' || s.endsWith(':write'));
  }

  /**
   * The client-credentials grant. Returns null when the client is unknown or the secret wrong.
   * The token lives `oauthTokenTtlSeconds`, or the `expires_in` asked for when that is shorter.
   */
  issue(
    clientId: string,
    secret: string,
    scope: string | undefined,
    requestedTtl?: number,
  ): { token: string; scopes: string[]; expiresIn: number | null } | null {
    const cfg = this.config();
    const client = cfg.oauthClients.find((c) => c.id === clientId && c.secret === secret);
    if (!client) return null;
    const scopes = (scope ?? 'read write').split(/\s+/).filter(Boolean);
    const token = randomBytes(24).toString('hex');
    const ttl = cfg.oauthTokenTtlSeconds;
    const expiresIn = requestedTtl !== undefined && (ttl === null || requestedTtl < ttl) ? requestedTtl : ttl;
    this.issued.set(token, {
      clientId,
      scopes,
      expiresAt: expiresIn === null ? null : this.now() + expiresIn * 1000,
    });
    return { token, scopes, expiresIn };
  }
}
