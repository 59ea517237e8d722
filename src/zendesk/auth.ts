/**
 * Zendesk credentials → the Authorization header (SPEC §6, reference §7). The client-credentials
 * grant fetches a token once, shares one fetch among concurrent callers, and is refreshed when a
 * call with the current token comes back 401. The secrets stay in this object: nothing here logs.
 */

export type ZendeskAuth =
  | { kind: 'bearer'; token: string }
  /** POST {baseUrl}/oauth/tokens grant_type=client_credentials; cached; refreshed once on 401. */
  | { kind: 'oauth-client'; clientId: string; clientSecret: string }
  /** Basic base64(`${email}/token:${token}`) */
  | { kind: 'api-token'; email: string; token: string }
  /** Basic base64(`${email}:${password}`) */
  | { kind: 'password'; email: string; password: string };

export interface IssuedToken {
  accessToken: string;
  /** Seconds, when the server said (`expires_in`). */
  expiresIn?: number;
}

export type TokenFetcher = (clientId: string, clientSecret: string) => Promise<IssuedToken>;

/** `agent@example.com/token` (as Segment's page writes it) is the address `agent@example.com`. */
export const withoutTokenSuffix = (email: string): string => email.replace(/\s*\/\s*token$/i, '');

/** The credentials part of a Basic `Authorization` header (also what the log redactor must mask). */
export const basicCredentials = (user: string, secret: string): string =>
  Buffer.from(`${user}:${secret}`, 'utf8').toString('base64');

const basic = (user: string, secret: string): string => `Basic ${basicCredentials(user, secret)}`;

export class Authenticator {
  private token: { header: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly auth: ZendeskAuth,
    private readonly fetchToken: TokenFetcher,
    private readonly now: () => number,
  ) {}

  /** Whether a 401 may be answered by fetching a new token. */
  get refreshable(): boolean {
    return this.auth.kind === 'oauth-client';
  }

  async header(): Promise<string> {
    switch (this.auth.kind) {
      case 'bearer':
        return `Bearer ${this.auth.token}`;
      case 'api-token':
        return basic(`${withoutTokenSuffix(this.auth.email)}/token`, this.auth.token);
      case 'password':
        return basic(this.auth.email, this.auth.password);
      case 'oauth-client':
        if (this.token && this.now() < this.token.expiresAt) return this.token.header;
        return this.fetch();
    }
  }

  /** After a 401: forget the token that was used, unless another caller already replaced it. */
  invalidate(usedHeader: string): void {
    if (this.token?.header === usedHeader) this.token = undefined;
  }

  private fetch(): Promise<string> {
    if (this.auth.kind !== 'oauth-client') throw new Error('not an OAuth client');
    const { clientId, clientSecret } = this.auth;
    this.pending ??= this.fetchToken(clientId, clientSecret)
      .then((t) => {
        const header = `Bearer ${t.accessToken}`;
        // Refresh a minute (or a tenth of the lifetime) early rather than meet a 401.
        const life = t.expiresIn !== undefined ? t.expiresIn * 1000 : Number.POSITIVE_INFINITY;
        this.token = { header, expiresAt: this.now() + life - Math.min(60_000, life / 10) };
        return header;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

/**
 * Start-up warnings about credentials Zendesk is retiring; never contain the credential. Config
 * collects them with its other start-up warnings, which are logged once.
 */
export function credentialWarnings(auth: ZendeskAuth): string[] {
  switch (auth.kind) {
    case 'api-token':
      return [
        'Zendesk API tokens stop working on 2027-04-30 (no new tokens from 2026-10-27): switch to OAuth (ZENDESK_OAUTH_TOKEN, or ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET)',
      ];
    case 'password':
      return [
        'Zendesk has switched password authentication off (2026-01-12): expect 401; switch to OAuth (ZENDESK_OAUTH_TOKEN, or ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET)',
      ];
    default:
      return [];
  }
}
